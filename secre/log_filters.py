"""Logging filters that keep personal data out of log lines."""

import logging


class RedactRequestPath(logging.Filter):
    """Replace the raw request path in ``django.request`` records by its route template.

    Django logs every 4xx/5xx as ``"<reason>: <path>"``, and Secre's paths carry document numbers
    (``/v1/patients/by-document/1/12345678``). The route (``v1/patients/by-document/...``) is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple):
            match = getattr(request, "resolver_match", None)
            route = getattr(match, "route", None) or "[path redacted]"
            record.args = tuple(route if arg == path else arg for arg in record.args)
        return True
