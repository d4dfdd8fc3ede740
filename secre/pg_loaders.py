"""Timestamps read from PostgreSQL by psycopg's C loader instead of Django's Python one.

Django (``django/db/backends/postgresql/psycopg_any.py``) registers on every connection a
``timestamptz`` loader written in Python — psycopg's pure-Python parser, then ``replace(tzinfo=...)``
to the connection's time zone — so every timestamp a query returns is parsed in Python, about 4 µs
each here: a 31-day time-slots answer reads some 260 of them (issue 16's profile). psycopg's binary
package ships the same parser in C; this module registers it on each new connection whose time zone
is UTC, the only one Django uses with ``USE_TZ`` and no database ``TIME_ZONE`` (Django sets the
session's ``TimeZone`` to ``UTC`` before ``connection_created``). With the session in UTC the C
loader returns the very values Django's would: aware datetimes whose tzinfo is
``datetime.timezone.utc`` (psycopg's ``_tz.get_tzinfo``). Anything else — another time zone, the
pure-Python psycopg — keeps Django's loader.
"""

from __future__ import annotations

import datetime

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader as PythonTimestamptzLoader

_TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's own default for the text format: its C class when the binary package is installed.
_C_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's C ``timestamptz`` text loader (its classes cannot be subclassed), with the
    ``timezone`` attribute Django's ``create_cursor`` compares with the connection's before deciding
    to register its own loader on each cursor."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._load = _C_LOADER(oid, context).load

    def load(self, data):
        return self._load(data)


def fast_timestamps_available() -> bool:
    """Whether psycopg's C loader is installed (psycopg[binary] or psycopg[c])."""
    return not issubclass(_C_LOADER, PythonTimestamptzLoader)


def use_fast_timestamps(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the C loader on a new PostgreSQL connection in UTC."""
    if connection.vendor != "postgresql" or not fast_timestamps_available():
        return
    if connection.timezone is not datetime.UTC:
        return
    raw = connection.connection
    if raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader(_TIMESTAMPTZ_OID, UtcTimestamptzLoader)
