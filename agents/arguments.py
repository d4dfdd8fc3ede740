"""The arguments of each MCP tool: DRF serializers (the REST API's own fields where they exist), whose help
texts are what a language model reads in the tool's ``inputSchema`` (agents/input_schemas.py).

Shapes only: which arguments, their types and ranges. The rules (availability, holds, lifecycle) are the
services' (appointments/services/, patients/services.py)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from appointments.catalogs import is_known_code
from appointments.serializers import InstantField
from patients.serializers import PatientSerializer
from secre.dialects import normalize_body
from secre.fields import StrictIntegerField
from tenants.models import MAX_HOLD_TTL_SECONDS, MIN_HOLD_TTL_SECONDS

TIME_HELP = (
    "RFC 3339 time: a slot's startUtc ('2026-12-03T14:00:00Z') or startLocal ('2026-12-03T09:00:00-05:00'); "
    "a time without offset ('2026-12-03T09:00:00') is the clinic's local time."
)
APPOINTMENT_TYPE_HELP = (
    "Optional appointment type code, e.g. 'primera_vez' (first visit) or 'control' (follow-up); it sets the "
    "duration. Omit when the patient did not say."
)
DOCUMENT_TYPE_HELP = "Identity document type id: 1 = CC (cédula de ciudadanía, the usual one), 2 = TI, 3 = CE, 4 = PA."


def validated(serializer_class: type[serializers.Serializer], arguments: Any, *, zone) -> dict[str, Any]:
    """``arguments`` checked as the REST API checks a body: unknown names are an ``unknown_fields`` error,
    camelCase or snake_case alike; then the serializer's validation (``validation_error`` naming each
    argument). Returns the validated data."""
    writable = [name for name, field in serializer_class().fields.items() if not field.read_only]
    body, _ = normalize_body(arguments if arguments is not None else {}, fields=writable)
    serializer = serializer_class(data=body, context={"zone": zone})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _known_type(value: str | None) -> str | None:
    if value is not None and not is_known_code("appointment_type", value):
        raise serializers.ValidationError("Unknown appointment type code.", code="does_not_exist")
    return value


class NoArguments(serializers.Serializer):
    """A tool that takes no arguments."""


class FindPatient(serializers.Serializer):
    documentNumber = serializers.CharField(
        max_length=32, required=False, help_text="The patient's identity document number, digits only."
    )
    documentTypeId = StrictIntegerField(
        min_value=1, max_value=32767, required=False, default=1, help_text=DOCUMENT_TYPE_HELP + " Default 1."
    )
    phone = serializers.CharField(
        max_length=40,
        required=False,
        help_text="The patient's phone as WhatsApp sends it ('573001234567', 'whatsapp:+573001234567') or as "
        "written ('300 123 4567').",
    )

    def validate(self, attrs):
        if "documentNumber" not in attrs and "phone" not in attrs:
            raise serializers.ValidationError({"documentNumber": ["Give documentNumber or phone."]}, code="required")
        return attrs


_PATIENT_HELP = {
    "firstName": "First given name.",
    "secondName": "Second given name, if any.",
    "firstLastName": "First surname.",
    "secondLastName": "Second surname, if any.",
    "birthDate": "Birth date, YYYY-MM-DD.",
    "genderId": "1 = M, 2 = F, 3 = I, 4 = ND.",
    "documentTypeId": DOCUMENT_TYPE_HELP,
    "documentNumber": "Identity document number.",
    "phone": "Landline or other phone (national numbers are Colombian).",
    "cellPhone": "Mobile phone, e.g. the WhatsApp number.",
    "email": "Email address.",
    "epsId": "The patient's EPS (health insurer) id, if known.",
    "habeasData": "true once the patient accepted the processing of their personal data.",
}


class RegisterPatient(PatientSerializer):
    """A new patient: the REST API's patient fields (required: names, document), without customFields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("customFields")
        for name, text in _PATIENT_HELP.items():
            self.fields[name].help_text = text


