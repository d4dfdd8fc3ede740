"""Emitting events into the outbox, in the caller's transaction (and tenant context).

Types (issue #6): patient.created, patient.updated, patient.deleted, appointment.created,
appointment.updated, appointment.cancelled, appointment.state_changed, appointment.reminder_due.
One event per change, the most specific type; a change of notificationState alone emits nothing.
A rolled-back request emits nothing; a committed one is never lost (the deliveries are rows).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max
from django.utils import timezone

from webhooks.models import Delivery, Event, WebhookEndpoint


def event_emit(
    *,
    tenant_id: UUID,
    type: str,
    object_type: str,
    object_id: UUID,
    data: dict[str, Any],
    using: str = DEFAULT_DB_ALIAS,
    created: bool = False,
) -> Event:
    """Write the event and one pending delivery per enabled endpoint that wants it, on the
    connection that made the change (``using``: the console's for an operator). ``created``: the
    object was inserted in this transaction (see :func:`events_emit`)."""
    (event,) = events_emit(
        tenant_id=tenant_id,
        type=type,
        object_type=object_type,
        items=[(object_id, data)],
        using=using,
        created=created,
    )
    return event


def events_emit(
    *,
    tenant_id: UUID,
    type: str,
    object_type: str,
    items: list[tuple[UUID, dict[str, Any]]],
    using: str = DEFAULT_DB_ALIAS,
    created: bool = False,
) -> list[Event]:
    """:func:`event_emit` for many objects of one type at once (``items``: object id and data, one
    object at most once), in a fixed number of statements: the objects' last sequences, the
    events, the tenant's endpoints, the deliveries. The caller holds the objects' row locks (their
    sequences stay in order). ``created``: the objects were inserted in this transaction (new ids),
    so they have no event yet and their first is sequence 1: the last sequences are not read."""
    if not items:
        return []
    events = Event.objects.using(using)
    last: dict[UUID, int] = {}
    if not created:
        last = dict(
            events.filter(object_type=object_type, object_id__in=[object_id for object_id, _ in items])
            .values_list("object_id")
            .annotate(last=Max("sequence"))
        )
    now = timezone.now()
    created = events.bulk_create(
        [
            Event(
                tenant_id=tenant_id,
                type=type,
                object_type=object_type,
                object_id=object_id,
                sequence=last.get(object_id, 0) + 1,
                data=data,
                occurred_at=now,
            )
            for object_id, data in items
        ]
    )
    # Read on every write: through a statement built once (tenants.scoping.lookup_all), not the ORM's.
    endpoints = [
        e
        for e in WebhookEndpoint.objects.db_manager(using).lookup_all(tenant_id=tenant_id, enabled=True)
        if e.wants(type)
    ]
    if endpoints:
        Delivery.objects.using(using).bulk_create(
            [
                Delivery(tenant_id=tenant_id, event=event, endpoint=endpoint, next_attempt_at=now)
                for event in created
                for endpoint in endpoints
            ]
        )
    return created


def event_payload(event: Event) -> dict[str, Any]:
    """The Standard Webhooks body: ``{"type", "timestamp", "data": {tenantId, sequence, ...object}}``.
    A redacted event (past its retention) carries only ``{tenantId, sequence, id, redacted: true}``."""
    data = {"id": str(event.object_id), "redacted": True} if event.redacted_at is not None else event.data
    return {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {"tenantId": str(event.tenant_id), "sequence": event.sequence, **data},
    }
