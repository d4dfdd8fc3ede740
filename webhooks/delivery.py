"""Delivering events: the worker's claim loop, one signed POST per attempt, retries with backoff.

* Each request: POST JSON with ``webhook-id`` (the event id: the same on every retry, so receivers
  can deduplicate), ``webhook-timestamp`` and ``webhook-signature`` (the ``standardwebhooks``
  package; during a secret rotation both secrets sign), a 15 s timeout, no redirects, no internal
  addresses (secre/outbound_http.py).
* Network errors, 408, 429 and 5xx are retried with exponential backoff and jitter for about three
  days (``MAX_ATTEMPTS``); a 410 disables the endpoint; other 4xx are not retried. After
  ``WEBHOOK_DISABLE_AFTER_FAILURES`` consecutive failures the endpoint is disabled (logged, and
  visible in the console and the API).
* At least once: deliveries are claimed with a lease (``locked_until``), so a worker killed in the
  middle of a delivery leaves it to be taken again once the lease passes — with the same webhook-id.
* Jobs carry ids only; each delivery is made in its tenant's context. Only the claim crosses
  tenants, through the operator bypass.
"""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook
from urllib3.exceptions import HTTPError

from secre import outbound_http
from secre.periodic import Scheduler
from tenants.bypass import operator_access
from tenants.context import tenant_context
from webhooks import secrets
from webhooks.events import event_payload
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.sqs import publish_pending

logger = logging.getLogger("secre.webhooks")

MAX_ATTEMPTS = 20
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 60 * 60
RETRIED_STATUSES = {408, 429}


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: 30 s doubling up to 6 h, with ±50 % jitter. Twenty
    attempts span about three days."""
    base = min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    return timedelta(seconds=base * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not security)


def deliveries_claim_due(*, limit: int = 20, now: datetime | None = None) -> list[tuple[UUID, UUID]]:
    """Take up to ``limit`` due deliveries of any tenant for this worker (lease ``WEBHOOK_LEASE_SECONDS``).
    Returns ``(delivery id, tenant id)`` pairs."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with operator_access() as alias:
        due = list(
            Delivery.objects.using(alias)
            .select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("next_attempt_at")
            .values_list("id", "tenant_id")[:limit]
        )
        Delivery.objects.using(alias).filter(id__in=[row[0] for row in due]).update(locked_until=now + lease)
    return due


def delivery_attempt(delivery_id: UUID, tenant_id: UUID) -> Delivery | None:
    """Make one attempt of a delivery, in its tenant's context, and record it."""
    with tenant_context(tenant_id):
        delivery = Delivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return delivery
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            return _finish(delivery, status=Delivery.Status.FAILED, error="endpoint disabled")
    body = json.dumps(event_payload(delivery.event), separators=(",", ":"), ensure_ascii=False)
    headers = _signed_headers(endpoint, msg_id=str(delivery.event_id), body=body)
    started = timezone.now()
    status_code, error, duration_ms = None, "", 0
    try:
        response = outbound_http.post(endpoint.url, body=body.encode(), headers=headers)
        status_code, duration_ms = response.status, response.duration_ms
    except outbound_http.ForbiddenAddressError as exc:
        error = f"forbidden address: {exc}"
    except HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # noqa: BLE001 (any failure is a failed attempt, recorded and retried)
        logger.exception("webhook attempt failed unexpectedly", extra={"delivery_id": str(delivery_id)})
        error = f"{type(exc).__name__}"
    duration_ms = duration_ms or int((timezone.now() - started).total_seconds() * 1000)
    with tenant_context(tenant_id), transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
        return _record(delivery, attempted_at=started, status_code=status_code, error=error, duration_ms=duration_ms)


def _signed_headers(endpoint: WebhookEndpoint, *, msg_id: str, body: str) -> dict[str, str]:
    now = timezone.now()
    signing = [secrets.decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        signing.append(secrets.decrypt(endpoint.previous_secret_encrypted))
    signatures = " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=body) for secret in signing)
    return {
        "content-type": "application/json",
        "user-agent": "Secre-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }


def _record(delivery: Delivery, *, attempted_at, status_code: int | None, error: str, duration_ms: int) -> Delivery:
    endpoint = delivery.endpoint
    delivery.attempts += 1
    succeeded = status_code is not None and 200 <= status_code < 300
    retryable = not error.startswith("forbidden") and (
        status_code is None or status_code in RETRIED_STATUSES or status_code >= 500
    )
    next_attempt = None
    if succeeded:
        delivery.status = Delivery.Status.SUCCEEDED
        endpoint.consecutive_failures = 0
    else:
        endpoint.consecutive_failures += 1
        if status_code == 410:
            _disable(endpoint, "the receiver answered 410 Gone")
        if retryable and delivery.attempts < MAX_ATTEMPTS and endpoint.enabled:
            next_attempt = attempted_at + retry_delay(delivery.attempts)
        else:
            delivery.status = Delivery.Status.FAILED
        if endpoint.enabled and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
            _disable(endpoint, f"{endpoint.consecutive_failures} consecutive failed deliveries")
    delivery.next_attempt_at = next_attempt
    delivery.locked_until = None
    delivery.last_status_code = status_code
    delivery.last_error = error
    DeliveryAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        attempted_at=attempted_at,
        status_code=status_code,
        duration_ms=duration_ms,
        error=error,
        next_attempt_at=next_attempt,
    )
    delivery.save()
    endpoint.save(update_fields=["consecutive_failures", "enabled", "disabled_reason", "updated_at"])
    logger.info(
        "webhook attempt",
        extra={
            "delivery_id": str(delivery.id),
            "endpoint_id": str(endpoint.id),
            "tenant_id": str(delivery.tenant_id),
            "status": status_code,
            "outcome": delivery.status,
            "duration_ms": duration_ms,
        },
    )
    return delivery


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:200]
    logger.warning(
        "webhook endpoint disabled",
        extra={"endpoint_id": str(endpoint.id), "tenant_id": str(endpoint.tenant_id), "reason": reason},
    )


def _finish(delivery: Delivery, *, status: str, error: str) -> Delivery:
    delivery.status = status
    delivery.last_error = error
    delivery.locked_until = None
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "last_error", "locked_until", "next_attempt_at", "updated_at"])
    return delivery


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again now (a new attempt with the same webhook-id). In the tenant's context."""
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.locked_until = None
    delivery.save(update_fields=["status", "next_attempt_at", "locked_until", "updated_at"])
    return delivery


def run_worker(*, stop=lambda: False, poll_seconds: float = 1.0) -> None:
    """The worker loop: the periodic tasks the apps registered (secre/periodic.py: reminders,
    housekeeping) when due, SQS publishing, then the deliveries that are due."""
    scheduler = Scheduler()
    while not stop():
        scheduler.run_due()
        try:
            publish_pending()
        except Exception:
            logger.exception("sqs publishing failed")
        due = deliveries_claim_due()
        for delivery_id, tenant_id in due:
            try:
                delivery_attempt(delivery_id, tenant_id)
            except Exception:
                logger.exception("delivery failed", extra={"delivery_id": str(delivery_id)})
        if not due:
            time.sleep(poll_seconds)
