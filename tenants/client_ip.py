"""The client's address, read from the trusted proxy chain: the one answer the rate limits,
django-axes and the audit trail use.

``X-Forwarded-For`` is believed only when the peer (``REMOTE_ADDR``) is a trusted proxy: one of
``FORWARDED_ALLOW_IPS`` — the environment variable gunicorn reads for the same purpose (addresses or
networks, comma-separated; ``*`` trusts every peer; default ``127.0.0.1``). The client is then the
right-most address of the chain that is not itself a trusted proxy (RFC 7239 §7.4: every proxy
appends the address it received from, so everything left of the first untrusted hop is hearsay).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(raw: tuple[str, ...]) -> tuple[bool, tuple[_Network, ...]]:
    entries = [entry.strip() for entry in raw if entry.strip()]
    if "*" in entries:
        return True, ()
    return False, tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":")[0]
    try:
        address = ipaddress.ip_address(value.split("%")[0])
    except ValueError:
        return None
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def is_trusted_proxy(address) -> bool:
    """Whether ``address`` (an ip_address) is one of ``FORWARDED_ALLOW_IPS``."""
    any_peer, networks = _trusted(tuple(settings.FORWARDED_ALLOW_IPS))
    return any_peer or any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text (``REMOTE_ADDR`` unless a trusted proxy forwarded the request),
    or None when the request has no usable address. Also django-axes' ``AXES_CLIENT_IP_CALLABLE``."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    if not is_trusted_proxy(peer):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            break  # garbage in the chain: the last trusted hop is all we know
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client)
