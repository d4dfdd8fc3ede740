"""``customFields``: the tenant's own JSON object on patients, appointments, availability rules and
blocked time, bounded so it cannot grow without limit or break whatever renders it.

* at most ``MAX_BYTES`` (16 KiB) of UTF-8 JSON and ``MAX_DEPTH`` (32) levels of nesting — in the
  request and again after a PATCH is merged into what is stored (RFC 7396 JSON Merge Patch: a key set
  to null is removed), so eight PATCHes cannot add up to 126 KB;
* a violation is a 400 naming ``customFields`` (in the request's spelling), and nothing is written.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import json_merge_patch
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

MAX_BYTES = 16_384
MAX_DEPTH = 32
FIELD = "customFields"


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than ``limit`` (the top-level object is depth 1).
    Iterative: a hostile document cannot exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _problem(value: Any) -> str | None:
    if depth_exceeds(value, MAX_DEPTH):
        return f"At most {MAX_DEPTH} levels of nesting."
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_BYTES:
        return "At most 16 KiB of JSON."
    return None


def custom_fields_validator(value) -> None:
    """The same bounds as a model field validator (the console's forms); a JSON object only."""
    if not isinstance(value, dict):
        raise DjangoValidationError("Must be a JSON object.", code="invalid")
    message = _problem(value)
    if message is not None:
        raise DjangoValidationError(message, code="too_large")


def validate_custom_fields(value: dict) -> dict:
    """Serializer validator of a request's customFields (raises the field's ValidationError)."""
    message = _problem(value)
    if message is not None:
        raise serializers.ValidationError(message, code="too_large")
    return value


def custom_fields_merge(current: dict, patch: dict) -> dict:
    """``patch`` merged into ``current`` per RFC 7396, bounded like a request's value. Raises a DRF
    ValidationError (400) naming ``customFields`` when the result is too large or too deep; ``current``
    is never modified."""
    merged = json_merge_patch.merge(copy.deepcopy(current), copy.deepcopy(patch))
    message = _problem(merged)
    if message is not None:
        detail = {FIELD: [f"After merging with the stored value: {message}"]}
        raise serializers.ValidationError(detail, code="too_large")
    return merged
