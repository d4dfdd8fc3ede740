"""Wire shapes of scheduling: camelCase, seed 000 Appointment fields, seed 001 availability fields.

Times in requests: RFC 3339 with ``Z``/offset, or naive wall-clock times read in the tenant's zone
(appointments/times.py). Times in responses: UTC with ``Z``. The serializer context carries the
tenant's ``zone`` (ZoneInfo).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.catalogs import is_known_code
from appointments.models import Appointment, Clinic
from appointments.times import parse_instant, to_utc_z
from patients.models import DocumentType
from patients.serializers import DOCUMENT_NUMBER
from secre.custom_fields import validate_custom_fields
from secre.fields import BoundedDateTimeField, ReferenceField, StrictIntegerField, WallClockTimeField
from secre.reference_cache import reference_lookup
from secre.serializing import representation
from tenants.models import (
    MAX_BOOKING_HORIZON_DAYS,
    MAX_HOLD_TTL_SECONDS,
    MAX_MINIMUM_NOTICE_MINUTES,
    MIN_HOLD_TTL_SECONDS,
)


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "description": (
            "RFC 3339 (Z or offset), or a naive local time read in the clinic's time zone. Answered in UTC (Z)."
        ),
    }
)
class InstantField(serializers.Field):
    """A point in time: accepts RFC 3339 or a naive local time (tenant zone); answers UTC ``Z``."""

    default_error_messages = {"invalid": "An RFC 3339 date-time is required."}

    def to_internal_value(self, data):
        try:
            return parse_instant(data, self.context["zone"], field=self.field_name)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(next(iter(exc.detail.values())), code="invalid") from None

    def to_representation(self, value):
        return to_utc_z(value)


def _document_type(value: int) -> int:
    """An active document type's id (from the process's reference snapshot, else the database)."""
    if reference_lookup(DocumentType.objects.filter(is_active=True), value) is None:
        raise serializers.ValidationError("Unknown document type.", code="does_not_exist")
    return value


class SlotSerializer(serializers.Serializer):
    """A free slot (FHIR Slot): ``start``/``end`` in UTC (Z), ``startLocal``/``endLocal`` with the clinic's
    offset, the rule's ``capacity`` and the places still ``remaining``."""

    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    startLocal = serializers.SerializerMethodField()
    endLocal = serializers.SerializerMethodField()
    capacity = StrictIntegerField()
    remaining = StrictIntegerField()
    held = serializers.BooleanField(help_text="Live holds take some of its places (see includeFull).")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, slot) -> str:
        return to_utc_z(slot.start)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, slot) -> str:
        return to_utc_z(slot.end)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_startLocal(self, slot) -> str:
        return slot.start.astimezone(self.context["zone"]).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_endLocal(self, slot) -> str:
        return slot.end.astimezone(self.context["zone"]).isoformat()


_SLOT_OR_NULL = SlotSerializer(allow_null=True)


class DoctorSerializer(serializers.Serializer):
    """A doctor (FHIR Practitioner). Required on create: documentTypeId, documentNumber, firstName,
    firstLastName."""

    id = serializers.UUIDField(read_only=True)
    documentTypeId = ReferenceField(source="document_type", queryset=DocumentType.objects.filter(is_active=True))
    documentNumber = serializers.CharField(source="document_number", max_length=32, validators=[DOCUMENT_NUMBER])
    firstName = serializers.CharField(source="first_name", max_length=100)
    secondName = serializers.CharField(
        source="second_name", max_length=100, required=False, allow_null=True, allow_blank=True
    )
    firstLastName = serializers.CharField(source="first_last_name", max_length=100)
    secondLastName = serializers.CharField(
        source="second_last_name", max_length=100, required=False, allow_null=True, allow_blank=True
    )
    specialty = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True)
    isActive = serializers.BooleanField(source="is_active", required=False)
    minimumNoticeMinutes = StrictIntegerField(
        source="minimum_notice_minutes",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_MINIMUM_NOTICE_MINUTES,
        help_text="Bookings start at least this many minutes from now; null: the clinic's rule.",
    )
    bookingHorizonDays = StrictIntegerField(
        source="booking_horizon_days",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_BOOKING_HORIZON_DAYS,
        help_text="Bookings at most this many local days after today; null: the clinic's rule.",
    )
    firstFreeSlot = serializers.SerializerMethodField(
        help_text="With availableOn: the doctor's first free slot that day (listed doctors always have one)."
    )
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)
    updatedAt = BoundedDateTimeField(source="updated_at", read_only=True)

    @extend_schema_field(_SLOT_OR_NULL)
    def get_firstFreeSlot(self, doctor):
        slot = self.context.get("first_free_slots", {}).get(doctor.pk)
        return None if slot is None else SlotSerializer(slot, context=self.context).data


