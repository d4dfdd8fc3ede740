"""Query-string shapes of the scheduling API (validated by secre.dialects.validated_query: unknown
parameters are a 400, each field in camelCase or snake_case). Times follow appointments/times.py: RFC
3339, naive local times in the clinic's zone, or dates meaning that local day; the serializer context
carries the ``zone``."""

from __future__ import annotations

from rest_framework import serializers

from appointments.availability import MAX_DAYS
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


class TimeSlotsQuery(serializers.Serializer):
    """``?date=YYYY-MM-DD&days=N&includeFull=true``: N local days (1-31) from date."""

    date = LocalDateField(help_text="First local day, YYYY-MM-DD.")
    days = StrictIntegerField(required=False, default=1, min_value=1, max_value=MAX_DAYS, help_text="1-31 local days.")
    includeFull = serializers.BooleanField(required=False, default=False, help_text="Also list full slots.")


class CheckQuery(serializers.Serializer):
    """``?start=...&end=...`` (also ``start_datetime``/``end_datetime``, as appointments accept)."""

    start = InstantQueryField()
    end = InstantQueryField()

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
    specialty = serializers.CharField(required=False, max_length=100)
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
