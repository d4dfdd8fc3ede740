"""What the audit trail records: each app registers its audited models here (in its
``AppConfig.ready()``), with the fields to mask; noise and secrets are never recorded."""

from auditlog.registry import auditlog

from tenants.models import Tenant, TenantAPIKey

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


def audit_register(model, *, mask_fields: list[str] = (), exclude_fields: list[str] = ()) -> None:
    """Record every create, update and delete of ``model`` (django-auditlog): ``mask_fields`` are
    recorded as changed with a masked value (personal data, free text), ``exclude_fields`` (and
    :data:`NOISE`) not at all.

    Only the row's own fields are recorded: relations pointing at it from other models (a hold's
    appointment, a reschedule's new appointment, a doctor's rules) belong to the other row, whose own
    entries record them. django-auditlog would otherwise read each reverse one-to-one with a query
    on every save (two per booking) and write a related manager's name for each reverse key."""
    reverse = [field.name for field in model._meta.get_fields() if field.auto_created and not field.concrete]
    auditlog.register(model, exclude_fields=[*NOISE, *reverse, *exclude_fields], mask_fields=list(mask_fields))


def register_tenancy_models() -> None:
    """Tenants and their API keys (the tenancy app is below this one: it cannot register itself)."""
    audit_register(Tenant)
    audit_register(TenantAPIKey)
