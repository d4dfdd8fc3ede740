"""Tenancy-level endpoints: liveness."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

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
