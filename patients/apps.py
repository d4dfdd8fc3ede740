"""App config for patients."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import PERSON_FIELDS, audit_register
        from patients.models import Patient

        audit_register(Patient, mask_fields=PERSON_FIELDS)
