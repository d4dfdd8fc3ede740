"""Reminders: ``appointment.reminder_due`` a tenant's ``reminder_lead_minutes`` before each active
appointment (the worker runs the scan every ``REMINDER_SCAN_SECONDS``; secre/periodic.py).

The scan selects in SQL only what falls due before the next scan: active appointments not yet
reminded for their start (the partial index ``appointments_reminder_due`` holds exactly those) whose
``start − lead`` is at most one scan interval away and whose start is still ahead. A reminder may
therefore go out up to one interval early, never an interval late. The cross-tenant search is the
only step through the operator bypass, in batches of ``BATCH``; each tenant's share is then emitted
in that tenant's context, in one transaction and a fixed number of statements whatever its size:
lock the rows, check them again, one UPDATE, their audit entries in one INSERT (as ``save()`` would
write them), their events and deliveries (webhooks' ``events_emit``). A batch that fails is rolled
back, logged by tenant id and tried again at the next scan.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.utils import timezone

from appointments import lifecycle
from appointments.models import Appointment
from appointments.services.booking import appointments_emit
from audit.models import AuditEvent
from tenants.bypass import operator_access
from tenants.context import tenant_context

logger = logging.getLogger("secre.reminders")
BATCH = 500

# Per tenant with reminders on, its due appointments through appointments_reminder_due: the state and
# reminded_for_start conditions repeat the index's predicate, so PostgreSQL can use it. Tenant by
# tenant, so a batch holds few tenants and each one's share is emitted in one go.
DUE_SQL = """
SELECT due.id, due.tenant_id, t.reminder_lead_minutes
FROM tenants_tenant t
CROSS JOIN LATERAL (
    SELECT a.id, a.tenant_id, a.start FROM appointments_appointment a
    WHERE a.tenant_id = t.id
      AND a.state IN ('scheduled', 'confirmed')
      AND NOT (a.reminded_for_start = a.start AND a.reminded_for_start IS NOT NULL)
      AND a.start > %(now)s
      AND a.start <= %(horizon)s + t.reminder_lead_minutes * interval '1 minute'
      AND a.id <> ALL(%(done)s::uuid[])
    ORDER BY a.start
    LIMIT %(batch)s
) due
WHERE t.reminder_lead_minutes IS NOT NULL
ORDER BY t.id, due.start, due.id
LIMIT %(batch)s
"""


def appointment_reminders_emit(*, now: datetime | None = None) -> int:
    """Emit ``appointment.reminder_due`` once per active appointment whose reminder (its start minus
    its tenant's ``reminder_lead_minutes``) falls due before the next scan (``REMINDER_SCAN_SECONDS``
    from ``now``) and whose start is still ahead, and set its notificationState to ``pending`` (n8n
    then sets ``sent`` or ``failed``). A rescheduled appointment gets a new reminder. Returns how many
    reminders were emitted. An appointment that fails is logged by id and tried at the next scan."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.REMINDER_SCAN_SECONDS)
    emitted = 0
    done: list[UUID] = []
    while True:
        with operator_access() as alias, connections[alias].cursor() as cursor:
            params = {"now": now, "horizon": horizon, "done": done, "batch": BATCH}
            cursor.execute(DUE_SQL, params)
            due = cursor.fetchall()
        by_tenant: dict[UUID, tuple[int, list[UUID]]] = defaultdict(lambda: (0, []))
        for appointment_id, tenant_id, lead in due:
            by_tenant[tenant_id] = (lead, [*by_tenant[tenant_id][1], appointment_id])
            done.append(appointment_id)
        for tenant_id, (lead, ids) in by_tenant.items():
            emitted += _emit_for_tenant(tenant_id, ids, lead=timedelta(minutes=lead), now=now, horizon=horizon)
        if len(due) < BATCH:
            return emitted


def _emit_for_tenant(tenant_id: UUID, ids: list[UUID], *, lead: timedelta, now: datetime, horizon: datetime) -> int:
    """Lock these appointments of one tenant, check each again and emit the reminders of those still
    due, all in one transaction. Returns how many were emitted (0 when the batch failed)."""
    fields = ["reminded_for_start", "notification_state", "updated_at"]
    try:
        with tenant_context(tenant_id):
            found = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("patient", "doctor")
                .filter(pk__in=ids)
                .order_by("start", "id")
            )
            due = [
                appointment
                for appointment in found
                if appointment.reminded_for_start != appointment.start  # not changed since the search
                and lifecycle.is_active(appointment.state)
                and now < appointment.start <= horizon + lead
            ]
            if not due:
                return 0
            before = [copy.copy(appointment) for appointment in due]
            changed_at = timezone.now()
            Appointment.objects.filter(pk__in=[appointment.pk for appointment in due]).update(
                reminded_for_start=F("start"),
                notification_state=Appointment.NotificationState.PENDING,
                updated_at=changed_at,
            )
            for appointment in due:
                appointment.reminded_for_start = appointment.start
                appointment.notification_state = Appointment.NotificationState.PENDING
                appointment.updated_at = changed_at
            AuditEvent.objects.log_updates(list(zip(before, due, strict=True)), fields=fields, using=DEFAULT_DB_ALIAS)
            appointments_emit(due, "appointment.reminder_due")
    except Exception:  # the batch is rolled back: none of it was emitted
        logger.exception("reminders failed", extra={"tenant_id": str(tenant_id), "appointments": len(ids)})
        return 0
    return len(due)
