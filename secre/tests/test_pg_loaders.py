"""Timestamps come back from psycopg's C loader (secre/pg_loaders.py) exactly as Django's own loader
returned them: the same instants, microseconds and tzinfo, the same error for what Python cannot hold."""

import datetime

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from secre.pg_loaders import _TIMESTAMPTZ_OID, UtcTimestamptzLoader, fast_timestamps_available

pytestmark = pytest.mark.django_db

EDGES = [
    "0001-01-01 00:00:00+00",
    "1582-10-15 12:00:00.000001+00",
    "1970-01-01 00:00:00+00",
    "2024-02-29 23:59:59.999999+00",
    "2026-03-08 07:00:00-05",  # an offset other than the session's: converted to UTC
    "2026-11-01 05:30:00.5+00",
    "9999-12-31 23:59:59.999999+00",
]


def _read(cursor, literal: str):
    cursor.execute("SELECT %s::timestamptz", [literal])
    return cursor.fetchone()[0]


def test_every_new_connection_reads_timestamps_with_the_c_loader():
    assert fast_timestamps_available()
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestamptzLoader
        value = _read(cursor, "2026-12-02 10:00:00+00")
    assert value.tzinfo is datetime.UTC


def test_the_values_are_djangos():
    with connection.cursor() as fast, connection.cursor() as django_way:
        register_tzloader(connection.timezone, django_way.cursor)  # Django's Python loader, as before
        assert django_way.cursor.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT) is not UtcTimestamptzLoader
        for literal in EDGES:
            ours, theirs = _read(fast, literal), _read(django_way, literal)
            assert (ours, ours.tzinfo, ours.isoformat()) == (theirs, theirs.tzinfo, theirs.isoformat()), literal
        for literal in ("infinity", "-infinity"):
            with pytest.raises(DataError, match="too large|too small|infinity"):
                _read(fast, literal)
            with pytest.raises(DataError, match="too large|too small|infinity"):
                _read(django_way, literal)
