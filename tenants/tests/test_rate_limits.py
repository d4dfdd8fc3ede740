"""Rate limits on the real Redis at REDIS_URL (skipped, saying so, when none answers)."""

import uuid

import pytest
import redis
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def limits(settings):
    """Rate limiting on, against a fresh key prefix in the real Redis."""
    if not _redis_answers():
        pytest.skip(f"no Redis answers at REDIS_URL={django_settings.REDIS_URL}: rate-limit tests skipped")
    settings.RATELIMIT_ENABLED = True
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    return settings  # (changing CACHES makes Django rebuild its cache handlers)


def _client(key: str, address: str = "127.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_X_API_KEY=key)
    return client


def test_a_burst_over_the_tenant_limit_gets_429_with_retry_after(limits):
    limits.RATE_LIMIT_TENANT = "5/m"
    tenant = TenantFactory()
    _, first_key = make_api_key(tenant)
    _, second_key = make_api_key(tenant)
    statuses = [_client(first_key).get("/v1/patients").status_code for _ in range(4)]
    statuses += [_client(second_key).get("/v1/patients").status_code for _ in range(2)]  # same tenant bucket
    assert statuses == [200] * 5 + [429]
    limited = _client(first_key).get("/v1/patients")
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    _, other_key = make_api_key(TenantFactory())
    assert _client(other_key).get("/v1/patients").status_code == 200  # another tenant is unaffected


def test_a_tenant_override_beats_the_default(limits):
    limits.RATE_LIMIT_TENANT = "2/m"
    tenant = TenantFactory()
    with tenant_context(tenant.id):
        Tenant.objects.filter(pk=tenant.pk).update(rate_limit="4/m")
    _, key = make_api_key(tenant)
    assert [_client(key).get("/v1/patients").status_code for _ in range(5)] == [200] * 4 + [429]


BAD_KEY = "abcdefgh.abcdefghabcdefghabcdefghabcdefgh"


def test_failed_authentications_are_limited_per_address_but_never_refuse_a_valid_key(limits):
    limits.RATE_LIMIT_AUTH_FAILURES = "3/m"
    statuses = [_client(BAD_KEY, "203.0.113.9").get("/v1/patients").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    _, good = make_api_key(TenantFactory())
    # Behind a load balancer every clinic may share that address: a valid key still gets through.
    assert _client(good, "203.0.113.9").get("/v1/patients").status_code == 200
    assert _client(BAD_KEY, "203.0.113.9").get("/v1/patients").status_code == 429
    assert _client(BAD_KEY, "203.0.113.10").get("/v1/patients").status_code == 401


def test_bearer_keys_count_against_the_same_limits(limits):
    limits.RATE_LIMIT_AUTH_FAILURES = "2/m"
    limits.RATE_LIMIT_TENANT = "2/m"
    bad = APIClient(REMOTE_ADDR="203.0.113.20")
    assert [bad.get("/v1/me", HTTP_AUTHORIZATION=f"Bearer {BAD_KEY}").status_code for _ in range(3)] == [401, 401, 429]
    tenant = TenantFactory()
    _, header_key = make_api_key(tenant)
    _, bearer_key = make_api_key(tenant)
    statuses = [_client(header_key).get("/v1/me").status_code]
    statuses += [APIClient().get("/v1/me", HTTP_AUTHORIZATION=f"Bearer {bearer_key}").status_code for _ in range(2)]
    assert statuses == [200, 200, 429]  # one tenant bucket, whichever header carried the key


def test_behind_a_trusted_proxy_failures_count_per_forwarded_client(limits):
    limits.RATE_LIMIT_AUTH_FAILURES = "2/m"
    limits.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    via_proxy = APIClient(REMOTE_ADDR="10.1.2.3")
    via_proxy.credentials(HTTP_X_API_KEY=BAD_KEY)
    attacker = [via_proxy.get("/v1/patients", HTTP_X_FORWARDED_FOR="198.51.100.66").status_code for _ in range(3)]
    assert attacker == [401, 401, 429]
    # Another client behind the same proxy is counted on its own.
    assert via_proxy.get("/v1/patients", HTTP_X_FORWARDED_FOR="198.51.100.67").status_code == 401
    # A peer that is not a trusted proxy cannot choose its address by sending the header.
    direct = APIClient(REMOTE_ADDR="198.51.100.99")
    direct.credentials(HTTP_X_API_KEY=BAD_KEY)
    forged = [direct.get("/v1/patients", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)]
    assert forged == [401, 401, 429]


def test_a_redis_outage_keeps_the_api_serving(limits):
    limits.RATE_LIMIT_TENANT = "1/m"
    limits.CACHES = {**limits.CACHES, "ratelimit": {**limits.CACHES["ratelimit"], "LOCATION": "redis://127.0.0.1:1/0"}}
    _, key = make_api_key(TenantFactory())
    assert [_client(key).get("/v1/patients").status_code for _ in range(3)] == [200, 200, 200]
