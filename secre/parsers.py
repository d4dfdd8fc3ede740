"""The API's JSON parser: DRF's, refusing documents nested too deeply before Python's parser recurses
into them (a RecursionError would be a 500)."""

from __future__ import annotations

import json
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` nests objects and arrays deeper than ``limit`` (strings are skipped; a
    malformed document is left to the parser to refuse)."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies; nested more than MAX_DEPTH levels is a 400 ``malformed_request``."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode((parser_context or {}).get("encoding") or "utf-8")
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8 text.") from None
        if nesting_exceeds(text):
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {type(exc).__name__}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
