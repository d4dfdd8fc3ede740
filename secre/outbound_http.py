"""The one outbound HTTP client: timeouts, no redirects, capped responses, and no requests aimed inward.

Webhooks go through it, and so will future EHR connectors (seed 000's "retry/backoff utility for
external EHRs": pass ``retries`` — urllib3's ``Retry`` with exponential backoff — for in-process
retries; webhooks persist their retries instead, see webhooks/delivery.py).

SSRF (server-side request forgery):

* The host is resolved **once**; every address it resolves to must be allowed, and the connection is
  made to the address that was checked (TLS still verifies the certificate against the host name, and
  the ``Host`` header carries it). A DNS answer that changes between the check and the connection
  (rebinding) therefore cannot aim a request inward, and no internal port is ever touched, so open and
  closed internal ports cannot be told apart.
* Allowed: globally routable unicast addresses only (``ipaddress``' ``is_global`` and an explicit list
  of special-purpose networks), after unwrapping the IPv4 address inside IPv4-mapped
  (``::ffff:a.b.c.d``), IPv4-compatible, IPv4-translated, 6to4 (``2002::/16``), NAT64 (``64:ff9b::/96``,
  ``64:ff9b:1::/48``) and Teredo forms; site-local ``fec0::/10`` and multicast are refused too.
* Host names are IDNA-encoded (``пример.рф`` → ``xn--e1afmkfd.xn--p1ai``) for resolution, SNI, the
  certificate check and the ``Host`` header.
* ``timeout`` is a deadline for the whole request, the body included: a receiver dripping bytes
  is cut off.
* ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES`` (tests, a local n8n) allows loopback and private addresses, but
  link-local and cloud metadata addresses (``169.254.0.0/16``, ``fe80::/10``, ``fd00:ec2::254``,
  ``100.100.100.200``) are refused in every mode.
* Redirects are never followed; a response body is read streamed, at most ``MAX_RESPONSE_BYTES``.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.util.retry import Retry

DEFAULT_TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Refused in every mode: link-local (cloud metadata lives there) and the metadata services' other homes
# (AWS over IPv6, Alibaba, Azure's wire server).
ALWAYS_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "168.63.129.16/32")
)
# Not globally routable (IANA special-purpose registries, RFC 6890 and successors), listed rather than
# left to ``is_global`` alone, whose answers changed between Python patch releases.
NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10",
        "ff00::/8",
    )
)  # fmt: skip
# IPv6 forms that carry an IPv4 address in their low 32 bits: IPv4-compatible (::a.b.c.d), IPv4-translated
# (::ffff:0:a.b.c.d) and NAT64, well-known and local-use (RFC 6052, RFC 8215).
_CARRIES_IPV4 = tuple(
    ipaddress.ip_network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


class ForbiddenAddressError(Exception):
    """The destination is not allowed: an internal address (SSRF protection), a bad URL or port."""


@dataclass(frozen=True)
class OutboundResponse:
    """``status``; ``body``: at most MAX_RESPONSE_BYTES of it (``truncated`` when there was more);
    ``duration_ms``: from the request to the last byte read."""

    status: int
    body: bytes
    duration_ms: int
    truncated: bool = False


@dataclass(frozen=True)
class Destination:
    """A URL resolved and checked: connect to ``address`` and present ``host`` (SNI, certificate, Host)."""

    scheme: str
    host: str
    port: int
    address: str
    target: str  # path and query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def _embedded_ipv4(ip: _Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, NAT64, Teredo's client)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [candidate for candidate in (ip.ipv4_mapped, ip.sixtofour) if candidate is not None]
    if any(ip in network for network in _CARRIES_IPV4):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.teredo is not None:
        found.append(ip.teredo[1])
    return found


def address_allowed(address: str) -> bool:
    """Whether Secre may connect to this IP address (see the module docstring)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    candidates = [ip, *_embedded_ipv4(ip)]
    if any(candidate in network for candidate in candidates for network in ALWAYS_REFUSED):
        return False
    if any(candidate.is_multicast or candidate.is_unspecified for candidate in candidates):
        return False
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False):
        return True
    return all(
        candidate.is_global and not any(candidate in network for network in NOT_PUBLIC) for candidate in candidates
    )


def resolve_destination(url: str) -> Destination:
    """Parse, resolve and check ``url``. Raises ForbiddenAddressError: not http(s), no host, a port
    outside 1-65535, a host that does not resolve, or any of its addresses not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForbiddenAddressError("Only http and https URLs with a host are allowed.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise ForbiddenAddressError("The host name is not a valid internationalised domain name.") from None
    try:
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ForbiddenAddressError("The port must be a number from 1 to 65535.") from None
    if not 1 <= port <= 65535:
        raise ForbiddenAddressError("The port must be a number from 1 to 65535.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ForbiddenAddressError("The host does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(address_allowed(address) for address in addresses):
        raise ForbiddenAddressError("The host resolves to an internal address.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme=parts.scheme, host=host, port=port, address=addresses[0], target=target)


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a forbidden address (at
    registration; delivery resolves and checks again). Raises ForbiddenAddressError."""
    resolve_destination(url)


# Pools are keyed by (scheme, checked address, port, TLS host name, CA bundle): connections are reused
# only for the same destination.
_manager = urllib3.PoolManager(num_pools=50, maxsize=4)


class DeadlineExceededError(urllib3.exceptions.TimeoutError):
    """The whole request took longer than its timeout (a receiver dripping its answer)."""


def _read_capped(response: urllib3.BaseHTTPResponse, cap: int, deadline: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(16 * 1024):  # whatever has arrived: each read returns promptly
        if time.monotonic() > deadline:
            response.close()
            response.release_conn()
            raise DeadlineExceededError("The receiver did not answer within the timeout.")
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            response.close()  # never drain or reuse a connection with unread bytes
            response.release_conn()
            return b"".join(chunks)[:cap], True
    response.release_conn()
    return b"".join(chunks), False


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    retries: Retry | None = None,
) -> OutboundResponse:
    """POST ``body`` to ``url``. Never follows redirects (a 3xx is returned as it is).

    Raises ForbiddenAddressError (see :func:`resolve_destination`) and urllib3's HTTPError subclasses
    (connection refused, timeout, TLS failure, ...). ``retries``: in-process retries (default: none).
    """
    destination = resolve_destination(url)
    pool_kwargs = {}
    if destination.scheme == "https":
        pool_kwargs = {"server_hostname": destination.host, "assert_hostname": destination.host}
        if settings.OUTBOUND_CA_CERTS:
            pool_kwargs["ca_certs"] = settings.OUTBOUND_CA_CERTS
    pool = _manager.connection_from_host(
        destination.address, destination.port, destination.scheme, pool_kwargs=pool_kwargs
    )
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    retry = retries if retries is not None else Retry(total=0, redirect=False, raise_on_redirect=False)
    response = pool.urlopen(
        "POST",
        destination.target,
        body=body,
        headers={**headers, "Host": destination.host_header},
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=retry,
        redirect=False,
        preload_content=False,
        assert_same_host=False,
    )
    data, truncated = _read_capped(response, MAX_RESPONSE_BYTES, deadline)
    return OutboundResponse(
        status=response.status,
        body=data,
        duration_ms=int((time.perf_counter() - started) * 1000),
        truncated=truncated,
    )
