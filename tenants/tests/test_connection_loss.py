"""An API request pays no health-check round trip, and still survives a persistent connection that
died between requests (tenants/middleware.py: the key resolver's statement finds it dead, the
request starts again once on a new connection).

Production's request_started signal makes Django re-check a persistent connection before the next
request's first statement (``health_check_done = False``, CONN_HEALTH_CHECKS); Django's test client
disconnects that signal, so each test sets the flag as it would be."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from tenants import middleware
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.usefixtures("committed_db")


def _client() -> APIClient:
    _, key = make_api_key(TenantFactory())
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def checks(monkeypatch):
    """Every health check Django makes on the default connection (``is_usable``: a SELECT 1)."""
    made: list[bool] = []
    real = connection.is_usable

    def is_usable():
        made.append(True)
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    return made


def test_an_api_request_sends_no_health_check(checks):
    client = _client()
    assert client.get("/v1/me").status_code == 200
    connection.health_check_done = False  # what request_started does between requests
    assert client.get("/v1/me").status_code == 200
    assert checks == []


def test_a_connection_that_died_between_requests_is_replaced(checks):
    client = _client()
    assert client.get("/v1/me").status_code == 200
    dead_pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [dead_pid]).fetchone() == (True,)
    connection.health_check_done = False
    response = client.get("/v1/me")
    assert response.status_code == 200, response.content
    assert connection.connection.info.backend_pid != dead_pid
    assert checks == []  # the resolver's statement found it dead, not Django's check
    assert client.get("/v1/patients").status_code == 200


def test_a_failure_on_a_live_connection_is_not_retried(monkeypatch):
    """A statement that fails while the connection is fine (here: a resolver that raises) is the
    request's error, answered once: not sent twice."""
    calls = []

    def failing(presented, *, enter_tenant=False):
        calls.append(presented)
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(middleware, "resolve_api_key", failing)
    client = _client()
    client.raise_request_exception = False
    assert client.get("/v1/me").status_code == 500
    assert len(calls) == 1
