"""Django's floor: bare views issuing the same SQL as pgbench's limit (scripts/bench/limit.py) with no
DRF, no middleware, nothing but the tenant context (``tenants.context.tenant_context``).

Bench only: served by the floor gunicorn with ``DJANGO_SETTINGS_MODULE=scripts.bench.floor_settings``
(never by ``secre.settings``). The ``X-Api-Key`` header carries the bench tenant's *id* here, not a
key: there is no key resolution, as in pgbench's transaction.

* ``GET /floor/patients/<id>``: the patient's row as JSON (every column, ``str`` for what JSON lacks).
* ``POST /floor/patients``: the camelCase POST's statements for the body's ``documentNumber``; 201
  with the new id.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from scripts.bench.limit import POST_STATEMENTS, as_psycopg, read_select
from tenants.context import tenant_context

_READ = as_psycopg(read_select())
_POST = [(as_psycopg(sql), gset) for sql, gset in POST_STATEMENTS]


def _tenant(request: HttpRequest) -> str:
    # The API sends no health-check SELECT 1 before a request (tenants/middleware.py: its first
    # statement finds a dead connection instead); neither does the floor, or it would not be the same SQL.
    connection.health_check_done = True
    return str(UUID(request.headers["X-Api-Key"]))


def patient_read(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    with tenant_context(_tenant(request)), connection.cursor() as cursor:
        cursor.execute(_READ, {"pid": patient_id})
        row = cursor.fetchone()
        names = [column.name for column in cursor.description]
    if row is None:
        return JsonResponse({"detail": "not found"}, status=404)
    return JsonResponse(dict(zip(names, row, strict=True)), json_dumps_params={"default": str})


def patient_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    body = json.loads(request.body)
    params = {"tenant": _tenant(request), "doc": body["documentNumber"]}
    with tenant_context(params["tenant"]), connection.cursor() as cursor:
        for sql, gset in _POST:
            cursor.execute(sql, params)
            if gset:
                params[gset] = cursor.fetchone()[0]
    return JsonResponse({"id": params["pid"]}, status=201)


urlpatterns = [
    path("health", lambda request: HttpResponse("ok")),
    path("floor/patients/<uuid:patient_id>", patient_read),
    path("floor/patients", patient_create),
]
