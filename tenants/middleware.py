"""Tenancy middleware: API key -> tenant -> ``app.tenant_id`` on the connection, around the request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import nullcontext

from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse

from secre import acting, surfaces
from secre.problems import AuthenticationFailed, PermissionDenied, problem_response_for
from tenants.api_keys import AUTHENTICATE_CHALLENGE, api_key_touch, presented_api_key, resolve_api_key
from tenants.bypass import operator_access
from tenants.client_ip import client_ip
from tenants.context import current_tenant_id, entered_tenant_scope, tenant_context, tenant_setting_restore
from tenants.errors import PlatformKeyRequired, TenantKeyRequired
from tenants.rate_limits import RateLimited, auth_failures_retry_after, tenant_retry_after

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Which API paths need a key is each surface's (secre/surfaces.py: under /v1 all but the OpenAPI
# document, under /fhir/R4 all but the CapabilityStatement); these need a platform key.
_PLATFORM_API_PATHS = ("/v1/tenants", "/v1/admin")
# Liveness must answer (503) when the database is down, so it runs outside the request transaction.
_NO_TRANSACTION_PATHS = ("/health", "/health/", "/health/ready")


_under = surfaces.under


class TenancyMiddleware:
    """Resolve the caller's tenant and run the rest of the request inside its tenant context.

    * API routes (``/v1`` and every surface registered in secre/surfaces.py, e.g. ``/fhir/R4``) need
      an API key, as ``X-Api-Key`` or ``Authorization: Bearer`` (one resolution:
      tenants.api_keys.presented_api_key, then resolve_api_key), except the surface's public paths; a
      missing, malformed, unknown, revoked or expired key, two different keys, or an inactive tenant is
      a 401 before any view runs (problem+json, or the surface's own error format). Requests carry the
      surface's acting origin (``api``, ``fhir``) into logs and audit. Platform routes
      (``/v1/tenants``, ``/v1/admin/...``) need a platform key and tenant routes a tenant key (403
      otherwise).
    * Console (admin) requests run in the signed-in staff member's tenant context; a platform
      operator's also open the operator bypass (tenants.bypass) for the console connection.
    * Every request runs in ``transaction.atomic()`` with ``app.tenant_id`` set (empty when there
      is no tenant). An API response with status >= 400 rolls the transaction back, so a DRF
      error after a write never commits half a request.
    * Rate limits (tenants/rate_limits.py): per tenant, and failed authentications per client
      address (a request with a valid key is never refused by the latter).
    * Sets ``request.request_id`` (the client's sane ``X-Request-ID`` or a new one) and echoes it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        presented_id = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = presented_id if _SANE_REQUEST_ID.match(presented_id) else uuid.uuid4().hex
        request.tenant = None
        request.api_client = None
        acting.bind(request_id=request.request_id)

        if request.path in _NO_TRANSACTION_PATHS:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            return response

        surface = surfaces.surface_for(request)
        if surface is not None and surface.needs_api_key(request.path):
            return self._api_request(request, surface)
        tenant_id = None
        operator = False
        if _under(request.path, ("/admin",)):
            user = getattr(request, "user", None)  # the staff session (AuthenticationMiddleware runs first)
            actor_id = None
            if user is not None and user.is_authenticated and user.is_staff:
                tenant_id = user.tenant_id
                operator = user.is_operator
                actor_id = user.pk
            acting.bind(origin="console", tenant_id=tenant_id, actor_id=actor_id, remote_addr=client_ip(request))

        # The console manages its own transactions (a login lockout answered with 429 must be recorded).
        with tenant_context(tenant_id), operator_access() if operator else nullcontext():
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    def _api_request(self, request: HttpRequest, surface) -> HttpResponse:
        """An API request: its transaction opens first, then one statement resolves the key and enters
        its tenant (tenants.api_keys.resolve_api_key(enter_tenant=True)); any refusal rolls it back.
        Nested in an outer transaction (tests), the outer block's tenant is put back afterwards.

        No health-check round trip first: Django's CONN_HEALTH_CHECKS would send ``SELECT 1`` before
        every request's first statement (a fifth of a point read's round trips). Here the first
        statement is the key resolver, which changes nothing, so a persistent connection found dead
        by it is dropped and the request starts again once on a new one: what the check would have
        done, paid for only when it happens."""
        nested = connection.in_atomic_block or not connection.get_autocommit()
        if nested:
            return self._api_transaction(request, surface, nested=True)
        connection.health_check_done = True  # Django's check for this request: the retry below instead
        try:
            return self._api_transaction(request, surface, nested=False, first_attempt=True)
        except _ConnectionLostError:
            connection.close()
            return self._api_transaction(request, surface, nested=False)

    def _api_transaction(self, request: HttpRequest, surface, *, nested: bool, first_attempt: bool = False):
        with transaction.atomic():
            previous = current_tenant_id() if nested else None
            try:
                try:
                    client = _resolve(request, retry_if_lost=first_attempt)
                except AuthenticationFailed:
                    # Only a failing key counts against, and is refused by, its address's limit.
                    _refuse_if_limited(auth_failures_retry_after(request))
                    raise
                _check_key_kind(client, platform_route=_under(request.path, _PLATFORM_API_PATHS))
                if client.tenant is not None:
                    _refuse_if_limited(
                        tenant_retry_after(request, tenant_id=client.tenant.id, rate=client.tenant.rate_limit)
                    )
            except (AuthenticationFailed, PermissionDenied, RateLimited) as exc:
                transaction.set_rollback(True)  # whatever the resolver's statement entered
                response = problem_response_for(exc, request)
                if isinstance(exc, AuthenticationFailed):
                    response["WWW-Authenticate"] = AUTHENTICATE_CHALLENGE
                if isinstance(exc, RateLimited):
                    response["Retry-After"] = str(exc.extra["retryAfter"])
                response[REQUEST_ID_HEADER] = request.request_id
                return response
            request.tenant = client.tenant
            request.api_client = client
            tenant_id = client.tenant.id if client.tenant else None
            acting.bind(
                origin=surface.origin, tenant_id=tenant_id, api_key_id=client.api_key_id, remote_addr=client_ip(request)
            )
            with entered_tenant_scope(tenant_id):
                api_key_touch(client=client)
                response = self.get_response(request)
            if response.status_code >= 400:
                # An API error after a write commits nothing.
                transaction.set_rollback(True)
            elif nested and not connection.needs_rollback:
                tenant_setting_restore(previous)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class _ConnectionLostError(Exception):
    """The request's first statement found its persistent connection dead (see _api_request)."""


def _resolve(request: HttpRequest, *, retry_if_lost: bool):
    try:
        return resolve_api_key(presented_api_key(request.headers), enter_tenant=True)
    except (OperationalError, InterfaceError):
        if retry_if_lost and _connection_broken():
            raise _ConnectionLostError() from None
        raise


def _connection_broken() -> bool:
    """Whether the default connection's socket is gone (psycopg marks it ``broken``), rather than a
    statement having failed on a healthy connection (a timeout, say: not retried)."""
    raw = connection.connection
    return raw is None or raw.broken


def _refuse_if_limited(retry_after: int | None) -> None:
    if retry_after is not None:
        raise RateLimited(retryAfter=retry_after)


def _check_key_kind(client, *, platform_route: bool) -> None:
    """Platform keys only on platform routes (they read no tenant data); tenant keys only elsewhere."""
    if platform_route and not client.is_platform:
        raise PlatformKeyRequired()
    if client.is_platform and not platform_route:
        raise TenantKeyRequired()
