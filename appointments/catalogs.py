"""String catalogs of appointments: built-in defaults every tenant has, plus the tenant's own codes.

Defaults (seed 001/000 values): modalities ``presencial``, ``virtual``, ``domiciliaria``;
appointment types ``primera_vez``, ``control``. A tenant extends them through
``POST /v1/lookups/modalities`` and ``/v1/lookups/appointment-types``.
"""

from appointments.models import AppointmentType, Modality

DEFAULT_MODALITIES = {
    "presencial": "Presencial",
    "virtual": "Virtual (telemedicina)",
    "domiciliaria": "Domiciliaria",
}
DEFAULT_APPOINTMENT_TYPES = {
    "primera_vez": "Primera vez",
    "control": "Control",
}

CATALOGS = {
    "modality": (Modality, DEFAULT_MODALITIES),
    "appointment_type": (AppointmentType, DEFAULT_APPOINTMENT_TYPES),
}


def catalog_entries(kind: str) -> list[dict[str, object]]:
    """Defaults then the tenant's own entries: ``[{"code", "name", "isDefault"}]`` (current tenant)."""
    model, defaults = CATALOGS[kind]
    entries = [{"code": code, "name": name, "isDefault": True} for code, name in defaults.items()]
    entries += [
        {"code": code, "name": name, "isDefault": False}
        for code, name in model.objects.order_by("code").values_list("code", "name")
    ]
    return entries


def is_known_code(kind: str, code: str) -> bool:
    model, defaults = CATALOGS[kind]
    return code in defaults or model.objects.filter(code=code).exists()
