"""Rate limits (django-ratelimit on Redis): per tenant, and for failed authentications per address.

* Per tenant, not per raw header (which would give every random bad key its own bucket): the
  tenant's ``rate_limit`` (e.g. ``"1200/m"``) or ``RATE_LIMIT_TENANT`` (default ``600/m``).
* Failed authentications per client address (tenants/client_ip.py): ``RATE_LIMIT_AUTH_FAILURES``
  (default ``30/m``). Only requests whose key fails are refused by it: behind a load balancer many
  clinics share one address, and a valid key is never refused because of someone else's bad ones.
* A limited request is a 429 ``rate_limited`` with ``Retry-After`` (seconds).
* Enabled by ``RATELIMIT_ENABLED``. Redis errors are ignored (django-redis ``IGNORE_EXCEPTIONS``,
  logged) and ``RATELIMIT_FAIL_OPEN`` lets requests through: an outage never locks clinics out.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django_ratelimit.core import get_usage
from rest_framework import status

from secre.problems import Problem
from tenants.client_ip import client_ip

RATE = re.compile(r"^\d{1,6}/(s|m|h|d)$")


class RateLimited(Problem):
    """429: too many requests; retry after ``Retry-After`` seconds."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    title = "Too many requests"
    default_detail = "Too many requests; retry after the number of seconds in Retry-After."


def validate_rate(value: str) -> None:
    """A django-ratelimit rate: ``<count>/<s|m|h|d>``."""
    if not RATE.match(value or ""):
        raise ValidationError("A rate like 600/m (per s, m, h or d).", code="invalid_rate")


def _usage(request, *, group: str, key: str, rate: str, increment: bool):
    return get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment)


def _retry_after(usage) -> int | None:
    if usage and usage["should_limit"]:
        return max(1, int(usage["time_left"]))
    return None


def tenant_retry_after(request, *, tenant_id, rate: str | None) -> int | None:
    """Count this request against its tenant; seconds to wait when over the limit, else None."""
    if not settings.RATELIMIT_ENABLED:
        return None
    usage = _usage(
        request, group="secre.tenant", key=str(tenant_id), rate=rate or settings.RATE_LIMIT_TENANT, increment=True
    )
    return _retry_after(usage)


def auth_failures_retry_after(request) -> int | None:
    """Count one failed authentication from the request's client address; seconds to wait when the
    address is over the limit (the failed request is then a 429 instead of a 401), else None."""
    if not settings.RATELIMIT_ENABLED:
        return None
    address = client_ip(request) or ""
    usage = _usage(
        request, group="secre.auth-failures", key=address, rate=settings.RATE_LIMIT_AUTH_FAILURES, increment=True
    )
    return _retry_after(usage)
