"""App config for appointments (scheduling)."""

from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Scheduling"
    default_auto_field = "django.db.models.BigAutoField"
