"""Idempotent retries of POSTs (IETF draft-ietf-httpapi-idempotency-key-header; Stripe's behaviour).

n8n's "Retry On Fail" resends the identical POST after a timeout or any error. With an
``Idempotency-Key`` header (an RFC 8941 string, quoted or bare, at most 255 characters) scoped to
(tenant, API key, Idempotency-Key) — the draft's "unique per client": the same Idempotency-Key from
another key of the tenant is a fresh request, so a replay, which runs before DRF's permission checks,
can never hand one key a response another key was allowed to get:

* a successful (2xx) response — status and body — is stored in the same transaction as the change
  and replayed for 24 hours to a retry with the same body ("same" = the same canonical JSON after
  dialect normalisation: camelCase and snake_case spellings are one body);
* the same key with another body is a 422 ``idempotency_key_reused``;
* a retry that arrives while the first is still running is a 409 ``idempotency_in_progress``
  (``pg_try_advisory_xact_lock`` on (tenant, API key, key) detects it without waiting);
* a request that fails stores nothing, so its retry simply runs again;
* responses that carry a secret once (new API keys, webhook secrets) are never stored; a retry
  there is a 409 ``idempotency_not_replayable``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

import humps
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from secre.parsers import json_document
from secre.problems import Problem, problem_response_for
from tenants.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAY_WINDOW = timedelta(hours=24)
MAX_LENGTH = 255
_BARE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # printable ASCII without quote and backslash
_QUOTED = re.compile(r'^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$')


class InvalidIdempotencyKey(Problem):
    """400: the Idempotency-Key header is not an RFC 8941 string of 1 to 255 characters."""

    default_code = "validation_error"
    title = "Validation failed"
    default_detail = "Idempotency-Key must be a string of 1 to 255 printable characters."


class IdempotencyKeyReused(Problem):
    """422: this key was used for a different request body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    title = "Idempotency key reused"
    default_detail = "This Idempotency-Key was used with a different request; use a new key."


class IdempotencyInProgress(Problem):
    """409: the first request with this key is still running; retry shortly."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_in_progress"
    title = "Request in progress"
    default_detail = "A request with this Idempotency-Key is still running; retry shortly."


class IdempotencyNotReplayable(Problem):
    """409: the first response carried a secret, which is never stored, so it cannot be replayed."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_not_replayable"
    title = "Response not replayable"
    default_detail = "The first response with this Idempotency-Key carried a secret and is not stored."


def parse_key(raw: str) -> str:
    """The key from the header value: a quoted RFC 8941 string (unescaped) or a bare token."""
    value = raw.strip()
    quoted = _QUOTED.match(value)
    if quoted:
        value = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif not _BARE.match(value):
        value = ""
    if not 1 <= len(value) <= MAX_LENGTH:
        raise InvalidIdempotencyKey(
            errors=[{"field": HEADER, "message": InvalidIdempotencyKey.default_detail, "code": "invalid"}]
        )
    return value


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the route and the canonical body (top-level keys camelCased, sorted)."""
    try:
        body = json_document(request.body or b"null")
    except APIException:  # the view's parser refuses it with its own 4xx
        canonical = request.body.decode("utf-8", "replace")
    else:
        if isinstance(body, dict):
            body = {humps.camelize(key): value for key, value in body.items()}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    route = request.path_info.rstrip("/")
    return hashlib.sha256(f"{request.method} {route}\n{canonical}".encode()).hexdigest()


def mark_secret(response: HttpResponse) -> HttpResponse:
    """Views whose response carries a secret shown once call this: it is never stored for replay."""
    response.carries_secret = True
    return response


class IdempotencyMiddleware:
    """Runs inside the tenancy middleware's transaction, for tenant-key POSTs with the header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = getattr(request, "api_client", None)
        raw = request.headers.get(HEADER)
        if request.method != "POST" or raw is None or client is None or client.is_platform:
            return self.get_response(request)
        try:
            key = parse_key(raw)
            replay = self._replay(request, client=client, key=key)
        except Problem as exc:
            return problem_response_for(exc, request)
        if replay is not None:
            return replay
        response = self.get_response(request)
        if 200 <= response.status_code < 300:
            self._store(request, response, client=client, key=key)
        return response

    def _replay(self, request: HttpRequest, *, client, key: str) -> HttpResponse | None:
        lock = f"secre:idempotency:{client.tenant.id}:{client.api_key_id}:{key}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [lock])
            if not cursor.fetchone()[0]:
                raise IdempotencyInProgress()
        request.idempotency_fingerprint = fingerprint(request)
        record = IdempotentRequest.objects.filter(api_key_id=client.api_key_id, key=key).first()
        if record is None:
            return None
        if record.expires_at <= timezone.now():
            record.delete()
            return None
        if record.fingerprint != request.idempotency_fingerprint:
            raise IdempotencyKeyReused()
        if not record.replayable:
            raise IdempotencyNotReplayable()
        if record.status_code == status.HTTP_204_NO_CONTENT:
            response = HttpResponse(status=record.status_code)
        else:
            response = JsonResponse(record.response_body, status=record.status_code, safe=False)
        response["Idempotent-Replayed"] = "true"
        return response

    def _store(self, request: HttpRequest, response: HttpResponse, *, client, key: str) -> None:
        replayable = not getattr(response, "carries_secret", False)
        body = None
        if replayable:
            try:
                body = json.loads(response.content or b"null")
            except ValueError:
                replayable = False
        now = timezone.now()
        IdempotentRequest.objects.create(
            tenant_id=client.tenant.id,
            api_key_id=client.api_key_id,
            key=key,
            fingerprint=request.idempotency_fingerprint,
            status_code=response.status_code,
            response_body=body,
            replayable=replayable,
            created_at=now,
            expires_at=now + REPLAY_WINDOW,
        )
