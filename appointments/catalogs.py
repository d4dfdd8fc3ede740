"""String catalogs of appointments: modalities and appointment types.

Modalities (seed 001/000 values ``presencial``, ``virtual``, ``domiciliaria``) are built-in defaults
every tenant has, plus the tenant's own codes (rows). Appointment types are all rows of the tenant
(issue 18): every clinic gets the defaults ``primera_vez`` and ``control`` (``is_default``) when it is
created (:func:`appointment_types_create_defaults`, on ``tenants.signals.tenant_created``), and may add
its own, each with an optional duration and buffers. Both are extended through
``POST /v1/lookups/modalities`` and ``/v1/lookups/appointment-types``.
"""

from __future__ import annotations

import re

from appointments.models import AppointmentType, Modality

_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")

DEFAULT_MODALITIES = {
    "presencial": "Presencial",
    "virtual": "Virtual (telemedicina)",
    "domiciliaria": "Domiciliaria",
}
DEFAULT_APPOINTMENT_TYPES = {
    "primera_vez": "Primera vez",
    "control": "Control",
}

# kind -> (the tenant's rows, built-in codes that are not rows)
CATALOGS = {
    "modality": (Modality, DEFAULT_MODALITIES),
    "appointment_type": (AppointmentType, {}),
}


def catalog_entries(kind: str) -> list[dict[str, object]]:
    """Defaults then the tenant's own entries (current tenant). Modalities: ``[{"code", "name",
    "isDefault"}]``; appointment types also carry ``durationMinutes``, ``bufferBeforeMinutes`` and
    ``bufferAfterMinutes``."""
    model, built_in = CATALOGS[kind]
    if model is AppointmentType:
        order = list(DEFAULT_APPOINTMENT_TYPES)
        entries = sorted(
            AppointmentType.objects.all(),
            key=lambda e: (not e.is_default, order.index(e.code) if e.code in order else 0, e.code),
        )
        return [_type_entry(entry) for entry in entries]
    entries = [{"code": code, "name": name, "isDefault": True} for code, name in built_in.items()]
    entries += [
        {"code": code, "name": name, "isDefault": False}
        for code, name in model.objects.order_by("code").values_list("code", "name")
    ]
    return entries


def _type_entry(entry: AppointmentType) -> dict[str, object]:
    return {
        "code": entry.code,
        "name": entry.name,
        "isDefault": entry.is_default,
        "durationMinutes": entry.duration_minutes,
        "bufferBeforeMinutes": entry.buffer_before_minutes,
        "bufferAfterMinutes": entry.buffer_after_minutes,
    }


def appointment_type_entry(entry: AppointmentType) -> dict[str, object]:
    """The wire shape of one appointment type (as listed)."""
    return _type_entry(entry)


def could_be_code(code: object) -> bool:
    """Whether ``code`` could be a catalog code (a slug of at most 40): anything else names nothing."""
    return isinstance(code, str) and bool(_CODE.match(code))


def is_known_code(kind: str, code: str) -> bool:
    """Whether ``code`` is in the tenant's ``kind`` catalog (current tenant)."""
    model, built_in = CATALOGS[kind]
    return could_be_code(code) and (code in built_in or model.objects.filter(code=code).exists())


def appointment_type_find(code: str | None) -> AppointmentType | None:
    """The tenant's appointment type with this code (None for None or an unknown code)."""
    if not could_be_code(code):
        return None
    return AppointmentType.objects.filter(code=code).first()
