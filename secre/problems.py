"""RFC 9457 problem details: the one error shape of every 4xx and 5xx Secre returns.

Every error has a stable machine-readable ``code`` (catalogue: docs/errors.md). The same body is
built here for all sources: DRF views (through drf-standardized-errors with the formatter below),
the tenancy middleware, and Django's 404/500 handlers::

    {"type": "urn:secre:problem:not_found", "title": "Not found", "status": 404,
     "detail": "...", "code": "not_found", "requestId": "...",
     "errors": [{"field": "documentNumber", "message": "...", "code": "required"}]}   # validation only

Domain errors subclass :class:`Problem` in the app that owns the rule (for example
``patients.errors.PatientExists``) and may add members (``existingPatientId``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from drf_standardized_errors.formatter import ExceptionFormatter, flatten_errors
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = logging.getLogger("secre.errors")


class Problem(exceptions.APIException):
    """Base of the errors Secre raises on purpose: a status, a stable ``code``, a title.

    ``extra`` keyword arguments become members of the problem body (camelCase names).
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    title = "Bad request"
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.default_detail, self.default_code)
        self.extra = extra


class ConflictingFields(Problem):
    """400: the same field was given twice, in camelCase and in snake_case."""

    default_code = "conflicting_fields"
    title = "Conflicting fields"
    default_detail = "The same field was given in two spellings."


class UnknownFields(Problem):
    """400: the body holds fields this operation does not know (typos would otherwise be ignored)."""

    default_code = "unknown_fields"
    title = "Unknown fields"
    default_detail = "The request contains fields this operation does not accept."


class AuthenticationFailed(Problem):
    """401: missing, malformed, unknown, revoked or expired API key, or an inactive tenant."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "authentication_failed"
    title = "Authentication failed"
    default_detail = "A valid X-Api-Key header is required."


class PermissionDenied(Problem):
    """403: the key may not do this; ``missingScope`` names the scope it lacks."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    title = "Permission denied"
    default_detail = "This API key may not do this."


class NotFound(Problem):
    """404: no such object in this tenant. Another tenant's id is exactly like a missing one."""

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    title = "Not found"
    default_detail = "The requested resource does not exist."


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


def problem_body(
    *,
    status_code: int,
    code: str,
    title: str,
    detail: str,
    request: HttpRequest | None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the RFC 9457 body; ``requestId`` comes from ``request.request_id`` when known."""
    body: dict[str, Any] = {
        "type": f"urn:secre:problem:{code}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        "requestId": getattr(request, "request_id", None),
    }
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def problem_response(
    *,
    status_code: int,
    code: str,
    title: str,
    detail: str,
    request: HttpRequest | None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    """A plain Django response carrying a problem body (for middleware and Django handlers)."""
    body = problem_body(status_code=status_code, code=code, title=title, detail=detail, request=request, extra=extra)
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def problem_response_for(exc: Problem, request: HttpRequest | None) -> JsonResponse:
    """Render a :class:`Problem` outside DRF (middleware)."""
    return problem_response(
        status_code=exc.status_code,
        code=exc.default_code,
        title=exc.title,
        detail=str(exc.detail),
        request=request,
        **exc.extra,
    )


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
    """Serve the formatter's body as ``application/problem+json``; log ids, never paths."""

    def get_response(self, exc: exceptions.APIException, data: Any) -> Response:
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


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 400 handler (for example a Host header outside ALLOWED_HOSTS)."""
    return problem_response(
        status_code=400,
        code="bad_request",
        title="Bad request",
        detail="The request is not acceptable.",
        request=request,
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 403 handler (for example a failed CSRF check outside the API)."""
    return problem_response(
        status_code=403, code="permission_denied", title="Permission denied", detail="Forbidden.", request=request
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 404 handler (unknown URLs outside DRF)."""
    return problem_response_for(NotFound("No such endpoint."), request)


def handler500(request: HttpRequest) -> JsonResponse:
    """Django's 500 handler: a bug, reported without internals."""
    return problem_response(
        status_code=500,
        code="server_error",
        title="Internal server error",
        detail="An unexpected error occurred; it has been logged with this request id.",
        request=request,
    )
