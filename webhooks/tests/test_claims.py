"""Claims and leases: the per-endpoint limit is kept by the claim itself, leases are renewed by their
holder only, and an attempt that lost its lease changes nothing but the history."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from django.db import connections, transaction
from django.utils import timezone
from uuid_utils.compat import uuid7

from tenants.context import tenant_context
from webhooks import delivery as delivery_module
from webhooks.delivery import CLAIM_SQL, deliveries_claim_due, deliveries_renew, delivery_attempt
from webhooks.models import Delivery, DeliveryAttempt
from webhooks.tests.conftest import register

PATIENT = {"firstName": "Inés", "firstLastName": "Cano", "documentTypeId": 1}


def _worker() -> UUID:
    return UUID(str(uuid7()))


def _deliveries(client, count: int, *endpoints: dict) -> dict[UUID, str]:
    for n in range(count):
        assert client.post("/v1/patients", {**PATIENT, "documentNumber": f"8100{n}"}, format="json").status_code == 201
    with tenant_context(client.tenant.id):
        found = Delivery.objects.filter(endpoint_id__in=[e["id"] for e in endpoints])
        return dict(found.values_list("id", "endpoint_id"))


def _mine(claimed, deliveries) -> list[UUID]:
    return [delivery_id for delivery_id, _ in claimed if delivery_id in deliveries]


def test_a_claim_takes_no_more_than_an_endpoints_limit_counting_every_workers_leases(clinic, receiver, settings):
    settings.WEBHOOK_ENDPOINT_CONCURRENCY = 2
    first, second = register(clinic, receiver.url("/a")), register(clinic, receiver.url("/b"))
    deliveries = _deliveries(clinic, 4, first, second)
    assert len(deliveries) == 8
    claimed = _mine(deliveries_claim_due(worker=_worker(), limit=100), deliveries)
    per_endpoint = sorted(str(deliveries[d]) for d in claimed)
    assert per_endpoint == sorted([str(first["id"])] * 2 + [str(second["id"])] * 2)
    # Another worker finds both endpoints full while those leases live...
    assert _mine(deliveries_claim_due(worker=_worker(), limit=100), deliveries) == []
    # ...and once they have run out (a killed worker), takes two per endpoint again.
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    again = _mine(deliveries_claim_due(worker=_worker(), limit=100, now=later), deliveries)
    assert len(again) == 4 and {deliveries[d] for d in again} == {deliveries[d] for d in claimed}


def test_a_claim_honours_its_batch_size(clinic, receiver, settings):
    settings.WEBHOOK_ENDPOINT_CONCURRENCY = 10
    _deliveries(clinic, 5, register(clinic, receiver.url()))
    settings.WEBHOOK_CLAIM_BATCH = 3
    assert len(deliveries_claim_due(worker=_worker())) == 3  # five of these are due (and maybe others)


def test_only_the_holder_renews_a_lease(clinic, receiver):
    deliveries = _deliveries(clinic, 1, register(clinic, receiver.url()))
    holder, other = _worker(), _worker()
    claimed = _mine(deliveries_claim_due(worker=holder, limit=100), deliveries)
    assert len(claimed) == 1
    with tenant_context(clinic.tenant.id):
        before = Delivery.objects.get(pk=claimed[0]).locked_until
    assert deliveries_renew(claimed, worker=other) == 0
    assert deliveries_renew(claimed, worker=holder, now=timezone.now() + timedelta(seconds=30)) == 1
    with tenant_context(clinic.tenant.id):
        renewed = Delivery.objects.get(pk=claimed[0])
    assert renewed.locked_by == holder and renewed.locked_until > before + timedelta(seconds=20)


def test_an_attempt_that_lost_its_lease_is_logged_and_leaves_the_delivery_to_its_new_holder(
    clinic, receiver, settings, monkeypatch
):
    deliveries = _deliveries(clinic, 1, register(clinic, receiver.url()))
    stalled, successor = _worker(), _worker()
    (delivery_id,) = _mine(deliveries_claim_due(worker=stalled, limit=100), deliveries)
    real_post = delivery_module.outbound_http.post
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)

    def post_while_the_lease_runs_out(*args, **kwargs):
        response = real_post(*args, **kwargs)
        assert _mine(deliveries_claim_due(worker=successor, limit=100, now=later), deliveries) == [delivery_id]
        return response

    monkeypatch.setattr(delivery_module.outbound_http, "post", post_while_the_lease_runs_out)
    delivery_attempt(delivery_id, clinic.tenant.id, worker=stalled)
    with tenant_context(clinic.tenant.id):
        delivery = Delivery.objects.get(pk=delivery_id)
        assert delivery.status == "pending" and delivery.attempts == 0 and delivery.locked_by == successor
        assert DeliveryAttempt.objects.filter(delivery_id=delivery_id, status_code=200).count() == 1
    monkeypatch.setattr(delivery_module.outbound_http, "post", real_post)
    delivery_attempt(delivery_id, clinic.tenant.id, worker=stalled)  # no longer its own: nothing sent
    assert len(receiver.received) == 1
    delivery_attempt(delivery_id, clinic.tenant.id, worker=successor)
    with tenant_context(clinic.tenant.id):
        delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "succeeded" and delivery.locked_by is None and len(receiver.received) == 2


def test_a_redelivery_keeps_a_live_lease(clinic, receiver):
    endpoint = register(clinic, receiver.url())
    deliveries = _deliveries(clinic, 1, endpoint)
    holder = _worker()
    (delivery_id,) = _mine(deliveries_claim_due(worker=holder, limit=100), deliveries)
    assert clinic.post(f"/v1/webhooks/deliveries/{delivery_id}/redeliver").status_code == 202
    assert _mine(deliveries_claim_due(worker=_worker(), limit=100), deliveries) == []
    with tenant_context(clinic.tenant.id):
        assert Delivery.objects.get(pk=delivery_id).locked_by == holder


@pytest.mark.parametrize(
    ("index", "other"),
    [
        ("webhooks_delivery_pending", "webhooks_delivery_leased"),
        ("webhooks_delivery_leased", "webhooks_delivery_pending"),
    ],
)
def test_the_claim_can_read_both_partial_indexes(committed_db, index, other):
    """Each partial index can serve the claim. The planner's pick between them follows the statistics of
    the moment, so each is asked for with the other out of the way: dropped, with RLS relaxed for the
    owner so it plans as the API would, in a transaction that is rolled back."""
    now = timezone.now()
    params = {"now": now, "until": now, "worker": _worker(), "limit": 20, "per_endpoint": 2}
    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        for table in ("webhooks_delivery", "webhooks_webhookendpoint"):
            cursor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        cursor.execute(f"DROP INDEX {other}")
        cursor.execute("SET LOCAL enable_seqscan = off")  # small tables: ask whether the index can serve it
        cursor.execute("EXPLAIN " + CLAIM_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True, using="owner")
    assert index in plan, plan
