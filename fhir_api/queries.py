"""FHIR search parameters in Secre's terms: the filters of the patients and appointments selectors.

Each function takes ``search_values`` (fhir_api/search.py) and returns the selector's filters; what a
parameter means is documented in docs/fhir.md and in the CapabilityStatement (fhir_api/capability.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from phonenumber_field.phonenumber import to_python
from rest_framework.exceptions import ValidationError

from fhir_api import codes
from fhir_api.search import date_bounds, reference_ids, token
from secre.problems import NotFound

SLOT_STATUSES = ("free", "busy", "busy-tentative")
DEFAULT_SLOT_DAYS = 7
MAX_SLOT_DAYS = 31


def fhir_id(raw: str) -> UUID:
    """A resource id of this server (a UUID); NotFound (404) for any other id, which names nothing here."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound("No resource with this id.") from None


def _flat(values: dict[str, list[list[str]]], name: str) -> list[str]:
    return [item for occurrence in values.get(name, []) for item in occurrence]


def documents(values: list[str], document_types: dict[int, Any]) -> list[tuple[int, str | None]]:
    """``identifier`` tokens as ``[(documentTypeId, number or None)]``: ``urn:secre:fhir:sid:document:CC|123``
    is CC 123; a bare ``123`` is 123 of any type; a system that is not one of Secre's matches nothing."""
    by_code = {row.code: row.pk for row in document_types.values()}
    found: list[tuple[int, str | None]] = []
    for value in values:
        system, number = token(value)
        if system is None:
            found += [(type_id, number) for type_id in by_code.values()]
            continue
        code = codes.document_code(system)
        if code in by_code:
            found.append((by_code[code], number))
    return found


def patient_filters(values: dict[str, list[list[str]]], *, zone: ZoneInfo, catalogs: dict) -> dict[str, Any]:
    """Patient search: identifier (token, any of), name (starts-with), phone (E.164 or national), birthdate
    (date with prefixes)."""
    filters: dict[str, Any] = {}
    if "identifier" in values:
        filters["documents"] = documents(_flat(values, "identifier"), catalogs["documentTypes"])
    if "name" in values:
        filters["namePrefix"] = values["name"][0][0]
    if "phone" in values:
        filters["phone"] = phone(values["phone"][0][0])
    if "birthdate" in values:
        filters["birthDateFrom"], filters["birthDateBefore"] = date_bounds(
            values["birthdate"], name="birthdate", zone=zone, dates_only=True
        )
    return filters


def phone(raw: str) -> str:
    """A phone token as E.164: ``+573001234567``, ``3001234567`` (national, PHONE_DEFAULT_REGION) or
    ``573001234567`` (a ``+`` a query string turned into a space). 400 naming ``phone`` otherwise."""
    _, value = token(raw)
    for candidate in (value, f"+{value}"):
        number = to_python(candidate or "")
        if number is not None and number.is_valid():
            return number.as_e164
    raise ValidationError({"phone": ["Not a phone number (E.164 or national)."]}, code="invalid")


def practitioner_filters(values: dict[str, list[list[str]]], *, catalogs: dict) -> dict[str, Any]:
    """Practitioner search: identifier (token, any of), name (starts-with)."""
    filters: dict[str, Any] = {}
    if "identifier" in values:
        filters["documents"] = documents(_flat(values, "identifier"), catalogs["documentTypes"])
    if "name" in values:
        filters["namePrefix"] = values["name"][0][0]
    return filters


def role_filters(values: dict[str, list[list[str]]]) -> dict[str, Any]:
    """PractitionerRole search: specialty (the text, accent- and case-insensitive; ``system|`` ignored)."""
    if "specialty" not in values:
        return {}
    _, text = token(values["specialty"][0][0])
    return {"specialty": text or ""}


def schedule_filters(values: dict[str, list[list[str]]]) -> dict[str, Any]:
    """Schedule search: actor (Practitioner references, any of)."""
    if "actor" not in values:
        return {}
    return {"ids": reference_ids(_flat(values, "actor"), resource_type="Practitioner", name="actor")}


def appointment_filters(values: dict[str, list[list[str]]], *, zone: ZoneInfo) -> dict[str, Any]:
    """Appointment search: patient, practitioner (references, any of), date (the start, with prefixes),
    status (FHIR AppointmentStatus codes, any of)."""
    filters: dict[str, Any] = {}
    if "patient" in values:
        filters["patientIds"] = reference_ids(_flat(values, "patient"), resource_type="Patient", name="patient")
    if "practitioner" in values:
        filters["doctorIds"] = reference_ids(
            _flat(values, "practitioner"), resource_type="Practitioner", name="practitioner"
        )
    if "date" in values:
        filters["start"], filters["end"] = date_bounds(values["date"], name="date", zone=zone)
    if "status" in values:
        statuses = _flat(values, "status")
        unknown = [status for status in statuses if status not in codes.FHIR_APPOINTMENT_STATUSES]
        if unknown:
            raise ValidationError({"status": [f"Not an AppointmentStatus: {', '.join(unknown)}."]}, code="invalid")
        filters["states"] = [state for status in statuses for state in codes.secre_states(status)]
    return filters


def slot_query(values: dict[str, list[list[str]]], *, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """Slot search: ``schedule`` (references, any of; none: every active doctor), ``status`` (free, busy,
    busy-tentative, any of; none: all three), ``start`` (ge/gt/lt/le/eq; default from now for 7 days, at
    most 31 local days), ``service-type`` (one appointment type code). Returns ``doctor_ids``, ``statuses``,
    ``low``, ``high`` (instants), ``first_day``, ``days`` and ``appointment_type``."""
    query: dict[str, Any] = {"doctor_ids": None, "appointment_type": None}
    if "schedule" in values:
        query["doctor_ids"] = reference_ids(_flat(values, "schedule"), resource_type="Schedule", name="schedule")
    statuses = _flat(values, "status") or list(SLOT_STATUSES)
    unknown = [status for status in statuses if status not in SLOT_STATUSES]
    if unknown:
        raise ValidationError({"status": [f"Slot statuses here: {', '.join(SLOT_STATUSES)}."]}, code="invalid")
    query["statuses"] = set(statuses)
    low, high = date_bounds(values.get("start", []), name="start", zone=zone)
    low = max(low, now) if low is not None else now
    high = high if high is not None else low + timedelta(days=DEFAULT_SLOT_DAYS)
    first_day = low.astimezone(zone).date()
    last_day = (max(high, low) - timedelta(microseconds=1)).astimezone(zone).date()
    days = max((last_day - first_day).days + 1, 1)
    if days > MAX_SLOT_DAYS:
        raise ValidationError({"start": [f"At most {MAX_SLOT_DAYS} days at a time."]}, code="out_of_range")
    query.update(low=low, high=high, first_day=first_day, days=days)
    if "service-type" in values:
        service_types = _flat(values, "service-type")
        if len(service_types) != 1:
            raise ValidationError({"service-type": ["One appointment type at a time."]}, code="invalid")
        system, code = token(service_types[0])
        query["appointment_type"] = code if system in (None, codes.APPOINTMENT_TYPE_SYSTEM) else ""
    return query
