"""Query-string shapes of the scheduling API (validated by secre.dialects.validated_query: unknown
parameters are a 400, each field in camelCase or snake_case). Times follow appointments/times.py: RFC
3339, naive local times in the clinic's zone, or dates meaning that local day; the serializer context
carries the ``zone``."""

from __future__ import annotations

from rest_framework import serializers

from appointments.availability import MAX_DAYS
from appointments.catalogs import is_known_code
from appointments.models import Appointment
from appointments.times import parse_bound, parse_date, parse_instant
from secre.fields import StrictIntegerField


class _ZoneAware(serializers.Field):
    def _spelled(self) -> str:
        request = self.context.get("request")
        spelling = getattr(getattr(request, "_request", request), "field_spelling", {})
        return spelling.get(self.field_name, self.field_name)

    def _unwrap(self, exc: serializers.ValidationError):
        return serializers.ValidationError(next(iter(exc.detail.values())), code="invalid")


class RangeBoundField(_ZoneAware):
    """``start``/``end`` of a range: a datetime, or a date meaning that local day (``end``: through it)."""

    def __init__(self, *, end: bool, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return parse_bound(data, self.context["zone"], field=self._spelled(), end=self.end)
        except serializers.ValidationError as exc:
            raise self._unwrap(exc) from None


class InstantQueryField(_ZoneAware):
    """One instant: RFC 3339 or a naive local time in the clinic's zone."""

    def to_internal_value(self, data):
        try:
            return parse_instant(data, self.context["zone"], field=self._spelled())
        except serializers.ValidationError as exc:
            raise self._unwrap(exc) from None


class LocalDateField(_ZoneAware):
    """A local calendar date ``YYYY-MM-DD`` (years 1900-2200)."""

    def to_internal_value(self, data):
        try:
            return parse_date(data, field=self._spelled())
        except serializers.ValidationError as exc:
            raise self._unwrap(exc) from None


class _AppointmentTypeCode(serializers.CharField):
    """An appointment type code of the tenant (/v1/lookups/appointment-types)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=40, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not is_known_code("appointment_type", code):
            raise serializers.ValidationError(
                "Unknown appointment type; see /v1/lookups/appointment-types.", code="does_not_exist"
            )
        return code


class TimeSlotsQuery(serializers.Serializer):
    """``?date=YYYY-MM-DD&days=N&includeFull=true&appointmentType=code``: N local days (1-31) from date;
    with a type, slots last its duration and keep its buffers free."""

    date = LocalDateField(help_text="First local day, YYYY-MM-DD.")
    days = StrictIntegerField(required=False, default=1, min_value=1, max_value=MAX_DAYS, help_text="1-31 local days.")
    includeFull = serializers.BooleanField(required=False, default=False, help_text="Also list full slots.")
    appointmentType = _AppointmentTypeCode(help_text="Slots for this appointment type (its duration and buffers).")


class SlotSearchQuery(TimeSlotsQuery):
    """``GET /v1/doctor-availability/time-slots?specialty=...&date=...``: free slots of every active doctor
    of the specialty (or the one doctor named by document), earliest first, at most ``limit``."""

    specialty = serializers.CharField(
        required=False, max_length=100, help_text="Accent- and case-insensitive (cardiologia = Cardiología)."
    )
    doctorDocumentTypeId = StrictIntegerField(required=False, min_value=1, max_value=32767)
    doctorDocumentNumber = serializers.CharField(required=False, max_length=32)
    limit = StrictIntegerField(required=False, default=50, min_value=1, max_value=500, help_text="1-500, default 50.")

    def validate(self, attrs):
        if "specialty" not in attrs and "doctorDocumentNumber" not in attrs:
            raise serializers.ValidationError(
                {
                    "specialty": [
                        "Give a specialty, or a doctor's document (doctorDocumentTypeId and doctorDocumentNumber)."
                    ]
                },
                code="required",
            )
        if ("doctorDocumentTypeId" in attrs) != ("doctorDocumentNumber" in attrs):
            raise serializers.ValidationError(
                {"doctorDocumentNumber": ["Give both doctorDocumentTypeId and doctorDocumentNumber."]}, code="required"
            )
        return attrs


class CheckQuery(serializers.Serializer):
    """``?start=...&end=...`` (also ``start_datetime``/``end_datetime``, as appointments accept)."""

    start = InstantQueryField()
    end = InstantQueryField()
    appointmentType = _AppointmentTypeCode(help_text="Check with this appointment type's buffers.")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["Must be after the start."]}, code="invalid")
        return attrs


class RangeQuery(serializers.Serializer):
    """An optional ``[start, end)`` window (dates mean whole local days)."""

    start = RangeBoundField(end=False, required=False)
    end = RangeBoundField(end=True, required=False)


class ClosedDaysQuery(serializers.Serializer):
    year = StrictIntegerField(required=False, min_value=2000, max_value=2100)


class AppointmentFilterSerializer(RangeQuery):
    """Query parameters of GET /v1/appointments and /by-date-range: starting in ``[start, end)``."""

    doctorDocumentTypeId = StrictIntegerField(required=False, min_value=1, max_value=32767)
    doctorDocumentNumber = serializers.CharField(required=False, max_length=32)
    patientDocumentTypeId = StrictIntegerField(required=False, min_value=1, max_value=32767)
    patientDocumentNumber = serializers.CharField(required=False, max_length=32)
    modality = serializers.CharField(required=False, max_length=40)
    state = serializers.ChoiceField(required=False, choices=Appointment.State.choices)


class DoctorFilterSerializer(serializers.Serializer):
    """Filters of GET /v1/doctors. ``availableOn``: only doctors with a free slot that local day (each with
    its ``firstFreeSlot``; pages of at most 50), for ``appointmentType`` when given."""

    specialty = serializers.CharField(required=False, max_length=100)
    name = serializers.CharField(required=False, max_length=200)
    availableOn = LocalDateField(required=False)
    appointmentType = _AppointmentTypeCode()
    documentTypeId = StrictIntegerField(required=False, min_value=1, max_value=32767)
    documentNumber = serializers.CharField(required=False, max_length=32)
    isActive = serializers.BooleanField(required=False)


# Seed 001 and prototype spellings of the same parameters.
RANGE_DATE_ALIASES = {"start_date": "start", "startDate": "start", "end_date": "end", "endDate": "end"}
RANGE_DATETIME_ALIASES = {
    "start_datetime": "start",
    "startDatetime": "start",
    "end_datetime": "end",
    "endDatetime": "end",
}
