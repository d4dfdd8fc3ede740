"""Path parameters of the API, validated once: a malformed one is a 400 naming it, never a 500."""

import re
import uuid

from rest_framework.exceptions import ValidationError

_DIGITS = re.compile(r"^[0-9]{1,5}$")
# What a document number can be (patients.serializers.DOCUMENT_NUMBER): anything else names no one.
DOCUMENT_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,32}$")


def could_be_document_number(raw: str) -> bool:
    """Whether ``raw`` could be a stored document number (a NUL or an accent cannot: no such document)."""
    return bool(DOCUMENT_NUMBER.match(raw))


def uuid_param(raw: str, field: str = "id") -> uuid.UUID:
    """``{id}``-style path segments: a UUID, else 400 naming ``field``."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({field: ["Must be a UUID."]}, code="invalid") from None


def document_type_param(raw: str) -> int:
    """``{documentTypeId}``: a positive small integer (1 = CC), else 400 naming it."""
    if not _DIGITS.match(raw) or not 1 <= int(raw) <= 32767:
        raise ValidationError({"documentTypeId": ["Must be a positive whole number."]}, code="invalid")
    return int(raw)
