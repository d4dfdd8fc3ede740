"""Delivering events: claiming due deliveries, one signed POST per attempt, retries with backoff.

* Each request: POST JSON with ``webhook-id`` (the event id: the same on every retry, so receivers
  can deduplicate), ``webhook-timestamp`` and ``webhook-signature`` (the ``standardwebhooks``
  package; during a secret rotation both secrets sign), a deadline of ``WEBHOOK_TIMEOUT_SECONDS``
  for the whole answer, no redirects, no internal addresses, at most 64 KiB of the response read
  (secre/outbound_http.py).
* Network errors, 408, 429 and 5xx are retried with exponential backoff and jitter for about three
  days (``MAX_ATTEMPTS``); a 410 disables the endpoint; other 4xx are not retried. After
  ``WEBHOOK_DISABLE_AFTER_FAILURES`` consecutive failures the endpoint is disabled (logged, and
  visible in the console and the API).
* At least once, and once per attempt: a claimed delivery carries a lease (``locked_until``, held by
  ``locked_by``, a worker's id) that the worker renews while the attempt runs
  (:func:`deliveries_renew`), so no other worker sends it while the first is alive; a worker killed
  in the middle of a delivery leaves it to be taken again once the lease passes — with the same
  webhook-id.
* At most ``WEBHOOK_ENDPOINT_CONCURRENCY`` deliveries of one endpoint are in flight at once, across
  every worker process: the claim counts the live leases per endpoint, and claims are serialised
  by a transaction-level advisory lock, so two workers cannot both take an endpoint's last place.
  One clinic's stalled receiver therefore holds only its own places, never every sending thread.
* Jobs carry ids only; each delivery is made in its tenant's context. Only the claim and the lease
  renewal cross tenants, through the operator bypass.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook
from urllib3.exceptions import HTTPError
from uuid_utils.compat import uuid7

from secre import outbound_http
from tenants.bypass import operator_access
from tenants.context import tenant_context
from webhooks import secrets
from webhooks.events import event_payload
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint

logger = logging.getLogger("secre.webhooks")

MAX_ATTEMPTS = 20
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 60 * 60
RETRIED_STATUSES = {408, 429}
# This process's worker id when the caller names none (tests, manage.py commands).
PROCESS_WORKER = UUID(str(uuid7()))
CLAIM_LOCK = 0x5EC2E_C1A1  # pg_advisory_xact_lock key serialising claims across worker processes

# Per endpoint: its places left (the limit minus its live leases), then its due deliveries in order,
# through the partial indexes webhooks_delivery_leased and webhooks_delivery_pending. The UPDATE
# checks each row again under its row lock (a redelivery or a finished attempt meanwhile).
CLAIM_SQL = """
WITH busy AS (
    SELECT endpoint_id, count(*) AS n FROM webhooks_delivery
    WHERE status = 'pending' AND locked_until IS NOT NULL AND locked_until >= %(now)s
    GROUP BY endpoint_id
), candidates AS (
    SELECT due.id, due.next_attempt_at
    FROM webhooks_webhookendpoint e
    LEFT JOIN busy ON busy.endpoint_id = e.id
    CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM webhooks_delivery d
        WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= %(now)s
          AND (d.locked_until IS NULL OR d.locked_until < %(now)s)
        ORDER BY d.next_attempt_at
        LIMIT greatest(%(per_endpoint)s - coalesce(busy.n, 0), 0)
    ) due
    ORDER BY due.next_attempt_at
    LIMIT %(limit)s
)
UPDATE webhooks_delivery d SET locked_until = %(until)s, locked_by = %(worker)s
FROM candidates c
WHERE d.id = c.id AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < %(now)s)
RETURNING d.id, d.tenant_id, c.next_attempt_at
"""


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: 30 s doubling up to 6 h, with ±50 % jitter. Twenty
    attempts span about three days."""
    base = min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    return timedelta(seconds=base * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not security)


def _lease() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)


