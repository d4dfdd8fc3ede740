"""Health: ``/health`` (liveness: the database answers) and ``/health/ready`` (readiness: the database,
the migrations and, when rate limits are on, Redis; django-health-check). 503 names what is down."""

from __future__ import annotations

import dataclasses
import inspect

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from redis.asyncio import Redis as AsyncRedis

from secre.problems import problem_response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: ``200 {"status": "ok", "database": "ok"}`` or a 503 problem when the database is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return problem_response(
            status_code=503,
            code="service_unavailable",
            title="Service unavailable",
            detail="The database is not reachable.",
            request=request,
            checks={"database": "down"},
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """Every migration is applied (a deploy that skipped `migrate` is not ready)."""

    def run(self) -> None:
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise ServiceUnavailable("unapplied migrations")

    def __repr__(self) -> str:
        return "migrations"


def readiness(request):
    """``200 {"status": "ready", "checks": {...}}`` or a ``503`` problem naming the failing checks.

    Checks run in this request's thread, one after the other (each has a short timeout).
    """
    checks = [Database(), MigrationsApplied()]
    if settings.RATELIMIT_ENABLED:
        checks.append(Redis(client_factory=lambda: AsyncRedis.from_url(settings.REDIS_URL, socket_connect_timeout=1)))
    states = {}
    for check in checks:
        try:
            if inspect.iscoroutinefunction(check.run):
                async_to_sync(check.run)()
            else:
                check.run()
            states[_name(check)] = "ok"
        except HealthCheckException as exc:
            states[_name(check)] = f"down: {exc.message}"
    down = sorted(name for name, state in states.items() if state != "ok")
    if down:
        return problem_response(
            status_code=503,
            code="service_unavailable",
            title="Service unavailable",
            detail=f"Not ready: {', '.join(down)}.",
            request=request,
            checks=states,
        )
    return JsonResponse({"status": "ready", "checks": states})


def _name(check) -> str:
    return {"Database": "database", "Redis": "redis"}.get(type(check).__name__, repr(check))
