"""Writes of webhook endpoints: register, change, rotate the secret, remove (tenant context)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from secre.outbound_http import ForbiddenAddressError, check_url
from secre.problems import Problem
from webhooks import secrets
from webhooks.models import WebhookEndpoint


class ForbiddenWebhookUrl(Problem):
    """400: the URL is not http(s) or resolves to an internal address (SSRF protection)."""

    default_code = "forbidden_url"
    title = "URL not allowed"
    default_detail = "Webhook URLs must be public http(s) addresses."


def _checked(url: str) -> str:
    try:
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
        url=_checked(url),
        description=description,
        event_types=sorted(set(event_types or [])),
        secret_encrypted=secrets.encrypt(secret),
    )
    return endpoint, secret


def endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change url, description, event types or ``enabled`` (re-enabling resets the failure count)."""
    if "url" in data:
        data["url"] = _checked(data["url"])
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
