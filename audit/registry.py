"""What the audit trail records: the one list of audited models, their masked and ignored fields."""

from auditlog.registry import auditlog

# Fields never recorded: noise (written often, meaning nothing) and secrets.
NOISE = ["updated_at", "last_used_at", "name_search", "hashed_key"]
# Fields recorded as "changed" with a masked value: names, documents, phones, emails, free text.
PERSON_FIELDS = [
    "first_name",
    "second_name",
    "first_last_name",
    "second_last_name",
    "document_number",
    "birth_date",
    "phone",
    "cell_phone",
    "email",
    "custom_fields",
]


def register_audited_models() -> None:
    """Register patients, appointments, doctors, availability, blocked time, tenants and API keys."""
    from appointments.models import Appointment, AvailabilityRule, BlockedTime, ClosedDay, Doctor
    from patients.models import Patient
    from tenants.models import Tenant, TenantAPIKey

    auditlog.register(Patient, exclude_fields=NOISE, mask_fields=PERSON_FIELDS)
    auditlog.register(Doctor, exclude_fields=NOISE, mask_fields=PERSON_FIELDS)
    auditlog.register(
        Appointment, exclude_fields=NOISE, mask_fields=["comment", "notes", "cancellation_reason", "custom_fields"]
    )
    auditlog.register(AvailabilityRule, exclude_fields=NOISE)
    auditlog.register(BlockedTime, exclude_fields=NOISE, mask_fields=["reason"])
    auditlog.register(ClosedDay, exclude_fields=NOISE)
    auditlog.register(Tenant, exclude_fields=NOISE)
    auditlog.register(TenantAPIKey, exclude_fields=NOISE)
