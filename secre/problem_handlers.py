"""DRF's side of the problem details (secre/problems.py): drf-standardized-errors' formatter and
exception handler, producing the one RFC 9457 body with field names as the request spelled them.

Kept apart from secre/problems.py, which the permission classes import while DRF is still loading
``rest_framework.views`` (drf-standardized-errors imports it back).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from drf_standardized_errors.formatter import ExceptionFormatter, flatten_errors
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.response import Response

from secre import surfaces
from secre.problems import PROBLEM_CONTENT_TYPE, Problem, problem_body, render_problem

logger = logging.getLogger("secre.errors")

# DRF's own exceptions, mapped to catalogue codes and titles.
_DRF_CODES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.ValidationError: ("validation_error", "Validation failed"),
    exceptions.ParseError: ("malformed_request", "Malformed request body"),
    exceptions.AuthenticationFailed: ("authentication_failed", "Authentication failed"),
    exceptions.NotAuthenticated: ("authentication_failed", "Authentication failed"),
    exceptions.PermissionDenied: ("permission_denied", "Permission denied"),
    exceptions.NotFound: ("not_found", "Not found"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "Method not allowed"),
    exceptions.NotAcceptable: ("not_acceptable", "Not acceptable"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "Unsupported media type"),
    exceptions.Throttled: ("rate_limited", "Too many requests"),
}


class ProblemDetailsFormatter(ExceptionFormatter):
    """drf-standardized-errors formatter producing problem details with request-spelled field names."""

    def run(self) -> dict[str, Any]:
        exc = self.exc
        request = self.context.get("request")
        django_request = getattr(request, "_request", request)
        if isinstance(exc, Problem):
            code, title, extra = exc.default_code, exc.title, dict(exc.extra)
            if isinstance(extra.get("errors"), list):
                spelling = getattr(django_request, "field_spelling", {})
                extra["errors"] = [
                    {**error, "field": _request_spelling(error.get("field"), spelling)} for error in extra["errors"]
                ]
        else:
            code, title = _DRF_CODES.get(type(exc), (None, None)) or (None, None)
            extra = {}
            if code is None:
                if status.is_server_error(exc.status_code):
                    code, title = "server_error", "Internal server error"
                else:
                    code, title = str(exc.default_code), "Request failed"
        errors = None
        detail = exc.detail if isinstance(exc.detail, str) else None
        if isinstance(exc, exceptions.ValidationError):
            spelling = getattr(django_request, "field_spelling", {})
            errors = [
                {
                    "field": _request_spelling(error.attr, spelling),
                    "message": error.detail,
                    "code": error.code,
                }
                for error in flatten_errors(exc.detail)
            ]
            detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return problem_body(
            status_code=exc.status_code,
            code=code,
            title=title,
            detail=str(detail if detail is not None else exc.detail),
            request=django_request,
            errors=errors,
            extra=extra,
        )


def _request_spelling(attr: str | None, spelling: dict[str, str]) -> str | None:
    """Map a canonical (camelCase) error path back to the spelling the client sent."""
    if attr is None or attr == "non_field_errors":
        return None
    head, dot, rest = attr.partition(".")
    return spelling.get(head, head) + dot + rest


class ProblemDetailsExceptionHandler(ExceptionHandler):
    """Serve the formatter's body as ``application/problem+json`` (or in the format of the request's API
    surface, secre/surfaces.py: a FHIR OperationOutcome under /fhir/R4); log ids, never paths."""

    def get_response(self, exc: exceptions.APIException, data: Any) -> Response | HttpResponse:
        request = self.context.get("request")
        django_request = getattr(request, "_request", request)
        surface = surfaces.surface_for(django_request)
        if surface is not None and surface.problem_renderer is not None:
            return render_problem(
                data, status_code=exc.status_code, request=django_request, headers=self.get_headers(exc)
            )
        return Response(
            data,
            status=exc.status_code,
            headers=self.get_headers(exc),
            content_type=PROBLEM_CONTENT_TYPE,
        )

    def report_exception(self, exc: exceptions.APIException, response: Response) -> None:
        if status.is_server_error(exc.status_code):
            request = self.context.get("request")
            logger.error(
                "unhandled exception",
                exc_info=self.exc,
                extra={"request_id": getattr(getattr(request, "_request", None), "request_id", None)},
            )