class DoctorSummarySerializer(serializers.Serializer):
    """The doctor a slot is with: ids, document and name (a slot search across doctors)."""

    id = serializers.UUIDField()
    documentTypeId = StrictIntegerField(source="document_type_id")
    documentNumber = serializers.CharField(source="document_number")
    firstName = serializers.CharField(source="first_name")
    secondName = serializers.CharField(source="second_name", allow_null=True)
    firstLastName = serializers.CharField(source="first_last_name")
    secondLastName = serializers.CharField(source="second_last_name", allow_null=True)
    specialty = serializers.CharField(allow_null=True)


class DoctorReferenceSerializer(serializers.Serializer):
    """``{"documentTypeId": 1, "documentNumber": "99999999"}``."""

    documentTypeId = StrictIntegerField(source="document_type_id")
    documentNumber = serializers.CharField(source="document_number")


class AppointmentSerializer(serializers.Serializer):
    """An appointment (seed 000 Appointment; FHIR Appointment). Responses echo the patient's and the
    doctor's documents and ids; requests name them by document.

    Create needs startAppointment, endAppointment (optional when the appointmentType has a duration),
    patientDocumentTypeId, patientDocumentNumber, doctorDocumentTypeId, doctorDocumentNumber — or a
    ``holdId`` (and the patient when the hold names none). ``state`` starts as scheduled (or confirmed).
    ``overbook: true`` books outside availability, capacity, holds and the booking window (keys with the
    overbook scope only). ``rescheduledFromId``/``rescheduledToId`` link a reschedule's two appointments.
    """

    id = serializers.UUIDField(read_only=True)
    startAppointment = InstantField(source="start", required=False)
    endAppointment = InstantField(
        source="end", required=False, help_text="Optional with an appointmentType of fixed duration, or a holdId."
    )
    patientDocumentTypeId = StrictIntegerField(
        source="patient.document_type_id", min_value=1, max_value=32767, validators=[_document_type], required=False
    )
    patientDocumentNumber = serializers.CharField(source="patient.document_number", max_length=32, required=False)
    doctorDocumentTypeId = StrictIntegerField(
        source="doctor.document_type_id", min_value=1, max_value=32767, validators=[_document_type], required=False
    )
    doctorDocumentNumber = serializers.CharField(source="doctor.document_number", max_length=32, required=False)
    patientId = serializers.UUIDField(source="patient.id", read_only=True)
    doctorId = serializers.UUIDField(source="doctor.id", read_only=True)
    modality = serializers.CharField(max_length=40, required=False, allow_null=True)
    state = serializers.ChoiceField(choices=Appointment.State.choices, required=False)
    notificationState = serializers.ChoiceField(
        source="notification_state", choices=Appointment.NotificationState.choices, required=False
    )
    appointmentType = serializers.CharField(source="appointment_type", max_length=40, required=False, allow_null=True)
    clinicId = serializers.PrimaryKeyRelatedField(
        source="clinic",
        queryset=Clinic.objects.all(),
        required=False,
        allow_null=True,
        pk_field=serializers.UUIDField(),
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_null=True, allow_blank=True)
    customFields = serializers.DictField(source="custom_fields", required=False, validators=[validate_custom_fields])
    cancellationReason = serializers.CharField(
        source="cancellation_reason", max_length=500, required=False, allow_null=True, allow_blank=True
    )
    overbook = serializers.BooleanField(required=False, write_only=True)
    holdId = serializers.UUIDField(
        source="hold_id",
        required=False,
        write_only=True,
        help_text="Book this hold (POST /v1/appointments/holds): its doctor, times and type; a retry returns "
        "the appointment it made.",
    )
    capacity = StrictIntegerField(read_only=True)
    overbooked = serializers.BooleanField(read_only=True)
    bufferBeforeMinutes = StrictIntegerField(source="buffer_before_minutes", read_only=True)
    bufferAfterMinutes = StrictIntegerField(source="buffer_after_minutes", read_only=True)
    rescheduledFromId = serializers.UUIDField(source="rescheduled_from_id", read_only=True, allow_null=True)
    rescheduledToId = serializers.UUIDField(source="rescheduled_to.id", read_only=True, allow_null=True)
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)
    updatedAt = BoundedDateTimeField(source="updated_at", read_only=True)

    def validate_modality(self, value):
        if value is not None and not is_known_code("modality", value):
            raise serializers.ValidationError("Unknown modality; see /v1/lookups/modalities.", code="does_not_exist")
        return value

    def validate_appointmentType(self, value):
        if value is not None and not is_known_code("appointment_type", value):
            raise serializers.ValidationError(
                "Unknown appointment type; see /v1/lookups/appointment-types.", code="does_not_exist"
            )
        return value

    def validate(self, attrs):
        """What a create needs: the times, the patient and the doctor — or a hold, which gives the doctor
        and the times itself (sending them too is a 400 naming holdId)."""
        if self.partial:
            if "hold_id" in attrs:
                raise serializers.ValidationError(
                    {"holdId": ["Book holds with POST /v1/appointments; move an appointment with .../reschedule."]},
                    code="invalid",
                )
            return attrs
        if attrs.get("hold_id") is not None:
            given = [name for name, attr in (("startAppointment", "start"), ("endAppointment", "end")) if attr in attrs]
            given += ["doctorDocumentNumber"] if "doctor" in attrs else []
            if given:
                raise serializers.ValidationError(
                    {"holdId": [f"A hold gives the doctor and the times: drop {', '.join(given)}."]},
                    code="conflicting",
                )
            needed = ["patientDocumentTypeId", "patientDocumentNumber"] if "patient" in attrs else []
        else:
            needed = ["startAppointment", "patientDocumentTypeId", "patientDocumentNumber"]
            needed += ["doctorDocumentTypeId", "doctorDocumentNumber"]
        missing = {name: ["This field is required."] for name in needed if not self._given(attrs, name)}
        if missing:
            raise serializers.ValidationError(missing, code="required")
        return attrs

    def _given(self, attrs, name: str) -> bool:
        source = self.fields[name].source.split(".")
        value = attrs
        for part in source:
            if not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        return True

    # The patient and doctor are named by document: ``patient``/``doctor`` in the validated data are
    # ``{"document_type_id", "document_number"}`` references, which the view resolves in the tenant
    # (selectors.appointment_parties); the booking rules themselves are the services'.


