"""OpenAPI helpers shared by every app: the problem-details schema and standard error responses."""

from __future__ import annotations

from drf_spectacular.drainage import set_override
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from secre.path_params import DOCUMENT_NUMBER

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
UNAUTHENTICATED = problem(
    "authentication_failed: missing, malformed, unknown, revoked or expired key (X-Api-Key or Bearer)."
)
NOT_FOUND = problem("not_found: no such object in this tenant.")
COMMON_ERRORS = {401: UNAUTHENTICATED}

_PAGES: dict[type, object] = {}


def paged(serializer_class: type[serializers.Serializer]):
    """The envelope a paged list answers (secre/pagination.py): ``{"results": [...], "next": url|null,
    "previous": url|null}``, one component per item type (``PatientPage`` for PatientSerializer)."""
    if serializer_class not in _PAGES:
        name = serializer_class.__name__.removesuffix("Serializer")
        page = inline_serializer(
            name=f"{name}Page",
            fields={
                "results": serializer_class(many=True),
                "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
                "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null."),
            },
        )
        # A list action's response is the envelope itself, not a list of envelopes.
        _PAGES[serializer_class] = set_override(page, "many", False)
    return _PAGES[serializer_class]


# Swagger UI groups operations by resource: the first path prefix that matches names the tag.
TAGS_BY_PATH = (
    ("/v1/patients", "Patients"),
    ("/v1/doctors", "Doctors"),
    ("/v1/doctor-availability", "Availability"),
    ("/v1/appointments", "Appointments"),
    ("/v1/lookups", "Catalogs"),
    ("/v1/auth", "Keys"),
    ("/v1/me", "Keys"),
    ("/v1/webhooks", "Webhooks"),
    ("/v1/audit-events", "Audit"),
    ("/v1/tenants", "Platform"),
    ("/v1/admin", "Platform"),
)
TAGS = [
    {"name": "Patients", "description": "Patients of the clinic, found by id, document, phone, email or name."},
    {"name": "Doctors", "description": "Doctors (FHIR Practitioner) of the clinic."},
    {"name": "Availability", "description": "Weekly rules, blocked time, closed days, free slots."},
    {"name": "Appointments", "description": "Booking, rescheduling, confirming, cancelling."},
    {
        "name": "Catalogs",
        "description": "Lookups: document types, genders, EPS, and the clinic's appointment types, modalities, sites.",
    },
    {"name": "Keys", "description": "The calling key (me) and the clinic's API keys."},
    {"name": "Webhooks", "description": "Endpoints that receive events, and their deliveries."},
    {"name": "Audit", "description": "Who changed what, when."},
    {"name": "Platform", "description": "Onboarding clinics (platform keys only)."},
]


def problem_media_type(result, generator, request, public):
    """Postprocessing hook: every error response is ``application/problem+json`` (RFC 9457), as served;
    drf-spectacular would list the renderer's ``application/json``."""
    for item in result["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue  # an item's "parameters"
            for status_code, response in (operation.get("responses") or {}).items():
                content = response.get("content") or {}
                if str(status_code) >= "400" and "application/json" in content:
                    content.setdefault("application/problem+json", content.pop("application/json"))
    return result


def resource_tags(result, generator, request, public):
    """Postprocessing hook: the tags' order and descriptions in Swagger UI."""
    result["tags"] = TAGS
    return result


def tag_for(path: str) -> str:
    """The resource tag of an operation's path (``/v1/doctors/{id}`` → ``Doctors``)."""
    for prefix, tag in TAGS_BY_PATH:
        if path == prefix or path.startswith(prefix + "/"):
            return tag
    return "Platform"  # a path outside the table: the service's own (health, schema)


def document_path_parameters(whose: str) -> list[OpenApiParameter]:
    """``{documentTypeId}/{documentNumber}`` as the by-document routes read them (secre/path_params.py):
    a type id 1-32767 and a number of 1-32 letters, digits or hyphens (anything else names no one: 404)."""
    return [
        OpenApiParameter(
            "documentTypeId",
            {"type": "integer", "minimum": 1, "maximum": 32767},
            OpenApiParameter.PATH,
            description=f"{whose} document type id (1 = CC; /v1/lookups/document-types).",
        ),
        OpenApiParameter(
            "documentNumber",
            {"type": "string", "pattern": DOCUMENT_NUMBER.pattern},
            OpenApiParameter.PATH,
            description=f"{whose} document number.",
        ),
    ]


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