class UpdatePatient(RegisterPatient):
    """``patientId`` and only the fields to change (null clears an optional one)."""

    patientId = serializers.UUIDField(help_text="The patient's id (patientId from find_patient).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "patientId":
                field.required = False


class ListDoctors(serializers.Serializer):
    specialty = serializers.CharField(
        max_length=100, required=False, help_text="A specialty name, any accents or case ('cardiologia')."
    )
    name = serializers.CharField(max_length=100, required=False, help_text="Part of the doctor's name.")


class FindAvailableSlots(serializers.Serializer):
    specialty = serializers.CharField(
        max_length=100,
        required=False,
        help_text="Search every doctor of this specialty (from list_specialties; any accents or case).",
    )
    doctorId = serializers.UUIDField(required=False, help_text="Search only this doctor (doctorId from list_doctors).")
    date = serializers.DateField(
        required=False,
        help_text="First local date to search, YYYY-MM-DD (the clinic's calendar). Omitted: from today, 14 days.",
    )
    endDate = serializers.DateField(
        required=False, help_text="Last local date to search, inclusive (at most 31 days in all). Omitted: `date` only."
    )
    appointmentType = serializers.CharField(
        max_length=40, required=False, help_text=APPOINTMENT_TYPE_HELP, validators=[_known_type]
    )
    limit = StrictIntegerField(
        min_value=1, max_value=20, required=False, default=5, help_text="How many of the earliest slots (default 5)."
    )

    def validate(self, attrs):
        if "endDate" in attrs and "date" not in attrs:
            raise serializers.ValidationError({"date": ["Give date with endDate."]}, code="required")
        if "endDate" in attrs and not 0 <= (attrs["endDate"] - attrs["date"]).days <= 30:
            raise serializers.ValidationError(
                {"endDate": ["Must be on or after date, at most 31 days in all."]}, code="invalid"
            )
        return attrs


class HoldSlot(serializers.Serializer):
    doctorId = serializers.UUIDField(help_text="The slot's doctorId.")
    start = InstantField(help_text="The slot's start. " + TIME_HELP)
    appointmentType = serializers.CharField(
        max_length=40, required=False, help_text=APPOINTMENT_TYPE_HELP, validators=[_known_type]
    )
    patientId = serializers.UUIDField(
        required=False, help_text="The patient the hold is for (then only they can be booked into it)."
    )
    ttlSeconds = StrictIntegerField(
        min_value=MIN_HOLD_TTL_SECONDS,
        max_value=MAX_HOLD_TTL_SECONDS,
        required=False,
        help_text="How long to keep the slot, in seconds (default 300; at most the clinic's maximum).",
    )


class BookAppointment(serializers.Serializer):
    holdId = serializers.UUIDField(
        required=False, help_text="Book this hold (holdId from hold_slot): its doctor and time."
    )
    doctorId = serializers.UUIDField(required=False, help_text="Without a hold: the slot's doctorId.")
    start = InstantField(required=False, help_text="Without a hold: the slot's start. " + TIME_HELP)
    patientId = serializers.UUIDField(
        required=False, help_text="The patient (patientId from find_patient); optional when the hold names one."
    )
    appointmentType = serializers.CharField(
        max_length=40, required=False, help_text=APPOINTMENT_TYPE_HELP, validators=[_known_type]
    )
    modality = serializers.CharField(
        max_length=40, required=False, help_text="'presencial' (in person, default), 'virtual' or 'domiciliaria'."
    )
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="The reason for the visit, in the patient's words."
    )

    def validate_modality(self, value):
        if not is_known_code("modality", value):
            raise serializers.ValidationError("Unknown modality.", code="does_not_exist")
        return value

    def validate(self, attrs):
        if "holdId" in attrs:
            given = [name for name in ("doctorId", "start") if name in attrs]
            if given:
                raise serializers.ValidationError(
                    {"holdId": [f"A hold gives the doctor and the time: drop {', '.join(given)}."]}, code="conflicting"
                )
            return attrs
        missing = {
            name: ["Required without holdId."] for name in ("doctorId", "start", "patientId") if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing, code="required")
        return attrs


class RescheduleAppointment(serializers.Serializer):
    appointmentId = serializers.UUIDField(help_text="The appointment to move.")
    holdId = serializers.UUIDField(required=False, help_text="Move it into this hold (from hold_slot).")
    start = InstantField(required=False, help_text="Or the new start. " + TIME_HELP)
    doctorId = serializers.UUIDField(required=False, help_text="With start: another doctor (default: the same).")

    def validate(self, attrs):
        if "holdId" in attrs and ({"start", "doctorId"} & set(attrs)):
            raise serializers.ValidationError({"holdId": ["Send holdId alone, or start."]}, code="conflicting")
        if "holdId" not in attrs and "start" not in attrs:
            raise serializers.ValidationError({"start": ["Give start or holdId."]}, code="required")
        return attrs


class AppointmentReference(serializers.Serializer):
    appointmentId = serializers.UUIDField(help_text="The appointment (appointmentId from list_patient_appointments).")


class CancelAppointment(AppointmentReference):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Why, in a few words (optional)."
    )


class ListPatientAppointments(serializers.Serializer):
    patientId = serializers.UUIDField(help_text="The patient (patientId from find_patient).")
    when = serializers.ChoiceField(
        choices=["upcoming", "past", "all"],
        required=False,
        default="upcoming",
        help_text="'upcoming' (default: not yet over, earliest first), 'past' or 'all' (latest first).",
    )
    includeCancelled = serializers.BooleanField(
        required=False, default=False, help_text="Also cancelled and no-show appointments (default false)."
    )
    limit = StrictIntegerField(min_value=1, max_value=50, required=False, default=10, help_text="At most (default 10).")
