"""Writes of webhook endpoints: register, change, rotate the secret, remove (tenant context)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils import timezone

from secre.outbound_http import ForbiddenAddressError, check_url
from secre.problems import Problem
from tenants.bypass import operator_access
from webhooks import secrets
from webhooks.models import WebhookEndpoint


class ForbiddenWebhookUrl(Problem):
    """400: the URL is not https (http only where private addresses are allowed), has a port outside
    1-65535, or resolves to an internal address (SSRF protection)."""

    default_code = "forbidden_url"
    title = "URL not allowed"
    default_detail = "Webhook URLs must be public https addresses."


def endpoint_url_check(url: str) -> str:
    """The rules every new or changed webhook URL meets, in the API and the console alike: ``https://``
    (plain ``http://`` only with ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES``, for a local n8n), a port from 1
    to 65535, and a host resolving only to public addresses (secre/outbound_http.py). Endpoints saved
    with ``http://`` before this rule keep working and are flagged (``insecureUrl``). Returns the URL;
    raises ForbiddenWebhookUrl (400 naming ``url``)."""
    try:
        if not url.startswith("https://") and not settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
            raise ForbiddenAddressError("Webhook URLs must use https://.")
        check_url(url)
    except ForbiddenAddressError as exc:
        raise ForbiddenWebhookUrl(
            str(exc), errors=[{"field": "url", "message": str(exc), "code": "forbidden_url"}]
        ) from None
    return url


def endpoint_create(*, tenant, url: str, description: str = "", event_types: list[str] | None = None):
    """Register an endpoint. Returns ``(endpoint, secret)``; the secret is shown once."""
    secret = secrets.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        url=endpoint_url_check(url),
        description=description,
        event_types=sorted(set(event_types or [])),
        secret_encrypted=secrets.encrypt(secret),
    )
    return endpoint, secret


def endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change url, description, event types or ``enabled`` (re-enabling resets the failure count)."""
    if "url" in data and data["url"] != endpoint.url:
        data["url"] = endpoint_url_check(data["url"])
    if "event_types" in data:
        data["event_types"] = sorted(set(data["event_types"]))
    if data.get("enabled") and not endpoint.enabled:
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = ""
    for attr, value in data.items():
        setattr(endpoint, attr, value)
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, grace: timedelta) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing too (both signatures are sent) for ``grace``."""
    secret = secrets.new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = timezone.now() + grace
    endpoint.secret_encrypted = secrets.encrypt(secret)
    endpoint.save()
    return endpoint, secret


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def endpoint_secrets_reencrypt(*, batch_size: int = 500) -> tuple[int, list[str]]:
    """Re-encrypt every endpoint's signing secrets (current and previous) under the first key of
    ``WEBHOOK_SECRETS_KEYS``, in batches of ``batch_size`` rows, each batch its own transaction, so an
    interrupted run is simply run again. Crosses tenants: the operator bypass. Returns ``(rows
    rewritten, ids of endpoints no configured key can decrypt)``; those are left as they are."""
    done, unreadable = 0, []
    last_id = None
    while True:
        with operator_access() as alias:
            endpoints = WebhookEndpoint.objects.using(alias).select_for_update().order_by("id")
            if last_id is not None:
                endpoints = endpoints.filter(id__gt=last_id)
            batch = list(endpoints[:batch_size])
            rewritten = []
            for endpoint in batch:
                try:
                    endpoint.secret_encrypted = secrets.reencrypt(endpoint.secret_encrypted)
                    if endpoint.previous_secret_encrypted:
                        endpoint.previous_secret_encrypted = secrets.reencrypt(endpoint.previous_secret_encrypted)
                except InvalidToken:
                    unreadable.append(str(endpoint.id))
                    continue
                rewritten.append(endpoint)
            WebhookEndpoint.objects.using(alias).bulk_update(
                rewritten, ["secret_encrypted", "previous_secret_encrypted"]
            )
        if not batch:
            return done, unreadable
        done += len(rewritten)
        last_id = batch[-1].id
