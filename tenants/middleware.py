"""Tenancy middleware: API key -> tenant -> ``app.tenant_id`` on the connection, around the request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from secre.problems import AuthenticationFailed, problem_response_for
from tenants.api_keys import API_KEY_HEADER, api_key_touch, resolve_api_key
from tenants.context import tenant_context

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Under /v1 everything needs a tenant key except the OpenAPI document.
_PUBLIC_API_PATHS = ("/v1/schema",)
# Liveness must answer (503) when the database is down, so it runs outside the request transaction.
_NO_TRANSACTION_PATHS = ("/health", "/health/")


def _needs_api_key(path: str) -> bool:
    if not (path == "/v1" or path.startswith("/v1/")):
        return False
    return not any(path == p or path.startswith(p + "/") for p in _PUBLIC_API_PATHS)


class TenancyMiddleware:
    """Resolve the caller's tenant and run the rest of the request inside its tenant context.

    * ``/v1`` routes need ``X-Api-Key``; a missing, malformed, unknown, revoked or expired key or
      an inactive tenant is a problem+json 401 before any view runs.
    * Every request runs in ``transaction.atomic()`` with ``app.tenant_id`` set (empty when there
      is no tenant: the admin, /health). A response with status >= 400 rolls the transaction back,
      so a DRF error after a write never commits half a request.
    * Sets ``request.request_id`` (the client's sane ``X-Request-ID`` or a new one) and echoes it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        presented_id = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = presented_id if _SANE_REQUEST_ID.match(presented_id) else uuid.uuid4().hex
        request.tenant = None
        request.api_client = None

        if request.path in _NO_TRANSACTION_PATHS:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            return response

        tenant_id = None
        if _needs_api_key(request.path):
            try:
                client = resolve_api_key(request.headers.get(API_KEY_HEADER))
            except AuthenticationFailed as exc:
                response = problem_response_for(exc, request)
                response["WWW-Authenticate"] = API_KEY_HEADER
                response[REQUEST_ID_HEADER] = request.request_id
                return response
            request.tenant = client.tenant
            request.api_client = client
            tenant_id = client.tenant.id

        with tenant_context(tenant_id):
            if request.api_client is not None:
                api_key_touch(client=request.api_client)
            response = self.get_response(request)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
