"""Sets the audit context of each request (after the tenancy middleware has resolved the caller)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import audit_context
from tenants.client_ip import client_ip


class AuditContextMiddleware:
    """API requests are recorded with their key id, console requests with the staff member;
    both with the request id and the client's address (from the trusted proxy chain)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = getattr(request, "api_client", None)
        user = getattr(request, "user", None)
        with audit_context(
            origin="api" if client is not None else "console",
            request_id=getattr(request, "request_id", None),
            api_key_id=getattr(client, "api_key_id", None),
            actor=user if client is None else None,
            remote_addr=client_ip(request),
        ):
            return self.get_response(request)
