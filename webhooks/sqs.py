"""Optional AWS transport (seed 000's SQS producer): events also go to an SQS queue.

On when ``EVENTS_SQS_QUEUE_URL`` is set. The worker publishes committed events that are not yet
published (the outbox column ``sqs_published_at``), at least once, and never holds a transaction or a
row lock across the network:

1. **Claim** (one short transaction, through the operator bypass): up to ten unpublished events whose
   publishing lease (``sqs_locked_until``) is free get a lease of ``WEBHOOK_LEASE_SECONDS``, and their
   messages are built. Commit.
2. **Publish** them in one ``SendMessageBatch``, outside any transaction. The call is bounded by
   ``WEBHOOK_TIMEOUT_SECONDS`` to connect and again to read, one try (the outbox is the retry), so
   it ends well inside the lease and no other publisher takes the events meanwhile.
3. **Mark** the ones SQS accepted as published (another short transaction).

A publisher that dies between 2 and 3, or a batch that failed, leaves the events leased; once the
lease passes they are published again, with the same ``webhook-id``. Each message body is the webhook
payload; its attributes carry the ``webhook-id`` (the event id, for deduplication) and the event
``type``. Credentials come from the usual AWS environment (boto3); ``AWS_ENDPOINT_URL`` points at a
stand-in such as moto or LocalStack.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.utils import timezone

from tenants.bypass import OPERATOR_DB, operator_access
from webhooks.events import event_payload
from webhooks.models import Event

logger = logging.getLogger("secre.webhooks.sqs")
BATCH = 10  # SQS's SendMessageBatch limit


def enabled() -> bool:
    return bool(settings.EVENTS_SQS_QUEUE_URL)


def _client():
    import boto3
    from botocore.config import Config

    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1})
    return boto3.client(
        "sqs", region_name=settings.AWS_REGION, endpoint_url=settings.AWS_ENDPOINT_URL or None, config=config
    )


def _claim(now: datetime, size: int) -> list[dict[str, Any]]:
    """Lease up to ``size`` unpublished events and build their SendMessageBatch entries (``Id``: the event id)."""
    with operator_access() as alias:
        events = list(
            Event.objects.using(alias)
            .select_for_update(skip_locked=True)
            .filter(sqs_published_at__isnull=True)
            .filter(Q(sqs_locked_until__isnull=True) | Q(sqs_locked_until__lt=now))
            .order_by("occurred_at")[:size]
        )
        Event.objects.using(alias).filter(id__in=[event.id for event in events]).update(
            sqs_locked_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
        )
        return [
            {
                "Id": str(event.id),
                "MessageBody": json.dumps(event_payload(event), separators=(",", ":"), ensure_ascii=False),
                "MessageAttributes": {
                    "webhook-id": {"DataType": "String", "StringValue": str(event.id)},
                    "type": {"DataType": "String", "StringValue": event.type},
                },
            }
            for event in events
        ]


def _mark_published(event_ids: list[UUID]) -> None:
    with operator_access() as alias:
        Event.objects.using(alias).filter(id__in=event_ids).update(
            sqs_published_at=timezone.now(), sqs_locked_until=None
        )


def publish_pending(*, limit: int = 100, now: datetime | None = None) -> int:
    """Publish up to ``limit`` unpublished events of every tenant (cross-tenant: the operator bypass),
    ten per batch (see the module docstring). ``now``: the clock the leases are read against.
    Returns how many were published. A batch SQS refuses or fails is logged and left leased, to be
    published again once the lease passes. Raises RuntimeError when called inside a transaction (it
    would hold it across the network)."""
    if not enabled():
        return 0
    if any(connections[alias].in_atomic_block for alias in (DEFAULT_DB_ALIAS, OPERATOR_DB)):
        raise RuntimeError("publish_pending must run outside any database transaction")
    published = 0
    client = None
    while published < limit:
        size = min(BATCH, limit - published)
        entries = _claim(now or timezone.now(), size)
        if not entries:
            break
        client = client or _client()
        try:
            result = client.send_message_batch(QueueUrl=settings.EVENTS_SQS_QUEUE_URL, Entries=entries)
        except Exception:
            logger.exception("sqs batch failed", extra={"events": len(entries)})
            break
        sent = [UUID(entry["Id"]) for entry in result.get("Successful", [])]
        if result.get("Failed"):
            logger.warning("sqs refused messages", extra={"events": len(result["Failed"])})
        _mark_published(sent)
        published += len(sent)
        if len(entries) < size or len(sent) < len(entries):
            break
    return published
