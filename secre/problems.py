"""RFC 9457 problem details: the one error shape of every 4xx and 5xx Secre returns.

Every error has a stable machine-readable ``code`` (catalogue: docs/errors.md). The same body is
built here for all sources: DRF views (through drf-standardized-errors with the formatter in
secre/problem_handlers.py), the tenancy middleware, and Django's 404/500 handlers::

    {"type": "urn:secre:problem:not_found", "title": "Not found", "status": 404,
     "detail": "...", "code": "not_found", "requestId": "...",
     "errors": [{"field": "documentNumber", "message": "...", "code": "required"}]}   # validation only

Domain errors subclass :class:`Problem` in the app that owns the rule (for example
``patients.errors.PatientExists``) and may add members (``existingPatientId``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status

from secre import surfaces

PROBLEM_CONTENT_TYPE = "application/problem+json"


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


class InvalidCursor(Problem):
    """400: the pagination ``cursor`` is not one this API gave out (undecodable or crafted)."""

    default_code = "invalid_cursor"
    title = "Invalid cursor"
    default_detail = "The cursor is not valid; follow the next or previous link of a page."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        extra.setdefault("errors", [{"field": "cursor", "message": detail or self.default_detail, "code": "invalid"}])
        super().__init__(detail, **extra)


class PayloadTooLarge(Problem):
    """413: the request body is larger than the API accepts (``DATA_UPLOAD_MAX_MEMORY_SIZE``)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    title = "Payload too large"
    default_detail = "The request body is too large."


class UnsupportedMediaType(Problem):
    """415: a request body that is not ``application/json``."""

    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    title = "Unsupported media type"
    default_detail = "The request body must be application/json."


class AuthenticationFailed(Problem):
    """401: missing, malformed, unknown, revoked or expired API key, or an inactive tenant."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "authentication_failed"
    title = "Authentication failed"
    default_detail = "A valid API key is required (X-Api-Key, or Authorization: Bearer <key>)."


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
        # A problem's own members are never overwritten by its extras.
        body.update({name: value for name, value in extra.items() if name not in body or name == "errors"})
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
) -> HttpResponse:
    """A plain Django response carrying a problem body (for middleware and Django handlers), in the
    format of the request's API surface (secre/surfaces.py: a FHIR OperationOutcome under /fhir/R4)."""
    body = problem_body(status_code=status_code, code=code, title=title, detail=detail, request=request, extra=extra)
    return render_problem(body, status_code=status_code, request=request, headers=headers)


def render_problem(
    body: dict[str, Any], *, status_code: int, request: HttpRequest | None, headers: dict[str, str] | None = None
) -> HttpResponse:
    """The response for a problem ``body``: ``application/problem+json``, unless the request's surface
    renders problems its own way (secre/surfaces.py ``problem_renderer``)."""
    surface = surfaces.surface_for(request)
    if surface is not None and surface.problem_renderer is not None:
        return surface.problem_renderer(body, status_code, headers)
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def problem_response_for(exc: Problem, request: HttpRequest | None) -> HttpResponse:
    """Render a :class:`Problem` outside DRF (middleware)."""
    return problem_response(
        status_code=exc.status_code,
        code=exc.default_code,
        title=exc.title,
        detail=str(exc.detail),
        request=request,
        **exc.extra,
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler (for example a Host header outside ALLOWED_HOSTS)."""
    return problem_response(
        status_code=400,
        code="bad_request",
        title="Bad request",
        detail="The request is not acceptable.",
        request=request,
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 403 handler (for example a failed CSRF check outside the API)."""
    return problem_response(
        status_code=403, code="permission_denied", title="Permission denied", detail="Forbidden.", request=request
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler (unknown URLs outside DRF)."""
    return problem_response_for(NotFound("No such endpoint."), request)


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: a bug, reported without internals."""
    return problem_response(
        status_code=500,
        code="server_error",
        title="Internal server error",
        detail="An unexpected error occurred; it has been logged with this request id.",
        request=request,
    )
