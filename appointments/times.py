"""Times on the wire: RFC 3339 instants, naive wall-clock times in the tenant's IANA zone, dates.

Rules (issue #3): instants and dates lie between the years 1900 and 2200 (400 naming the field
otherwise). An RFC 3339 time with ``Z`` or an offset is converted to UTC. A naive time
(``2025-09-25T10:00:00``, as chat agents and seed 001 send) is read in the tenant's zone; one that
falls in a daylight-saving gap is a 400 ``nonexistent_local_time``, one in an overlap a 400
``ambiguous_local_time``. In query strings a space where a ``+`` offset was (an unencoded ``+``)
is read as ``+``. A date (``2025-09-25``) means that local day. Responses are UTC with ``Z``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

from appointments.errors import AmbiguousLocalTime, NonexistentLocalTime
from secre.fields import MAX_YEAR, MIN_YEAR

_SPACE_FOR_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$", re.ASCII)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def localize(naive: datetime, zone: ZoneInfo, *, field: str) -> datetime:
    """Attach ``zone`` to a naive wall-clock time; raises the gap/overlap 400s naming ``field``."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        errors = [{"field": field, "message": "Send this time with an offset (RFC 3339).", "code": None}]
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            errors[0]["code"] = NonexistentLocalTime.default_code
            raise NonexistentLocalTime(errors=errors)
        errors[0]["code"] = AmbiguousLocalTime.default_code
        raise AmbiguousLocalTime(errors=errors)
    return first


def parse_instant(value: object, zone: ZoneInfo, *, field: str) -> datetime:
    """Parse an RFC 3339 or naive local datetime into an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValidationError({field: ["An RFC 3339 date-time string is required."]}, code="invalid")
    text = value.strip()
    match = _SPACE_FOR_PLUS.match(text)
    if match:
        text = f"{match.group(1)}+{match.group(2)}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: ["Not an RFC 3339 date-time (e.g. 2025-09-25T10:00:00-05:00)."]}, code="invalid"
        ) from None
    _check_year(parsed.year, field)
    if parsed.tzinfo is None:
        parsed = localize(parsed, zone, field=field)
    return parsed.astimezone(UTC)


def _check_year(year: int, field: str) -> None:
    # Outside it, moving between offsets and UTC overflows datetime; no clinic books there.
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({field: [f"Must be between the years {MIN_YEAR} and {MAX_YEAR}."]}, code="out_of_range")


def parse_bound(value: object, zone: ZoneInfo, *, field: str, end: bool) -> datetime:
    """A range bound: a datetime, or a date meaning that local day (its start, or with ``end`` the
    start of the next day, so the whole day is included)."""
    if isinstance(value, str) and _DATE.match(value.strip()):
        day = parse_date(value, field=field)
        return local_midnight(day + timedelta(days=1) if end else day, zone)
    return parse_instant(value, zone, field=field)


def parse_date(value: object, *, field: str) -> date:
    """A local calendar date ``YYYY-MM-DD`` between the years 1900 and 2200 (400 naming ``field``)."""
    text = str(value).strip()
    if not _DATE.match(text):
        raise ValidationError({field: ["A date YYYY-MM-DD is required."]}, code="invalid")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: ["A date YYYY-MM-DD is required."]}, code="invalid") from None
    _check_year(day.year, field)
    return day


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (a zone that skips midnight starts it at the first valid time)."""
    return wall_clock_to_utc(day, time(0, 0), zone)


def wall_clock_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A rule's wall-clock time on a day, as UTC. A time skipped by a daylight-saving gap maps to
    the instant the clock jumps to; a repeated time takes its first occurrence."""
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_utc_z(value: datetime) -> str:
    """``2025-09-25T14:00:00Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_local(value: datetime, zone: ZoneInfo) -> str:
    """``2025-09-25T09:00:00-05:00``."""
    return value.astimezone(zone).isoformat()
