"""Serializer fields that refuse what would break further down (an overflow, a database range), as a
400 naming the field rather than a 500."""

from __future__ import annotations

import datetime
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from secre.reference_cache import reference_lookup

MIN_YEAR, MAX_YEAR = 1900, 2200
_ASCII_INTEGER = re.compile(r"^\s*-?[0-9]+\s*$")


class BoundedDateTimeField(serializers.DateTimeField):
    """An RFC 3339 instant between the years 1900 and 2200 (outside it, converting between offsets and
    UTC overflows Python's datetime, and no clinic books there)."""

    default_error_messages = {"out_of_range": f"Must be between the years {MIN_YEAR} and {MAX_YEAR}."}

    def to_internal_value(self, value):
        if isinstance(value, str) and value[:4].isascii() and value[:4].isdigit():
            year = int(value[:4])
            if not MIN_YEAR <= year <= MAX_YEAR:
                self.fail("out_of_range")
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("out_of_range")


WALL_CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


@extend_schema_field(
    {"type": "string", "pattern": WALL_CLOCK_TIME, "example": "09:00", "description": "Local time, HH:MM (24 h)."}
)
class WallClockTimeField(serializers.TimeField):
    """A local time of day, ``HH:MM`` (or ``HH:MM:00``; other seconds are a 400); answered ``HH:MM``.
    Not RFC 3339's ``partial-time`` (which needs seconds): the seed prototypes' rules say ``"09:00"``."""

    default_error_messages = {"invalid": "A time as HH:MM (00:00-23:59) is required."}

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.match(WALL_CLOCK_TIME, value):
            self.fail("invalid")
        return datetime.time(int(value[:2]), int(value[3:5]))


class StrictIntegerField(serializers.IntegerField):
    """An integer written with the digits 0-9 only (``int()`` also takes ``٣`` and refuses ``²``)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not _ASCII_INTEGER.match(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReferenceField(serializers.PrimaryKeyRelatedField):
    """A reference-data id (document type, gender, EPS): a whole number 1-32767 before any lookup (a
    bigger one would overflow the database's smallint: a 500), then looked up in this process's
    snapshot of the queryset (secre/reference_cache.py), the database on a miss."""

    default_error_messages = {"out_of_range": "Must be a whole number from 1 to 32767."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not _ASCII_INTEGER.match(data)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= 32767:
            self.fail("out_of_range")
        row = reference_lookup(self.get_queryset(), number)
        if row is None:
            self.fail("does_not_exist", pk_value=number)
        return row
