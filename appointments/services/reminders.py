"""Reminders: ``appointment.reminder_due`` a tenant's ``reminder_lead_minutes`` before each active
appointment (the worker runs the scan; secre/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from appointments import lifecycle
from appointments.models import Appointment
from appointments.services.booking import appointment_emit
from tenants.bypass import operator_access
from tenants.context import tenant_context


def appointment_reminders_emit() -> int:
    """Emit ``appointment.reminder_due`` once per active appointment whose start is within its
    tenant's ``reminder_lead_minutes``, and set its notificationState to ``pending`` (n8n then sets
    ``sent`` or ``failed``). A rescheduled appointment gets a new reminder. Finding them crosses
    tenants (the operator bypass); each is then handled in its own tenant's context.
    Returns how many reminders were emitted."""
    now = timezone.now()
    with operator_access() as alias:
        due = [
            (appointment_id, tenant_id)
            for appointment_id, tenant_id, start, lead in Appointment.objects.using(alias)
            .filter(state__in=Appointment.ACTIVE_STATES, start__gt=now, tenant__reminder_lead_minutes__isnull=False)
            .exclude(reminded_for_start=F("start"))
            .values_list("id", "tenant_id", "start", "tenant__reminder_lead_minutes")
            if start <= now + timedelta(minutes=lead)
        ]
    emitted = 0
    for appointment_id, tenant_id in due:
        with tenant_context(tenant_id):
            appointment = (
                Appointment.objects.select_for_update().select_related("patient", "doctor").get(pk=appointment_id)
            )
            if appointment.reminded_for_start == appointment.start or not lifecycle.is_active(appointment.state):
                continue
            appointment.reminded_for_start = appointment.start
            appointment.notification_state = Appointment.NotificationState.PENDING
            appointment.save(update_fields=["reminded_for_start", "notification_state", "updated_at"])
            appointment_emit(appointment, "appointment.reminder_due")
            emitted += 1
    return emitted
