"""OpenAPI helpers shared by every app: the problem-details schema and standard error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

FieldErrorsSerializer = inline_serializer(
    name="FieldError",
    many=True,
    required=False,
    fields={
        "field": serializers.CharField(allow_null=True, help_text="Field name as the request spelled it."),
        "message": serializers.CharField(),
        "code": serializers.CharField(help_text="Machine-readable reason, e.g. required, invalid."),
    },
)

ProblemSerializer = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(help_text="urn:secre:problem:<code>"),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="Stable error code (docs/errors.md)."),
        "requestId": serializers.CharField(help_text="Same as the X-Request-ID response header."),
        "errors": FieldErrorsSerializer,
    },
)


def problem(description: str) -> OpenApiResponse:
    """An ``application/problem+json`` response with a description listing its codes."""
    return OpenApiResponse(response=ProblemSerializer, description=description)


VALIDATION = problem(
    "validation_error, conflicting_fields, unknown_fields or malformed_request: the errors list names each field."
)
UNAUTHENTICATED = problem("authentication_failed: missing, malformed, unknown, revoked or expired X-Api-Key.")
NOT_FOUND = problem("not_found: no such object in this tenant.")
COMMON_ERRORS = {401: UNAUTHENTICATED}


def paths_without_trailing_slash(result, generator, request, public):
    """Show paths as the contract writes them (``/v1/patients``); both spellings are served."""
    result["paths"] = {
        (path[:-1] if path.endswith("/") and path != "/" else path): item for path, item in result["paths"].items()
    }
    return result


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Retry-safe POST: a retry with the same key and body within 24 hours replays the first 2xx "
        "response (header Idempotent-Replayed: true) instead of running again."
    ),
}


def problem_ref(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
