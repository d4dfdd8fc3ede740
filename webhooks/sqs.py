"""Optional AWS transport (seed 000's SQS producer): events also go to an SQS queue.

On when ``EVENTS_SQS_QUEUE_URL`` is set. The worker publishes committed events that are not yet
published (the outbox column ``sqs_published_at``), in batches, at least once: a failed batch is
left for the next round. Each message body is the webhook payload; its attributes carry the
``webhook-id`` (the event id, for deduplication) and the event ``type``. Credentials come from the
usual AWS environment (boto3); ``AWS_ENDPOINT_URL`` points at a stand-in such as moto or LocalStack.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.utils import timezone

from tenants.bypass import operator_access
from webhooks.events import event_payload
from webhooks.models import Event

logger = logging.getLogger("secre.webhooks.sqs")
BATCH = 10  # SQS's SendMessageBatch limit


def enabled() -> bool:
    return bool(settings.EVENTS_SQS_QUEUE_URL)


def _client():
    import boto3

    return boto3.client("sqs", region_name=settings.AWS_REGION, endpoint_url=settings.AWS_ENDPOINT_URL or None)


def publish_pending(*, limit: int = 100) -> int:
    """Publish up to ``limit`` unpublished events of every tenant (cross-tenant: the operator
    bypass). Returns how many were published."""
    if not enabled():
        return 0
    published = 0
    with operator_access() as alias:
        events = list(
            Event.objects.using(alias)
            .select_for_update(skip_locked=True)
            .filter(sqs_published_at__isnull=True)
            .order_by("occurred_at")[:limit]
        )
        client = _client() if events else None
        for start in range(0, len(events), BATCH):
            batch = events[start : start + BATCH]
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": json.dumps(event_payload(event), separators=(",", ":"), ensure_ascii=False),
                    "MessageAttributes": {
                        "webhook-id": {"DataType": "String", "StringValue": str(event.id)},
                        "type": {"DataType": "String", "StringValue": event.type},
                    },
                }
                for index, event in enumerate(batch)
            ]
            try:
                result = client.send_message_batch(QueueUrl=settings.EVENTS_SQS_QUEUE_URL, Entries=entries)
            except Exception:
                logger.exception("sqs batch failed")
                break
            sent = [batch[int(entry["Id"])].id for entry in result.get("Successful", [])]
            Event.objects.using(alias).filter(id__in=sent).update(sqs_published_at=timezone.now())
            published += len(sent)
    return published