def appointment_representation(appointment) -> dict:
    """``AppointmentSerializer(appointment).data`` through one reader's fields (secre/serializing.py:
    DRF would deep-copy its 30 fields, with their querysets, for each answer and each event); a test
    compares the two."""
    return representation(AppointmentSerializer, appointment)


def appointment_representations(appointments) -> list[dict]:
    """:func:`appointment_representation` of each appointment (a page, a batch of events), in order."""
    return [appointment_representation(appointment) for appointment in appointments]


class CancelSerializer(serializers.Serializer):
    """Body of POST /v1/appointments/{id}/cancel: ``{"reason": "..."}`` (optional)."""

    reason = serializers.CharField(max_length=500, required=False, allow_null=True, allow_blank=True)


class DoctorDocumentMixin(serializers.Serializer):
    """``doctorDocumentTypeId`` + ``doctorDocumentNumber`` naming the tenant's doctor (write: a
    ``doctor`` reference the view resolves with selectors.doctor_from_reference), echoed back."""

    doctorDocumentTypeId = StrictIntegerField(source="doctor.document_type_id", min_value=1, max_value=32767)
    doctorDocumentNumber = serializers.CharField(source="doctor.document_number", max_length=32)
    doctorId = serializers.UUIDField(source="doctor.id", read_only=True)