def deliveries_claim_due(
    *, worker: UUID = PROCESS_WORKER, limit: int | None = None, now: datetime | None = None
) -> list[tuple[UUID, UUID]]:
    """Lease up to ``limit`` (default ``WEBHOOK_CLAIM_BATCH``) due deliveries of any tenant to
    ``worker`` for ``WEBHOOK_LEASE_SECONDS``, never more than ``WEBHOOK_ENDPOINT_CONCURRENCY`` in
    flight per endpoint (counting every worker's live leases). Returns ``(delivery id, tenant id)``
    pairs, the longest-due first. Cross-tenant: the operator bypass."""
    now = now or timezone.now()
    limit = settings.WEBHOOK_CLAIM_BATCH if limit is None else limit
    if limit <= 0:
        return []
    params = {
        "now": now,
        "until": now + _lease(),
        "worker": worker,
        "limit": limit,
        "per_endpoint": settings.WEBHOOK_ENDPOINT_CONCURRENCY,
    }
    with operator_access() as alias, connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])  # its own statement: a fresh snapshot
        cursor.execute(CLAIM_SQL, params)
        rows = sorted(cursor.fetchall(), key=lambda row: row[2])
    return [(delivery_id, tenant_id) for delivery_id, tenant_id, _ in rows]


def deliveries_renew(delivery_ids: list[UUID], *, worker: UUID, now: datetime | None = None) -> int:
    """Extend ``worker``'s leases on these deliveries to ``WEBHOOK_LEASE_SECONDS`` from now (the
    worker's heartbeat, while their attempts run). Returns how many leases it still held."""
    if not delivery_ids:
        return 0
    now = now or timezone.now()
    with operator_access() as alias:
        return (
            Delivery.objects.using(alias)
            .filter(id__in=delivery_ids, locked_by=worker, status=Delivery.Status.PENDING)
            .update(locked_until=now + _lease())
        )


def delivery_attempt(delivery_id: UUID, tenant_id: UUID, *, worker: UUID = PROCESS_WORKER) -> Delivery | None:
    """Make one attempt of a delivery ``worker`` has claimed, in its tenant's context, and record it.
    Returns the delivery as recorded; nothing is sent when the delivery is no longer pending or
    ``worker`` no longer holds its lease. Network failures are recorded, not raised."""
    with tenant_context(tenant_id):
        delivery = Delivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != Delivery.Status.PENDING or delivery.locked_by != worker:
            return delivery
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            return _finish(delivery, status=Delivery.Status.FAILED, error="endpoint disabled")
    body = json.dumps(event_payload(delivery.event), separators=(",", ":"), ensure_ascii=False)
    headers = _signed_headers(endpoint, msg_id=str(delivery.event_id), body=body)
    started = timezone.now()
    status_code, error, duration_ms = None, "", 0
    try:
        response = outbound_http.post(
            endpoint.url, body=body.encode(), headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
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
        outcome = {"attempted_at": started, "status_code": status_code, "error": error, "duration_ms": duration_ms}
        if delivery.status != Delivery.Status.PENDING or delivery.locked_by != worker:
            return _record_late(delivery, **outcome)
        return _record(delivery, **outcome)


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
    delivery.locked_until = delivery.locked_by = None
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


def _record_late(delivery: Delivery, *, attempted_at, status_code: int | None, error: str, duration_ms: int):
    """The attempt of a worker that lost its lease (it was stalled longer than the lease, and another
    worker took the delivery): logged in the delivery's history, the delivery left to its holder."""
    DeliveryAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        attempted_at=attempted_at,
        status_code=status_code,
        duration_ms=duration_ms,
        error=error,
        next_attempt_at=None,
    )
    logger.warning(
        "webhook attempt after its lease was lost",
        extra={"delivery_id": str(delivery.id), "tenant_id": str(delivery.tenant_id), "status": status_code},
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
    delivery.locked_until = delivery.locked_by = None
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "last_error", "locked_until", "locked_by", "next_attempt_at", "updated_at"])
    return delivery


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again now (a new attempt with the same webhook-id). In the tenant's context.
    A lease still held is kept: an attempt in flight is never sent a second time alongside it."""
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    return delivery
