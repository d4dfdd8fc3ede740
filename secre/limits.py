"""What the API accepts as a request body, checked before anything reads it: its size and its type."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.settings import api_settings
from rest_framework.utils.mediatypes import media_type_matches

from secre import surfaces
from secre.problems import PayloadTooLarge, UnsupportedMediaType, problem_response_for


class RequestBodyMiddleware:
    """For API requests (``/v1`` and every surface of secre/surfaces.py), whatever the method:

    * a ``Content-Length`` over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) is a 413 ``payload_too_large``
      (Django would raise RequestDataTooBig at the first read: a 400 or a 500 depending on who reads
      first); bodies without a length are capped by the JSON parser (secre/parsers.py);
    * a non-empty body that is not ``application/json`` (the parsers' media types) is a 415
      ``unsupported_media_type`` — also on GET and DELETE, where it would otherwise be ignored unread.
      A surface may accept other media types (``/fhir/R4``: ``application/fhir+json`` too).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.media_types = [parser.media_type for parser in api_settings.DEFAULT_PARSER_CLASSES]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        surface = surfaces.surface_for(request)
        if surface is None:
            return self.get_response(request)
        media_types = self.media_types if surface.media_types is None else surface.media_types
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            response = problem_response_for(PayloadTooLarge(), request)
            response["Connection"] = "close"  # the unread body is not read
            return response
        has_body = length > 0 or "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        content_type = request.META.get("CONTENT_TYPE", "")
        if has_body and not any(media_type_matches(accepted, content_type) for accepted in media_types):
            return problem_response_for(UnsupportedMediaType(), request)
        return self.get_response(request)