class AvailabilityRuleSerializer(DoctorDocumentMixin):
    """A weekly rule (seed 001 body works verbatim): dayOfWeek ISO 1-7, startTime/endTime "HH:MM" in
    the tenant's local time, appointmentDurationMinutes 5-480, capacity 1-100 (default 1)."""

    id = serializers.UUIDField(read_only=True)
    dayOfWeek = StrictIntegerField(source="day_of_week", min_value=1, max_value=7)
    startTime = WallClockTimeField(source="start_time")
    endTime = WallClockTimeField(source="end_time")
    appointmentDurationMinutes = StrictIntegerField(
        source="appointment_duration_minutes", min_value=5, max_value=480, required=False
    )
    capacity = StrictIntegerField(min_value=1, max_value=100, required=False)
    validFrom = serializers.DateField(source="valid_from", required=False, allow_null=True)
    validUntil = serializers.DateField(source="valid_until", required=False, allow_null=True)
    customFields = serializers.DictField(source="custom_fields", required=False, validators=[validate_custom_fields])
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)
    updatedAt = BoundedDateTimeField(source="updated_at", read_only=True)

    def validate(self, attrs):
        instance = self.context.get("instance")
        start = attrs.get("start_time", getattr(instance, "start_time", None))
        end = attrs.get("end_time", getattr(instance, "end_time", None))
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError({"endTime": ["Must be after the start time."]}, code="invalid")
        valid_from = attrs.get("valid_from", getattr(instance, "valid_from", None))
        valid_until = attrs.get("valid_until", getattr(instance, "valid_until", None))
        if valid_from and valid_until and valid_until < valid_from:
            raise serializers.ValidationError(
                {"validUntil": ["Must not be before the first valid date."]}, code="invalid"
            )
        return attrs


class BlockedTimeSerializer(DoctorDocumentMixin):
    """Blocked time of a doctor: ``start``/``end`` (RFC 3339 or local), optional ``reason``."""

    id = serializers.UUIDField(read_only=True)
    start = InstantField()
    end = InstantField()
    reason = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    customFields = serializers.DictField(source="custom_fields", required=False, validators=[validate_custom_fields])
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["Must be after the start."]}, code="invalid")
        return attrs


class ClosedDaySerializer(serializers.Serializer):
    """A local date the clinic is closed: ``{"date": "2026-12-24", "name": "Nochebuena"}``."""

    id = serializers.UUIDField(read_only=True)
    date = serializers.DateField()
    name = serializers.CharField(max_length=150)
    source = serializers.CharField(read_only=True)


class HolidayLoadSerializer(serializers.Serializer):
    """``{"year": 2026}``: load that year's public holidays as closed days."""

    year = StrictIntegerField(min_value=2000, max_value=2100)


class CatalogEntrySerializer(serializers.Serializer):
    """A catalog code: ``{"code": "teleorientacion", "name": "Teleorientación"}``."""

    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    isDefault = serializers.BooleanField(read_only=True)


class ClinicSerializer(serializers.Serializer):
    """A place of care of the tenant (FHIR Location); its ``id`` is an appointment's clinicId."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=150)
    address = serializers.CharField(max_length=250, required=False, allow_null=True, allow_blank=True)
    isActive = serializers.BooleanField(source="is_active", read_only=True)


class DoctorSlotSerializer(SlotSerializer):
    """A slot of a search across doctors, naming its doctor."""

    doctor = DoctorSummarySerializer()


class SlotSearchSerializer(serializers.Serializer):
    """Answer of the search across doctors: the tenant's zone and the slots, earliest first."""

    timeZone = serializers.CharField()
    slots = DoctorSlotSerializer(many=True)


