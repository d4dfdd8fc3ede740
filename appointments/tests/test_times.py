"""Wire times: RFC 3339, naive local times in the tenant's zone, daylight-saving gaps and overlaps."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.exceptions import ValidationError

from appointments.errors import AmbiguousLocalTime, NonexistentLocalTime
from appointments.times import parse_bound, parse_instant

BOGOTA = ZoneInfo("America/Bogota")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-25T14:00:00Z", datetime(2025, 9, 25, 14, 0, tzinfo=UTC)),
        ("2025-09-25T09:00:00-05:00", datetime(2025, 9, 25, 14, 0, tzinfo=UTC)),
        ("2025-09-25T10:00:00", datetime(2025, 9, 25, 15, 0, tzinfo=UTC)),  # naive: Bogotá wall clock
        ("2025-09-25T16:00:00 01:00", datetime(2025, 9, 25, 15, 0, tzinfo=UTC)),  # unencoded '+' in a query
        ("2025-09-25T16:00:00 0100", datetime(2025, 9, 25, 15, 0, tzinfo=UTC)),
    ],
)
def test_instants_become_utc(text, expected):
    assert parse_instant(text, BOGOTA, field="start") == expected


def test_naive_time_in_a_daylight_saving_gap_is_nonexistent():
    with pytest.raises(NonexistentLocalTime) as caught:
        parse_instant("2030-03-10T02:30:00", NEW_YORK, field="startAppointment")
    assert caught.value.extra["errors"][0]["field"] == "startAppointment"


def test_naive_time_in_a_daylight_saving_overlap_is_ambiguous():
    with pytest.raises(AmbiguousLocalTime):
        parse_instant("2030-11-03T01:30:00", NEW_YORK, field="start")
    # With an offset it is unambiguous.
    assert parse_instant("2030-11-03T01:30:00-05:00", NEW_YORK, field="start").hour == 6


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01T00:00:00", "", "2025-09-25T25:00"])
def test_garbage_is_a_validation_error_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        parse_instant(text, BOGOTA, field="start")
    assert "start" in caught.value.detail


def test_a_date_bound_means_the_local_day():
    assert parse_bound("2025-09-25", BOGOTA, field="start", end=False) == datetime(2025, 9, 25, 5, tzinfo=UTC)
    assert parse_bound("2025-09-25", BOGOTA, field="end", end=True) == datetime(2025, 9, 26, 5, tzinfo=UTC)
