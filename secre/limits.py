"""Refusing request bodies larger than the API accepts, before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from secre.problems import PayloadTooLarge, problem_response_for


class BodySizeMiddleware:
    """A ``/v1`` request whose ``Content-Length`` exceeds ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) is a
    413 ``payload_too_large`` problem (Django would raise RequestDataTooBig at the first read: a 400 or
    a 500 depending on who reads first). Bodies without a length are capped by the JSON parser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/v1"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                response = problem_response_for(PayloadTooLarge(), request)
                response["Connection"] = "close"  # the unread body is not read
                return response
        return self.get_response(request)