class TimeSlotsSerializer(serializers.Serializer):
    """Answer of time-slots: the doctor, the tenant's zone and the slots in time order."""

    doctor = DoctorReferenceSerializer()
    timeZone = serializers.CharField()
    slots = SlotSerializer(many=True)


def slot_representation(slot, zone, texts: InstantTexts | None = None) -> dict:
    """``SlotSerializer(slot, context={"zone": zone}).data`` built directly: a 31-day answer has hundreds
    of slots, and DRF's per-field machinery was 40 % of such a request (issue 16's profile). Same keys
    in the same order, same values (a test renders both and compares the bytes); the serializer stays
    the declared schema. ``texts`` — one :class:`InstantTexts` for the whole answer — writes each
    instant once (a slot's end is the next slot's start)."""
    texts = texts or InstantTexts(zone)
    start_utc, start_local = texts(slot.start)
    end_utc, end_local = texts(slot.end)
    return {
        "start": start_utc,
        "end": end_utc,
        "startLocal": start_local,
        "endLocal": end_local,
        "capacity": int(slot.capacity),
        "remaining": int(slot.remaining),
        "held": bool(slot.held),
    }


class InstantTexts:
    """``instant -> (RFC 3339 in UTC with Z, RFC 3339 with the zone's offset)``, each instant formatted
    once: writing them was half of a slot's representation, and consecutive slots share their
    boundaries."""

    def __init__(self, zone) -> None:
        self.zone = zone
        self.known: dict = {}

    def __call__(self, instant) -> tuple[str, str]:
        found = self.known.get(instant)
        if found is None:
            found = self.known[instant] = (to_utc_z(instant), instant.astimezone(self.zone).isoformat())
        return found


def time_slots_representation(*, tenant, doctor, slots) -> dict:
    """``TimeSlotsSerializer({"doctor", "timeZone", "slots"}).data`` (times in the ``tenant``'s zone)
    with :func:`slot_representation`."""
    zone = tenant.zone
    texts = InstantTexts(zone)
    return {
        "doctor": DoctorReferenceSerializer(doctor).data,
        "timeZone": tenant.timezone,
        "slots": [slot_representation(slot, zone, texts) for slot in slots],
    }


def slot_search_representation(*, tenant, slots) -> dict:
    """``SlotSearchSerializer({"timeZone", "slots"}).data`` (times in the ``tenant``'s zone) with
    :func:`slot_representation`; each doctor's summary is built once and named by each of its slots."""
    zone = tenant.zone
    texts = InstantTexts(zone)
    summaries: dict = {}
    found = []
    for slot in slots:
        doctor = summaries.get(slot.doctor.pk)
        if doctor is None:
            doctor = summaries[slot.doctor.pk] = DoctorSummarySerializer(slot.doctor).data
        found.append({**slot_representation(slot, zone, texts), "doctor": doctor})
    return {"timeZone": tenant.timezone, "slots": found}


class AvailabilityCheckSerializer(serializers.Serializer):
    """``{"available": bool, "reasons": [...], "conflictingAppointmentId": uuid|null,
    "conflictingHoldId": uuid|null, "capacity": n}``; reasons as appointments/availability.py lists."""

    available = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    conflictingAppointmentId = serializers.UUIDField(source="conflicting_appointment_id", allow_null=True)
    conflictingHoldId = serializers.UUIDField(source="conflicting_hold_id", allow_null=True)
    capacity = StrictIntegerField()


class AppointmentTypeSerializer(serializers.Serializer):
    """An appointment type (FHIR Appointment.appointmentType): ``code``, ``name``, ``isDefault`` (the
    defaults primera_vez and control cannot be deleted), ``durationMinutes`` (5-480; null: the doctor's
    rule grid step) and buffers before and after (0-120 minutes) the doctor stays free."""

    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    isDefault = serializers.BooleanField(read_only=True)
    durationMinutes = StrictIntegerField(required=False, allow_null=True, min_value=5, max_value=480)
    bufferBeforeMinutes = StrictIntegerField(required=False, min_value=0, max_value=120)
    bufferAfterMinutes = StrictIntegerField(required=False, min_value=0, max_value=120)


