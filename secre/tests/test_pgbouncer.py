"""Secre behind PgBouncer in transaction pooling mode (secre/pgbouncer.py), as deployed: gunicorn's
connections go through a private PgBouncer to this session's test database with the settings
docs/scaling.md prescribes, and one server connection serves every transaction of both tenants.

Requests alternate between two tenants (reads, writes, the key resolver) and every response stays
inside its own tenant: the tenant is ``set_config(..., true)`` per transaction, never session state.
Then a console sign-in (the sign-in pool's role, django-axes' records, the session) works through
the pooler. ``make test`` sends 1,000 requests; ``make test-pgbouncer`` (CI) 10,000
(``SECRE_PGBOUNCER_REQUESTS``). Skips when Debian's ``pgbouncer`` is missing (``apt-get install
pgbouncer``; CI's .ci/run installs it).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from patients.tests.factories import PatientFactory
from secre import pgbouncer
from secre.tests.children import pgbouncer_env, pgbouncer_server, start_gunicorn, stop
from tenants import roles
from tenants.tests.factories import STAFF_PASSWORD, TenantFactory, make_api_key, make_staff

pytestmark = [
    pytest.mark.pgbouncer,
    pytest.mark.usefixtures("committed_db"),
    pytest.mark.skipif(
        pgbouncer.binary() is None, reason="Debian's pgbouncer is not installed: apt-get install pgbouncer"
    ),
]

REQUESTS = int(os.environ.get("SECRE_PGBOUNCER_REQUESTS", "1000"))
CLIENTS = 4  # concurrent client threads (gunicorn runs 2 sync workers)
POOL_SIZE = 1  # one server connection per role: every transaction of both tenants shares it
PREFIXES = ("71", "72")  # document numbers of tenant A's and tenant B's patients


def _request(port: int, method: str, path: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"X-Api-Key": key}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body), "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def _check(port: int, n: int, tenants: list[dict]) -> str | None:
    """Request ``n`` (tenant ``n % 2``): what is wrong with its response, or None."""
    tenant = tenants[n % 2]
    kind = (n // 2) % 50
    if kind == 0:  # a write, inside the tenant (WITH CHECK) and visible to the reads after it
        document = f"{tenant['prefix']}{n:08d}"
        status, body = _request(
            port,
            "POST",
            "/v1/patients",
            tenant["key"],
            {"firstName": "Pool", "firstLastName": "Bouncer", "documentTypeId": 1, "documentNumber": document},
        )
        if status != 201 or body.get("documentNumber") != document:
            return f"#{n} POST: {status}"
    elif kind % 2:
        status, body = _request(port, "GET", "/v1/me", tenant["key"])
        if status != 200 or body.get("tenantId") != tenant["id"]:
            return f"#{n} /v1/me: {status} for tenant {body.get('tenantId')}, expected {tenant['id']}"
    else:
        status, body = _request(port, "GET", "/v1/patients?pageSize=100", tenant["key"])
        documents = [row["documentNumber"] for row in (body or {}).get("results", [])] if status == 200 else []
        if status != 200 or not documents or any(not d.startswith(tenant["prefix"]) for d in documents):
            return f"#{n} /v1/patients: {status}, {len(documents)} rows, foreign: {[d[:2] for d in documents]}"
    return None


def _pool_stats(bouncer: pgbouncer.PgBouncer) -> list[dict]:
    """PgBouncer's SHOW POOLS (its admin console speaks the simple query protocol only)."""
    with psycopg.connect(
        host=bouncer.host,
        port=bouncer.port,
        dbname="pgbouncer",
        user=pgbouncer.RUNTIME_ROLE,
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    ) as connection:
        cursor = connection.execute("SHOW POOLS")
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _Console:
    """A browser's share of the console: cookies, CSRF tokens from forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:  # noqa: S310 (a local test server)
            return response.status, response.geturl(), response.read().decode()

    def sign_in(self, username: str, password: str) -> tuple[int, str, str]:
        _, _, page = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        request = urllib.request.Request(  # noqa: S310
            self.base + "/admin/login/?next=/admin/", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with self.opener.open(request, timeout=30) as response:  # noqa: S310
            return response.status, response.geturl(), response.read().decode()


def test_requests_of_two_tenants_through_pgbouncer_stay_in_their_tenant_and_staff_sign_in(tmp_path):
    clinics = [TenantFactory(name="Clínica Pool A"), TenantFactory(name="Clínica Pool B")]
    tenants = []
    for clinic, prefix in zip(clinics, PREFIXES, strict=True):
        _, key = make_api_key(clinic, scopes=["read", "write"])
        PatientFactory(tenant=clinic, first_last_name=f"Pooled{prefix}", document_number=f"{prefix}99999999")
        tenants.append({"id": str(clinic.id), "key": key, "prefix": prefix})
    staff = make_staff(clinics[0], roles.OWNER, username=f"pool-owner-{clinics[0].id.hex}")

    bouncer = pgbouncer.PgBouncer(pgbouncer_server(), pool_size=POOL_SIZE, stats_users=(pgbouncer.RUNTIME_ROLE,))
    with bouncer:
        server, base = start_gunicorn(
            tmp_path / "gunicorn.log",
            **pgbouncer_env(bouncer),
            CONN_MAX_AGE="60",  # persistent connections to the pooler, as in production
            GUNICORN_ACCESS_LOG="false",
            LOG_LEVEL="WARNING",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
        )
        try:
            port = int(base.rsplit(":", 1)[1])
            started = time.monotonic()
            failures: list[str] = []
            lock = threading.Lock()

            def run(first: int) -> None:
                for n in range(first, REQUESTS, CLIENTS):
                    problem = _check(port, n, tenants)
                    if problem:
                        with lock:
                            failures.append(problem)

            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(run, range(CLIENTS)))
            elapsed = time.monotonic() - started
            assert failures == [], f"{len(failures)} of {REQUESTS} responses wrong: {failures[:10]}"
            print(f"{REQUESTS} requests through PgBouncer in {elapsed:.1f}s ({REQUESTS / elapsed:.0f}/s)")

            # Multiplexed: gunicorn's two workers each hold a client connection; one server connection served them.
            runtime_pool = next(
                row
                for row in _pool_stats(bouncer)
                if row["database"] == bouncer.server.dbname and row["user"] == pgbouncer.RUNTIME_ROLE
            )
            servers = sum(runtime_pool[k] for k in ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"))
            assert servers <= POOL_SIZE and runtime_pool["cl_active"] + runtime_pool["cl_waiting"] >= 2, runtime_pool

            # The console through the pooler: a wrong password (django-axes records it through the
            # sign-in pool), then the right one; the staff member sees their clinic's patients only.
            console = _Console(base)
            assert console.sign_in(staff.username, "not-the-password")[1].endswith("/admin/login/?next=/admin/")
            status, url, page = console.sign_in(staff.username, STAFF_PASSWORD)
            assert status == 200 and url == f"{base}/admin/", page[:300]
            status, _, page = console.get("/admin/patients/patient/")
            assert status == 200 and "Pooled71" in page and "Pooled72" not in page
        finally:
            stop(server)
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
