"""The client's address from the trusted proxy chain (tenants/client_ip.py)."""

import pytest
from django.test import RequestFactory

from tenants.client_ip import client_ip


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        (["127.0.0.1"], "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # untrusted peer: header ignored
        (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # The right-most untrusted hop: a client-sent prefix is ignored.
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.2", "10.0.0.7, 10.0.0.9", "10.0.0.7"),
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1:4711", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.2", "[2001:db8::7]:443", "2001:db8::7"),
        (["10.0.0.0/8"], "10.0.0.2", "not-an-address", "10.0.0.2"),
        (["10.0.0.0/8"], "::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (["*"], "203.0.113.5", "198.51.100.1", "198.51.100.1"),
        (["127.0.0.1"], "", None, None),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.FORWARDED_ALLOW_IPS = trusted
    assert _address(remote, forwarded) == expected
