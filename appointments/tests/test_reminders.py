"""The reminder scan: in SQL, through its index, only what falls due before the next scan, in
batches, each tenant by its own lead; it counts what it emitted. Scans run at fixed instants years
ahead, so rows other tests committed never fall in their window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connections

from appointments.models import Appointment
from appointments.services import reminders
from appointments.services.reminders import DUE_SQL, appointment_reminders_emit
from appointments.tests.factories import AppointmentFactory
from audit.models import AuditEvent
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.services import tenant_update
from tenants.tests.factories import TenantFactory
from webhooks.models import Event


def _tenant(lead_minutes: int | None):
    tenant = TenantFactory()
    if lead_minutes is not None:
        tenant_update(tenant_id=tenant.id, data={"reminder_lead_minutes": lead_minutes})
    return tenant


def _reminded(tenant) -> list:
    with tenant_context(tenant.id):
        return sorted(
            Event.objects.filter(type="appointment.reminder_due").values_list("object_id", flat=True), key=str
        )


def test_only_what_falls_due_before_the_next_scan_is_emitted_and_counted(committed_db, settings):
    settings.REMINDER_SCAN_SECONDS = 60
    now = datetime(2041, 3, 4, 15, 0, tzinfo=UTC)
    tenant, silent = _tenant(60), _tenant(None)
    due = [
        AppointmentFactory(tenant=tenant, start=now + timedelta(minutes=30)),  # inside the lead
        AppointmentFactory(tenant=tenant, start=now + timedelta(minutes=60, seconds=50)),  # due before the next scan
        AppointmentFactory(
            tenant=tenant, start=now + timedelta(minutes=50), state="confirmed", notification_state="sent"
        ),
    ]
    AppointmentFactory(tenant=tenant, start=now + timedelta(minutes=62))  # due after the next scan
    AppointmentFactory(tenant=tenant, start=now - timedelta(minutes=5))  # already started
    AppointmentFactory(tenant=tenant, start=now + timedelta(minutes=20), state="cancelled")
    reminded = AppointmentFactory(tenant=tenant, start=now + timedelta(minutes=10))
    with tenant_context(tenant.id):
        Appointment.objects.filter(pk=reminded.pk).update(reminded_for_start=reminded.start)
    AppointmentFactory(tenant=silent, start=now + timedelta(minutes=5))  # its clinic has no reminders

    assert appointment_reminders_emit(now=now) == 3
    assert _reminded(tenant) == sorted((a.id for a in due), key=str) and _reminded(silent) == []
    with tenant_context(tenant.id):
        assert set(
            Appointment.objects.filter(pk__in=[a.pk for a in due]).values_list("notification_state", flat=True)
        ) == {"pending"}
    assert appointment_reminders_emit(now=now) == 0  # once per start time
    assert appointment_reminders_emit(now=now + timedelta(minutes=2)) == 1  # the next one came due


def test_each_clinic_by_its_own_lead(committed_db):
    now = datetime(2042, 5, 6, 13, 0, tzinfo=UTC)
    day, hour = _tenant(24 * 60), _tenant(60)
    early = AppointmentFactory(tenant=day, start=now + timedelta(hours=20))
    AppointmentFactory(tenant=hour, start=now + timedelta(hours=20))
    soon = AppointmentFactory(tenant=hour, start=now + timedelta(minutes=45))
    assert appointment_reminders_emit(now=now) == 2
    assert _reminded(day) == [early.id] and _reminded(hour) == [soon.id]


def test_the_scan_goes_in_batches_and_misses_nothing(committed_db, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH", 3)
    now = datetime(2043, 7, 8, 14, 0, tzinfo=UTC)
    tenants = [_tenant(120), _tenant(120)]
    made = [AppointmentFactory(tenant=tenants[n % 2], start=now + timedelta(minutes=5 + n)) for n in range(8)]
    assert appointment_reminders_emit(now=now) == 8
    assert sorted(_reminded(tenants[0]) + _reminded(tenants[1]), key=str) == sorted((a.id for a in made), key=str)


def test_the_search_uses_the_reminder_index(committed_db):
    now = datetime(2044, 1, 1, tzinfo=UTC)
    params = {"now": now, "horizon": now + timedelta(minutes=1), "done": [], "batch": 500}
    with operator_access() as alias, connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # small tables: ask whether the index can serve it
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # Tiny tables' statistics (other tests' committed rows) can make "the tenant's rows, sorted" look
        # as cheap as the index's order: without a sort to fall back on, the plan shows whether it serves.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + DUE_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "appointments_reminder_due" in plan, plan


def test_a_reminder_is_audited_as_a_save_would_audit_it(committed_db):
    now = datetime(2045, 2, 3, 14, 0, tzinfo=UTC)
    tenant = _tenant(60)
    start = now + timedelta(minutes=30)
    by_scan = AppointmentFactory(tenant=tenant, start=start, notification_state="sent")
    by_save = AppointmentFactory(tenant=tenant, start=start - timedelta(days=400), notification_state="sent")
    with tenant_context(tenant.id):  # the same change, made by save(): django-auditlog's own entry
        saved = Appointment.objects.get(pk=by_save.pk)
        saved.reminded_for_start, saved.notification_state = start, "pending"
        saved.save(update_fields=["reminded_for_start", "notification_state", "updated_at"])
    assert appointment_reminders_emit(now=now) == 1
    fields = ["action", "changes", "content_type_id", "object_id", "serialized_data", "origin", "tenant_id"]
    with tenant_context(tenant.id):
        scanned = AuditEvent.objects.filter(object_pk=str(by_scan.pk), action=AuditEvent.Action.UPDATE).values(*fields)
        expected = AuditEvent.objects.filter(object_pk=str(by_save.pk), action=AuditEvent.Action.UPDATE).values(*fields)
        assert list(scanned) == list(expected)
        assert AuditEvent.objects.get(object_pk=str(by_scan.pk), action=AuditEvent.Action.UPDATE).object_repr == str(
            by_scan
        )
