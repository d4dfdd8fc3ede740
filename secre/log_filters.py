"""Keeping personal data out of log lines: request paths and database error messages.

* :class:`RedactRequestPath` replaces the path Django puts in ``django.request`` records (its last
  argument: ``"<reason>: <path>"``) by the resolved route template, and the record's ``request``
  object (which a JSON formatter would print with its path) by ``"<method> <route>"``. It works by the
  route the request resolved to, never by comparing strings (Django escapes the path it logs, so a
  path holding a NUL or an accent would not compare equal to the raw one).
* :func:`format_exception` formats a traceback with every frame (what ops need) but replaces the
  message of each exception that is or wraps a database error by its class and SQLSTATE: PostgreSQL's
  messages quote the values they refused (``Key (document_number)=(...)``, a failing row, a JSON
  document). Both log formats (JSON and plain) use it, for the app and gunicorn alike.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

import psycopg
from django.db import Error as DjangoDatabaseError

from secre.routes import route_template

_DATABASE_ERRORS = (DjangoDatabaseError, psycopg.Error)
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


class RedactRequestPath(logging.Filter):
    """Route templates instead of raw paths in Django's request records (see the module docstring):
    every record of ``django.utils.log.log_response`` (``django.request``, ``django.security.csrf``,
    ...), which carries ``request`` and ``status_code`` and puts the path last among its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is None or not hasattr(request, "path_info"):
            return True
        route = route_template(request) or "[unrouted path]"
        from_log_response = hasattr(record, "status_code") or record.name == "django.request"
        if from_log_response and isinstance(record.args, tuple) and record.args:
            record.args = (*record.args[:-1], route)
        record.request = f"{request.method} {route}"
        return True


class RedactGunicornRequest(logging.Filter):
    """gunicorn's own error lines quote what the client sent: the request line of an invalid request
    (``Invalid request from ip=...: Invalid HTTP Version: '<name> HTTP/1.1'``) and the URI of a request
    that failed. Keep the address and the fact, withhold the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Invalid request from ip="):
            record.msg, record.args = message.split(": ", 1)[0] + ": [request text withheld]", ()
        elif message.startswith("Error handling request") and isinstance(record.args, tuple) and record.args:
            record.args = (*record.args[:-1], "[uri withheld]")
        return True


def _chain(exc: BaseException) -> list[tuple[BaseException, str | None]]:
    """The exception and its causes/contexts, oldest first, each with the sentence that links it to the
    next (newer) one."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    link = None
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, link))
        if exc.__cause__ is not None:
            exc, link = exc.__cause__, _CAUSE
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, link = exc.__context__, _CONTEXT
        else:
            break
    return list(reversed(chain))


def wraps_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a database error or has one among its causes and contexts."""
    return any(isinstance(item, _DATABASE_ERRORS) for item, _ in _chain(exc))


def _sqlstate(exc: BaseException) -> str | None:
    for item, _ in reversed(_chain(exc)):
        code = getattr(item, "sqlstate", None) or getattr(getattr(item, "diag", None), "sqlstate", None)
        if code:
            return code
    return None


def safe_message(exc: BaseException) -> str:
    """``str(exc)``, unless the exception is or wraps a database error (then only its SQLSTATE) or is
    gunicorn's parse error of a request (whose message quotes the request line)."""
    if wraps_database_error(exc):
        return f"[database error message withheld; SQLSTATE {_sqlstate(exc) or 'unknown'}]"
    if type(exc).__module__ == "gunicorn.http.errors":
        return "[request text withheld]"
    return str(exc)


def format_exception(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """A traceback like :func:`traceback.format_exception`, with :func:`safe_message` for every message."""
    _, value, _ = exc_info
    if value is None:
        return ""
    lines: list[str] = []
    chain = _chain(value)
    for position, (exc, link) in enumerate(chain):
        if exc.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(exc.__traceback__))
        kind = type(exc)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        message = safe_message(exc)
        lines.append(f"{name}: {message}\n" if message else f"{name}\n")
        if position + 1 < len(chain):
            lines.append(link or "\n")
    return "".join(lines).rstrip("\n")


class PlainFormatter(logging.Formatter):
    """``LOG_FORMAT=plain``: a terminal-friendly line, with safe tracebacks."""

    def formatException(self, ei) -> str:  # noqa: N802 (logging's naming)
        return format_exception(ei)
