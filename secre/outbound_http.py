"""The one outbound HTTP client: timeouts, no redirects, and no requests to internal addresses.

Webhooks go through it, and so will future EHR connectors (seed 000's "retry/backoff utility for
external EHRs": pass ``retries`` — urllib3's ``Retry`` with exponential backoff — for in-process
retries; webhooks persist their retries instead, see webhooks/delivery.py).

SSRF: a URL whose host resolves to a loopback, private, link-local (cloud metadata 169.254.169.254),
multicast, reserved or unspecified address is refused, unless ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES``
(tests, a local n8n). The check runs on the address the socket actually connected to, so a DNS
answer that changes after registration (rebinding) cannot slip through; redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

DEFAULT_TIMEOUT_SECONDS = 15.0
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class ForbiddenAddressError(Exception):
    """The destination is an internal address (SSRF protection)."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes
    duration_ms: int


def address_allowed(address: str) -> bool:
    """Whether Secre may connect to this IP address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False):
        return ip not in _METADATA
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip in _METADATA
    )


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a forbidden address (at
    registration; the connection is checked again when it is made). Raises ForbiddenAddressError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForbiddenAddressError("Only http and https URLs with a host are allowed.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise ForbiddenAddressError(f"The host does not resolve: {exc}") from None
    for info in infos:
        if not address_allowed(info[4][0]):
            raise ForbiddenAddressError("The host resolves to an internal address.")


class _GuardedConnection:
    def connect(self) -> None:
        super().connect()
        peer = self.sock.getpeername()[0]
        if not address_allowed(peer):
            self.close()
            raise ForbiddenAddressError("Connected to an internal address.")


class _GuardedHTTPConnection(_GuardedConnection, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


def _pool_manager() -> urllib3.PoolManager:
    manager = urllib3.PoolManager(num_pools=20, maxsize=4)
    manager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
    return manager


_manager = _pool_manager()


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    retries: Retry | None = None,
) -> OutboundResponse:
    """POST ``body`` to ``url``. Never follows redirects (a 3xx is returned as it is).

    Raises ForbiddenAddressError (internal address) and urllib3's HTTPError subclasses (connection
    refused, timeout, ...). ``retries``: in-process retries with backoff (default: none).
    """
    started = time.perf_counter()
    retry = retries if retries is not None else Retry(total=0, redirect=False, raise_on_redirect=False)
    response = _manager.request(
        "POST",
        url,
        body=body,
        headers=headers,
        timeout=urllib3.Timeout(total=timeout),
        retries=retry,
        redirect=False,
        preload_content=True,
    )
    return OutboundResponse(
        status=response.status, body=response.data[:2048], duration_ms=int((time.perf_counter() - started) * 1000)
    )
