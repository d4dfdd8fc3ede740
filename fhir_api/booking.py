"""FHIR Appointment writes in Secre's terms: what a create or a cancelling PUT asks the booking services for.

* Create (``POST Appointment``): ``status`` ``booked``; a ``slot`` reference (its doctor and times), or
  ``start``, ``end`` and a Practitioner participant; a Patient participant always; optionally
  ``appointmentType`` and ``serviceCategory`` (the clinic's codes: urn:secre:fhir:CodeSystem:appointment-type,
  ...:modality) and ``comment``. ``id``, ``meta`` and ``text`` are ignored (FHIR create); any other
  element is a 400 ``unknown_fields``. Then appointments.services.appointment_book decides, with its
  guarantees: a Slot taken meanwhile is a 409 ``slot_taken`` (``slot_held``, ``outside_availability``, ...).
* Cancel (``PUT Appointment/{id}``): the resource as read with ``status`` changed to ``cancelled`` and,
  optionally, a ``cancelationReason.text``; any other change is a 400 naming the element (no versioning:
  ``meta`` is ignored). The same status again changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from rest_framework.exceptions import ValidationError

from appointments import selectors
from appointments.catalogs import is_known_code
from appointments.times import parse_instant
from fhir_api import codes
from fhir_api.search import reference_ids
from fhir_api.slots import parse_slot_id
from patients.selectors import patient_get
from secre.problems import NotFound, UnknownFields
from tenants.models import Tenant

CREATE_ELEMENTS = {
    "resourceType",
    "id",
    "meta",
    "text",
    "status",
    "slot",
    "start",
    "end",
    "participant",
    "appointmentType",
    "serviceCategory",
    "comment",
}
IGNORED_ON_PUT = {"meta", "text"}
CHANGEABLE_ON_PUT = {"status", "cancelationReason"}
_INSTANTS = {"start", "end", "created"}


def _invalid(element: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({f"Appointment.{element}": [message]}, code=code)


def resource_body(body: Any, resource_type: str) -> dict[str, Any]:
    """``body`` as a JSON object of ``resource_type`` (400 otherwise)."""
    if not isinstance(body, dict):
        raise ValidationError({"resourceType": ["The body must be a FHIR resource (a JSON object)."]}, code="invalid")
    if body.get("resourceType") != resource_type:
        raise ValidationError({"resourceType": [f"Must be {resource_type}."]}, code="invalid")
    return body


def booking_request(body: Any, *, tenant: Tenant) -> dict[str, Any]:
    """The keyword arguments of appointments.services.appointment_book for a FHIR create ``body``:
    ``patient``, ``doctor``, ``start``, ``end`` and the optional ``appointment_type``, ``modality``,
    ``comment``. 400 (validation_error or unknown_fields) naming the element that is wrong."""
    body = resource_body(body, "Appointment")
    unknown = sorted(set(body) - CREATE_ELEMENTS)
    if unknown:
        raise UnknownFields(
            f"Unknown or unsupported element(s): {', '.join(unknown)}.",
            errors=[
                {"field": f"Appointment.{key}", "message": "Not accepted on create.", "code": "unknown_field"}
                for key in unknown
            ],
        )
    if body.get("status") != "booked":
        raise _invalid("status", "Must be booked (a new appointment takes its place at once).", "required")
    patient_ids, practitioner_ids = _participants(body.get("participant"))
    if len(patient_ids) != 1:
        raise _invalid("participant", "Exactly one participant must be a Patient reference.", "required")
    fields: dict[str, Any] = {"patient": _patient(patient_ids[0])}
    slots = body.get("slot")
    if slots is not None:
        key = _slot(slots)
        for element, value in (("start", key.start), ("end", key.end)):
            if element in body and _instant(body[element], tenant, element) != value:
                raise _invalid(element, "Must be the slot's (or left out).")
        if practitioner_ids and practitioner_ids != [key.doctor_id]:
            raise _invalid("participant", "The Practitioner must be the slot's (or left out).")
        fields["doctor"] = _doctor(key.doctor_id, element="slot")
        fields["start"], fields["end"] = key.start, key.end
    else:
        if len(practitioner_ids) != 1:
            raise _invalid("participant", "Exactly one participant must be a Practitioner reference.", "required")
        for element in ("start", "end"):
            if element not in body:
                raise _invalid(element, "Required without a slot.", "required")
        fields["doctor"] = _doctor(practitioner_ids[0], element="participant")
        fields["start"] = _instant(body["start"], tenant, "start")
        fields["end"] = _instant(body["end"], tenant, "end")
    if "appointmentType" in body:
        fields["appointment_type"] = _code(
            body["appointmentType"], "appointmentType", codes.APPOINTMENT_TYPE_SYSTEM, "appointment_type"
        )
    if "serviceCategory" in body:
        categories = body["serviceCategory"]
        if not isinstance(categories, list) or len(categories) != 1:
            raise _invalid("serviceCategory", "One CodeableConcept: the modality.")
        fields["modality"] = _code(categories[0], "serviceCategory", codes.MODALITY_SYSTEM, "modality")
    if "comment" in body:
        comment = body["comment"]
        if not isinstance(comment, str) or len(comment) > 2000:
            raise _invalid("comment", "Text of at most 2000 characters.")
        fields["comment"] = comment
    return fields


def _participants(participants: Any) -> tuple[list[UUID], list[UUID]]:
    if not isinstance(participants, list) or not participants:
        raise _invalid("participant", "A list with the Patient (and the Practitioner without a slot).", "required")
    patients: list[UUID] = []
    practitioners: list[UUID] = []
    for participant in participants:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        reference = actor.get("reference") if isinstance(actor, dict) else None
        if not isinstance(reference, str) or reference.count("/") < 1:
            raise _invalid("participant", "Each participant needs actor.reference (Patient/id or Practitioner/id).")
        kind = reference.rstrip("/").split("/")[-2]
        if kind not in ("Patient", "Practitioner"):
            raise _invalid("participant", "Only Patient and Practitioner participants are accepted.")
        ids = reference_ids([reference], resource_type=kind, name="Appointment.participant")
        if not ids:
            raise _invalid("participant", f"No {kind} with this id in this clinic.", "does_not_exist")
        (patients if kind == "Patient" else practitioners).append(ids[0])
    return patients, practitioners


def _patient(patient_id: UUID):
    try:
        return patient_get(patient_id=patient_id)
    except NotFound:
        raise _invalid("participant", "No Patient with this id in this clinic.", "does_not_exist") from None


def _doctor(doctor_id: UUID, *, element: str):
    try:
        return selectors.doctor_get(doctor_id=doctor_id)
    except NotFound:
        raise _invalid(element, "No Practitioner with this id in this clinic.", "does_not_exist") from None


def _slot(slots: Any):
    if not isinstance(slots, list) or len(slots) != 1 or not isinstance(slots[0], dict):
        raise _invalid("slot", "One Slot reference.")
    reference = slots[0].get("reference")
    if not isinstance(reference, str):
        raise _invalid("slot", "Must reference a Slot (Slot/<id>).")
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != "Slot":
        raise _invalid("slot", "Must reference a Slot (Slot/<id>).")
    key = parse_slot_id(parts[-1])
    if key is None:
        raise _invalid("slot", "Not a Slot id of this server (<doctorId>.<yyyymmddThhmm>.<minutes>).")
    return key


def _instant(value: Any, tenant: Tenant, element: str) -> datetime:
    return parse_instant(value, tenant.zone, field=f"Appointment.{element}")


def _code(concept: Any, element: str, system: str, catalog: str) -> str:
    coding = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(coding, list) or len(coding) != 1 or not isinstance(coding[0], dict):
        raise _invalid(element, f"One coding of {system}.")
    if coding[0].get("system", system) != system:
        raise _invalid(element, f"The coding's system must be {system}.")
    code = coding[0].get("code")
    if not isinstance(code, str) or not is_known_code(catalog, code):
        raise _invalid(element, "Not one of the clinic's codes (see /v1/lookups).", "does_not_exist")
    return code


def cancellation_request(body: Any, *, current: dict[str, Any], resource_id: str) -> tuple[bool, str | None]:
    """Whether a PUT ``body`` cancels the appointment ``current`` (its FHIR rendering), and the reason given.
    ``(False, None)``: the same status again (nothing changes). 400 naming the element for any other
    change."""
    body = resource_body(body, "Appointment")
    if body.get("id") != resource_id:
        raise _invalid("id", "Must be the id in the URL.")
    changed = sorted(
        key
        for key in (set(body) | set(current)) - IGNORED_ON_PUT - CHANGEABLE_ON_PUT
        if not _same(key, body.get(key), current.get(key))
    )
    if changed:
        raise ValidationError(
            {
                f"Appointment.{key}": ["Only status may change (to cancelled), with a cancelationReason."]
                for key in changed
            },
            code="invalid",
        )
    status = body.get("status")
    if status == current["status"]:
        if not _same("cancelationReason", body.get("cancelationReason"), current.get("cancelationReason")):
            raise _invalid("cancelationReason", "Only given when cancelling.")
        return False, None
    if status != "cancelled":
        raise _invalid("status", "Only a change to cancelled is supported (PUT cancels).")
    reason = body.get("cancelationReason")
    if reason is None:
        return True, None
    if not isinstance(reason, dict) or set(reason) != {"text"}:
        raise _invalid("cancelationReason", "A CodeableConcept with text only.")
    if not isinstance(reason["text"], str) or not 1 <= len(reason["text"]) <= 500:
        raise _invalid("cancelationReason", "text: 1 to 500 characters.")
    return True, reason["text"]


def _same(key: str, sent: Any, current: Any) -> bool:
    if key in _INSTANTS and isinstance(sent, str) and isinstance(current, str):
        try:
            return datetime.fromisoformat(sent) == datetime.fromisoformat(current)
        except ValueError:
            return False
    return sent == current
