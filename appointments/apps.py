"""App config for appointments (scheduling)."""

from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from appointments.models import (
            Appointment,
            AppointmentType,
            AvailabilityRule,
            BlockedTime,
            ClosedDay,
            Doctor,
            SlotHold,
        )
        from appointments.services import appointment_reminders_emit, appointment_types_create_defaults, holds_purge
        from audit.registry import PERSON_FIELDS, audit_register
        from secre import periodic
        from tenants.signals import tenant_created

        audit_register(Doctor, mask_fields=PERSON_FIELDS)
        audit_register(Appointment, mask_fields=["comment", "notes", "cancellation_reason", "custom_fields"])
        audit_register(AvailabilityRule)
        audit_register(BlockedTime, mask_fields=["reason"])
        audit_register(ClosedDay)
        audit_register(AppointmentType)
        audit_register(SlotHold)

        def create_default_types(sender, tenant, **kwargs) -> None:
            """Every new clinic starts with the default appointment types, in its own transaction."""
            appointment_types_create_defaults(tenant=tenant)

        tenant_created.connect(create_default_types, weak=False, dispatch_uid="appointments.default_types")

        # The worker emits due reminders on this schedule (secre/periodic.py).
        periodic.register(
            "appointmentReminders", appointment_reminders_emit, every_seconds=settings.REMINDER_SCAN_SECONDS
        )
        periodic.register("slotHolds", holds_purge, every_seconds=settings.HOUSEKEEPING_SECONDS, purge=True)
