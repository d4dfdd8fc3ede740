"""FHIR's JSON on the wire: the base path, the media types read and answered, ``_format``.

Requests: ``application/fhir+json`` or ``application/json`` bodies (secre/parsers.py's limits: size, depth,
NUL). Responses: ``application/fhir+json`` unless the client asks for ``application/json`` (``Accept`` or
``_format``); ``_format=json`` is FHIR JSON; XML or Turtle is a 406 OperationOutcome.
"""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from fhir_api.outcomes import FHIR_JSON
from secre.parsers import JSONParser

BASE_PATH = "/fhir/R4"
METADATA_PATH = f"{BASE_PATH}/metadata"
FHIR_VERSION = "4.0.1"
MEDIA_TYPES = (FHIR_JSON, "application/json")
# What ``_format`` may say (FHIR http.html#mime-type), and the media type each answers.
_FORMATS = {"json": FHIR_JSON, FHIR_JSON: FHIR_JSON, "application/json": "application/json"}


class FhirJSONParser(JSONParser):
    """``application/fhir+json`` bodies, with the JSON parser's limits."""

    media_type = FHIR_JSON


class FhirJSONRenderer(JSONRenderer):
    """FHIR JSON as ``application/fhir+json`` (the default answer)."""

    media_type = FHIR_JSON
    format = "json"


class PlainJSONRenderer(JSONRenderer):
    """The same JSON as ``application/json``, for clients that ask for it."""

    media_type = "application/json"
    format = "plain-json"


RENDERERS = [FhirJSONRenderer, PlainJSONRenderer]
PARSERS = [FhirJSONParser, JSONParser]


class FhirContentNegotiation(DefaultContentNegotiation):
    """``_format`` first (FHIR's override of ``Accept``), then ``Accept`` as DRF reads it; no DRF ``format``
    parameter (under /fhir/R4 it is just an unknown search parameter)."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)

    def select_renderer(self, request, renderers, format_suffix=None):
        requested = request.query_params.get("_format")
        if requested is not None:
            media_type = _FORMATS.get(requested.strip().split(";")[0].strip())
            renderer = next((r for r in renderers if r.media_type == media_type), None)
            if renderer is None:
                raise NotAcceptable("Only JSON is served: _format=json, application/fhir+json or application/json.")
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, None)
