"""The API's JSON parser: DRF's, refusing before Python or PostgreSQL would fail on the document.

* larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 ``payload_too_large`` (read no further);
* not UTF-8, or nested more than :data:`MAX_DEPTH` levels: 400 ``malformed_request`` (a document nested
  thousands deep would otherwise exhaust Python's recursion);
* a string (or key) holding NUL (``\\u0000``) or a lone surrogate, which PostgreSQL refuses in text and
  jsonb: 400 ``validation_error`` naming where it is (``customFields.nota``);
* ``NaN`` and ``Infinity``, which are not JSON: 400 ``malformed_request``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from secre.problems import PayloadTooLarge

MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def nesting_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` nests objects and arrays deeper than ``limit`` (strings are skipped; a
    malformed document is left to the parser to refuse)."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def unstorable_text(document: Any) -> str | None:
    """The path (``a.b.0``) of the first string or key PostgreSQL cannot store, or None. Iterative."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    return path or "body"
                stack.append((child_path, child))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(value))
    return None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_document(raw: bytes) -> Any:
    """``raw`` parsed with every rule above (for the parser, and anyone reading a body before it)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("The body is not UTF-8 text.") from None
    if nesting_exceeds(text):
        raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"JSON parse error - {type(exc).__name__}") from None
    path = unstorable_text(document)
    if path is not None:
        message = "Text may not contain NUL characters or unpaired surrogates."
        raise ValidationError({path: [message]}, code="invalid_characters")
    return document


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies, refused as described in the module docstring."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        return json_document(raw)
