"""App config for appointments (scheduling)."""

from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from appointments.models import Appointment, AvailabilityRule, BlockedTime, ClosedDay, Doctor
        from appointments.services import appointment_reminders_emit
        from audit.registry import PERSON_FIELDS, audit_register
        from secre import periodic

        audit_register(Doctor, mask_fields=PERSON_FIELDS)
        audit_register(Appointment, mask_fields=["comment", "notes", "cancellation_reason", "custom_fields"])
        audit_register(AvailabilityRule)
        audit_register(BlockedTime, mask_fields=["reason"])
        audit_register(ClosedDay)

        # The worker emits due reminders on this schedule (secre/periodic.py).
        periodic.register(
            "appointmentReminders", appointment_reminders_emit, every_seconds=settings.REMINDER_SCAN_SECONDS
        )
