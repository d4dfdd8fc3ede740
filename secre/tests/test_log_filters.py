"""Personal data stays out of log lines: request paths and database error messages."""

import logging

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import resolve

from secre.log_filters import PlainFormatter, RedactRequestPath, format_exception
from secre.observability import json_formatter


@pytest.mark.parametrize("path", ["/v1/patients/by-document/1/12345678", "/v1/patients/by-document/1/Mar\u00eda\x00x"])
def test_request_path_is_replaced_by_the_route_whatever_it_holds(path):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(request.path_info)
    escaped = request.path.encode("unicode_escape").decode("ascii")  # what Django's log_response passes
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "%s: %s", ("Not Found", escaped), None)
    record.request = request
    assert RedactRequestPath().filter(record)
    line = json_formatter().format(record)
    for fragment in ("12345678", "Mar", "\\x00", "\\u00ed", escaped):
        assert fragment not in line
    assert "/v1/patients/by-document/{documentTypeId}/{documentNumber}" in line
    assert record.request == "GET /v1/patients/by-document/{documentTypeId}/{documentNumber}"


PATIENT_JSON = '{"nombre": "Gumersinda Zapateiro", "x": "\\u0000"}'


@pytest.mark.django_db
def test_database_error_tracebacks_keep_frames_and_lose_values():
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT %s::jsonb", [PATIENT_JSON])
    except Exception as exc:  # noqa: BLE001
        try:
            raise RuntimeError("while saving") from exc
        except RuntimeError:
            import sys

            exc_info = sys.exc_info()
    text = format_exception(exc_info)
    assert "Gumersinda" not in text and "Zapateiro" not in text
    assert "SQLSTATE 22P05" in text  # untranslatable character
    assert "django.db.utils.DataError" in text and "test_database_error_tracebacks_keep_frames" in text
    assert "direct cause" in text
    # Both formats use it.
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), exc_info)
    for formatter in (json_formatter(), PlainFormatter("%(message)s")):
        line = formatter.format(record)
        assert "Gumersinda" not in line and "SQLSTATE 22P05" in line


def test_other_exceptions_keep_their_messages():
    try:
        raise ValueError("a helpful message")
    except ValueError:
        import sys

        text = format_exception(sys.exc_info())
    assert text.endswith("ValueError: a helpful message")


def test_sql_with_parameters_is_never_logged():
    # django.db.backends logs each query with its parameters at DEBUG level.
    assert logging.getLogger("django.db.backends").getEffectiveLevel() == logging.INFO


@pytest.mark.parametrize("logger", ["django.request", "django.security.csrf"])
def test_every_log_response_record_names_the_route_not_the_path(logger):
    request = RequestFactory().post("/admin/CC-98765432-Gumersinda/")
    record = logging.LogRecord(
        logger, logging.WARNING, __file__, 1, "Forbidden (%s): %s", ("CSRF cookie not set.", request.path), None
    )
    record.request, record.status_code = request, 403
    RedactRequestPath().filter(record)
    line = json_formatter().format(record)
    assert "98765432" not in line and "Gumersinda" not in line and "CSRF cookie not set." in line


def test_gunicorn_error_lines_withhold_the_request_text():
    from secre.log_filters import RedactGunicornRequest

    invalid = logging.LogRecord(
        "gunicorn.error",
        logging.WARNING,
        __file__,
        1,
        "Invalid request from ip=127.0.0.1: Invalid HTTP Version: 'Gumersinda HTTP/1.1'",
        (),
        None,
    )
    failed = logging.LogRecord(
        "gunicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Error handling request %s %s",
        ("GET", "/v1/patients/by-document/1/98765432"),
        None,
    )
    for record in (invalid, failed):
        RedactGunicornRequest().filter(record)
        assert "Gumersinda" not in record.getMessage() and "98765432" not in record.getMessage()
    assert invalid.getMessage().startswith("Invalid request from ip=127.0.0.1")
