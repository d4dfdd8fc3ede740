"""A stateless app tier: two gunicorn instances on two ports, sharing this session's test database and
a private Redis, behave as one. A POST retried with the same ``Idempotency-Key`` on the other instance
gets the first response back; the per-tenant rate limit counts requests to both; a key revoked
through one is refused by the other at once; a console session opened on one works on the other.

Skips when Debian's ``redis-server`` is missing (``apt-get install redis-server``; CI's .ci/run
installs it).
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse

import pytest

from secre.tests.children import redis_installed, start_gunicorn, start_redis, stop
from tenants import roles
from tenants.services import tenant_update
from tenants.tests.factories import STAFF_PASSWORD, TenantFactory, make_api_key, make_staff

pytestmark = [
    pytest.mark.usefixtures("committed_db"),
    pytest.mark.skipif(
        not redis_installed(), reason="Debian's redis-server is not installed: apt-get install redis-server"
    ),
]

# The rate-limit test's tenant allows this many requests a day (a day: no window ends mid-test).
DAILY_LIMIT = 6


@pytest.fixture(scope="module")
def instances(django_db_setup, tmp_path_factory):
    """Two gunicorn instances (one worker each) on the test database and one private Redis: their ports."""
    folder = tmp_path_factory.mktemp("instances")
    redis, redis_url = start_redis(folder)
    env = {
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": "true",
        "RATE_LIMIT_TENANT": "1000/d",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    started = []
    try:
        for name in ("a", "b"):
            process, base = start_gunicorn(folder / f"gunicorn-{name}.log", **env)
            started.append((process, int(base.rsplit(":", 1)[1])))
        yield [port for _, port in started]
    finally:
        for process, _ in started:
            stop(process)
        stop(redis)
    for name in ("a", "b"):
        assert "Traceback" not in (folder / f"gunicorn-{name}.log").read_text()


class Response:
    """Status, headers and body of one response."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        """The body, parsed."""
        return json.loads(self.body)


def _send(port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def _api(port: int, method: str, path: str, key: str, payload=None, **headers: str) -> Response:
    headers = {"X-Api-Key": key, **headers}
    body = None
    if payload is not None:
        body, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
    return _send(port, method, path, headers=headers, body=body)


def test_a_post_retried_on_the_other_instance_is_replayed(instances):
    a, b = instances
    _, key = make_api_key(TenantFactory(), scopes=["read", "write"])
    patient = {"firstName": "Rita", "firstLastName": "Reintento", "documentTypeId": 1, "documentNumber": "73000001"}
    first = _api(a, "POST", "/v1/patients", key, patient, **{"Idempotency-Key": "n8n-retry-1"})
    assert first.status == 201 and first.headers.get("Idempotent-Replayed") is None
    retry = _api(b, "POST", "/v1/patients", key, patient, **{"Idempotency-Key": "n8n-retry-1"})
    assert retry.status == 201 and retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    listed = _api(a, "GET", "/v1/patients?documentTypeId=1&documentNumber=73000001", key).json()
    assert [row["id"] for row in listed["results"]] == [first.json()["id"]]


def test_the_tenant_rate_limit_counts_requests_to_both_instances(instances):
    a, b = instances
    tenant = TenantFactory()
    tenant_update(tenant_id=tenant.id, data={"rate_limit": f"{DAILY_LIMIT}/d"})
    _, key = make_api_key(tenant)
    statuses = [_api((a, b)[n % 2], "GET", "/v1/me", key).status for n in range(DAILY_LIMIT)]
    assert statuses == [200] * DAILY_LIMIT
    over = [_api(port, "GET", "/v1/me", key) for port in (a, b)]
    assert [response.status for response in over] == [429, 429]
    assert all(
        response.json()["code"] == "rate_limited" and int(response.headers["Retry-After"]) >= 1 for response in over
    )
    _, other = make_api_key(TenantFactory())
    assert _api(b, "GET", "/v1/me", other).status == 200  # another tenant has its own count


def test_a_key_revoked_through_one_instance_is_refused_by_the_other_at_once(instances):
    a, b = instances
    tenant = TenantFactory()
    _, admin = make_api_key(tenant, name="admin", scopes=["read", "admin"])
    doomed, key = make_api_key(tenant, name="doomed")
    assert [_api(port, "GET", "/v1/me", key).status for port in (a, b)] == [200, 200]
    assert _api(a, "POST", f"/v1/auth/api-keys/{doomed.id}/revoke", admin).status == 200
    refused = _api(b, "GET", "/v1/me", key)
    assert refused.status == 401 and refused.headers["WWW-Authenticate"] == 'X-Api-Key, Bearer realm="secre"'
    assert _api(a, "GET", "/v1/me", key).status == 401
    assert _api(b, "GET", "/v1/me", admin).status == 200


def test_a_console_session_opened_on_one_instance_works_on_the_other(instances):
    a, b = instances
    staff = make_staff(TenantFactory(), roles.OWNER, username=f"twin-{TenantFactory().id.hex}")
    login = _send(a, "GET", "/admin/login/")
    csrf = re.search(r"csrftoken=([^;]+)", login.headers["Set-Cookie"]).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login.body).group(1).decode()
    form = {"csrfmiddlewaretoken": token, "username": staff.username, "password": STAFF_PASSWORD}
    signed_in = _send(
        a,
        "POST",
        "/admin/login/?next=/admin/",
        headers={"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        body=urllib.parse.urlencode(form).encode(),
    )
    assert signed_in.status == 302 and signed_in.headers["Location"] == "/admin/"
    session = re.search(r"sessionid=([^;]+)", ", ".join(signed_in.headers.get_all("Set-Cookie"))).group(1)
    console = _send(b, "GET", "/admin/", headers={"Cookie": f"sessionid={session}"})
    assert console.status == 200 and staff.username.encode() in console.body
    assert _send(b, "GET", "/admin/").status == 302  # and without the cookie, the sign-in page
