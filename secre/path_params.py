"""Path parameters of the API, validated once: a malformed one is a 400 naming it, never a 500."""

import uuid

from rest_framework.exceptions import ValidationError


def uuid_param(raw: str, field: str = "id") -> uuid.UUID:
    """``{id}``-style path segments: a UUID, else 400 naming ``field``."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({field: ["Must be a UUID."]}, code="invalid") from None


def document_type_param(raw: str) -> int:
    """``{documentTypeId}``: a positive small integer (1 = CC), else 400 naming it."""
    if not raw.isdigit() or not 1 <= int(raw) <= 32767:
        raise ValidationError({"documentTypeId": ["Must be a positive whole number."]}, code="invalid")
    return int(raw)
