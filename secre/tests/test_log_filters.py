"""Personal data stays out of Django's request log lines."""

import logging

from django.test import RequestFactory
from django.urls import resolve

from secre.log_filters import RedactRequestPath


def test_request_path_is_replaced_by_the_route():
    request = RequestFactory().get("/v1/patients/by-document/1/12345678")
    request.resolver_match = resolve(request.path)
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "%s: %s", ("Error", request.path), None)
    record.request = request
    assert RedactRequestPath().filter(record)
    message = record.getMessage()
    assert "12345678" not in message
    assert "by-document" in message
