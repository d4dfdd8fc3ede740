"""App config for appointments (scheduling)."""

from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from appointments.services import appointment_reminders_emit
        from secre import periodic

        # The worker emits due reminders on this schedule (secre/periodic.py).
        periodic.register(
            "appointmentReminders", appointment_reminders_emit, every_seconds=settings.REMINDER_SCAN_SECONDS
        )