class SpecialtySerializer(serializers.Serializer):
    """A specialty of the clinic's active doctors: ``{"name": "Cardiología", "doctorCount": 2}``."""

    name = serializers.CharField()
    doctorCount = StrictIntegerField()


class HoldSerializer(serializers.Serializer):
    """A slot hold (FHIR Slot busy-tentative). Create with the doctor's document and ``start``, plus
    ``end`` or an ``appointmentType`` (its duration, else the rule's grid step), optionally the patient's
    document (then only that patient can be booked into it) and ``ttlSeconds`` (default 300, at most the
    clinic's maximum). ``status``: ``held`` while it keeps its place, ``expired``, or ``booked``
    (``appointmentId``)."""

    id = serializers.UUIDField(read_only=True)
    doctorDocumentTypeId = StrictIntegerField(source="doctor.document_type_id", min_value=1, max_value=32767)
    doctorDocumentNumber = serializers.CharField(source="doctor.document_number", max_length=32)
    doctorId = serializers.UUIDField(source="doctor.id", read_only=True)
    start = InstantField()
    end = InstantField(required=False)
    appointmentType = serializers.CharField(source="appointment_type", max_length=40, required=False, allow_null=True)
    patientDocumentTypeId = StrictIntegerField(
        source="patient.document_type_id", min_value=1, max_value=32767, required=False, allow_null=True
    )
    patientDocumentNumber = serializers.CharField(
        source="patient.document_number", max_length=32, required=False, allow_null=True
    )
    patientId = serializers.UUIDField(source="patient.id", read_only=True, allow_null=True)
    ttlSeconds = StrictIntegerField(
        min_value=MIN_HOLD_TTL_SECONDS, max_value=MAX_HOLD_TTL_SECONDS, required=False, write_only=True
    )
    expiresAt = BoundedDateTimeField(source="expires_at", read_only=True)
    status = serializers.SerializerMethodField()
    appointmentId = serializers.UUIDField(source="appointment_id", read_only=True, allow_null=True)
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)

    def validate_appointmentType(self, value):
        if value is not None and not is_known_code("appointment_type", value):
            raise serializers.ValidationError(
                "Unknown appointment type; see /v1/lookups/appointment-types.", code="does_not_exist"
            )
        return value

    def validate(self, attrs):
        if attrs.get("end") is not None and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["Must be after the start."]}, code="invalid")
        return attrs

    @extend_schema_field({"type": "string", "enum": ["held", "expired", "booked"]})
    def get_status(self, hold) -> str:
        if hold.appointment_id is not None:
            return "booked"
        now = self.context.get("now")
        return "expired" if now is not None and hold.expires_at <= now else "held"


class RescheduleSerializer(serializers.Serializer):
    """``POST /v1/appointments/{id}/reschedule``: new ``startAppointment`` (and ``endAppointment``, or the
    type's duration), optionally another doctor by document — or a ``holdId``."""

    startAppointment = InstantField(source="start", required=False)
    endAppointment = InstantField(source="end", required=False)
    doctorDocumentTypeId = StrictIntegerField(
        source="doctor.document_type_id", min_value=1, max_value=32767, required=False
    )
    doctorDocumentNumber = serializers.CharField(source="doctor.document_number", max_length=32, required=False)
    holdId = serializers.UUIDField(source="hold_id", required=False)
    overbook = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if attrs.get("hold_id") is None and attrs.get("start") is None:
            raise serializers.ValidationError(
                {"startAppointment": ["Give the new startAppointment, or a holdId."]}, code="required"
            )
        if attrs.get("hold_id") is not None and ({"start", "end", "doctor"} & set(attrs)):
            raise serializers.ValidationError(
                {"holdId": ["A hold gives the doctor and the times: send holdId alone."]}, code="conflicting"
            )
        if attrs.get("end") is not None and attrs.get("start") is not None and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"endAppointment": ["Must be after the start."]}, code="invalid")
        return attrs
