"""JSON logs on stdout, with the request id, tenant and API key of the request on every line.

* :class:`RequestContextFilter` adds ``request_id``, ``tenant_id`` and ``api_key_id`` to every log
  record, from the one "who is acting" context (secre/acting.py).
* :class:`RequestLogMiddleware` writes one ``request`` line per request: method, the route
  *template* (``/v1/patients/by-document/{documentTypeId}/{documentNumber}``, never the raw path or
  query string, which carry documents, names and phones), status and duration in ms.
* :class:`GunicornJsonLogger` makes gunicorn's own error and access logs JSON lines too (the access
  line has method, status, duration and request id; no path).

Never log personal data: log ids.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

from secre import acting
from secre.log_filters import RedactGunicornRequest, format_exception
from secre.routes import route_template

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "timestamp", "levelname": "level", "message": "event", "name": "logger"}


class SafeJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks never quote a database error's message (secre/log_filters.py)."""

    def formatException(self, ei) -> str:  # noqa: N802 (logging's naming)
        return format_exception(ei)


def json_formatter() -> JsonFormatter:
    """The one JSON line format of the app and gunicorn (UTC RFC 3339 timestamps)."""
    formatter = SafeJsonFormatter(JSON_FIELDS, rename_fields=RENAMED, datefmt="%Y-%m-%dT%H:%M:%S%z")
    formatter.converter = time.gmtime
    return formatter


class RequestContextFilter(logging.Filter):
    """Put the current request's ids on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in acting.current().log_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RequestLogMiddleware:
    """Outermost middleware: times the request and logs one ``request`` line after it."""

    logger = logging.getLogger("secre.request")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with acting.acting_as(origin="system"):
            response = self.get_response(request)
            self.logger.info(
                "request",
                extra={
                    "method": request.method,
                    "route": route_template(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    **acting.current().log_ids(),
                },
            )
        return response


class GunicornJsonLogger(glogging.Logger):
    """gunicorn's logger writing JSON lines; the access line carries no path (personal data)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(json_formatter())
        self.error_log.addFilter(RedactGunicornRequest())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        self.access_log.info(
            "access",
            extra={
                "method": environ.get("REQUEST_METHOD"),
                "status": resp.status_code,
                "duration_ms": round(request_time.total_seconds() * 1000, 2),
                "request_id": headers.get("x-request-id"),
                "bytes": getattr(resp, "sent", None),
            },
        )
