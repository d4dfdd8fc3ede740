"""Keeping events and deliveries only as long as they are needed (the worker runs these hourly, and
``manage.py purge`` runs them on demand; both cross tenants through the operator bypass).

* Finished deliveries (and their attempts) older than ``WEBHOOK_DELIVERY_RETENTION_DAYS`` are deleted.
* Events are never deleted — that would restart an object's ``sequence`` and cascade to deliveries —
  but past ``EVENT_RETENTION_DAYS`` (at least the deliveries' retention) their ``data``, a snapshot
  of the patient or appointment, is emptied: id, type, object, sequence and times stay. Never while a
  delivery of the event is pending, nor before it is published to SQS when that transport is on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tenants.bypass import operator_access
from webhooks import sqs
from webhooks.models import Delivery, Event

BATCH = 1000


def event_retention() -> timedelta:
    """How long an event keeps its payload: EVENT_RETENTION_DAYS, never less than deliveries are kept."""
    return timedelta(days=max(settings.EVENT_RETENTION_DAYS, settings.WEBHOOK_DELIVERY_RETENTION_DAYS))


def deliveries_purge(*, older_than: timedelta | None = None) -> int:
    """Delete finished deliveries (and their attempts) older than the retention; every tenant."""
    older_than = older_than or timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    with operator_access() as alias:
        deleted, _ = (
            Delivery.objects.using(alias)
            .filter(created_at__lt=timezone.now() - older_than)
            .exclude(status=Delivery.Status.PENDING)
            .delete()
        )
    return deleted


def events_redact(*, older_than: timedelta | None = None) -> int:
    """Empty the payload of events past their retention (see the module docstring), in batches of
    ``BATCH``. Returns how many were redacted."""
    cutoff = timezone.now() - (older_than or event_retention())
    redacted = 0
    while True:
        with operator_access() as alias:
            pending = Delivery.objects.using(alias).filter(event=OuterRef("pk"), status=Delivery.Status.PENDING)
            due = Event.objects.using(alias).filter(occurred_at__lt=cutoff, redacted_at__isnull=True)
            due = due.exclude(Exists(pending))
            if sqs.enabled():
                due = due.filter(sqs_published_at__isnull=False)
            ids = list(
                due.order_by("occurred_at").select_for_update(skip_locked=True).values_list("id", flat=True)[:BATCH]
            )
            if ids:
                Event.objects.using(alias).filter(id__in=ids).update(data={}, redacted_at=timezone.now())
        redacted += len(ids)
        if len(ids) < BATCH:
            return redacted
