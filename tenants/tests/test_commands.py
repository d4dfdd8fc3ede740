"""Ops commands: human output by default, one JSON object with --json, errors as CommandError."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from appointments.management.commands.seed_demo import DEMO_TENANT_ID
from appointments.models import AvailabilityRule, Doctor
from patients.models import Patient
from tenants.api_keys import resolve_api_key
from tenants.context import tenant_context
from tenants.models import TenantAPIKey

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args) -> dict:
    return json.loads(run(*args, "--json"))


def test_create_tenant_then_key_that_works():
    tenant = run_json("create_tenant", "Clínica Norte", "--timezone", "America/New_York")
    assert set(tenant) == {"tenantId", "timezone"} and tenant["timezone"] == "America/New_York"
    created = run_json("create_api_key", "--tenant", tenant["tenantId"], "--name", "n8n")
    assert created["tenantId"] == tenant["tenantId"]
    client = resolve_api_key(created["apiKey"])
    assert str(client.tenant.id) == tenant["tenantId"] and str(client.api_key_id) == created["apiKeyId"]
    assert "Created tenant" in run("create_tenant", "Otra")
    scoped = run_json("create_api_key", "--tenant", tenant["tenantId"], "--name", "ro", "--scopes", "read")
    assert resolve_api_key(scoped["apiKey"]).scopes == frozenset({"read"})
    with pytest.raises(CommandError, match="scopes"):
        run("create_api_key", "--tenant", tenant["tenantId"], "--name", "x", "--scopes", "root")


def test_bad_arguments_are_command_errors():
    with pytest.raises(CommandError, match="IANA"):
        run("create_tenant", "X", "--timezone", "Mars/Olympus")
    with pytest.raises(CommandError, match="UUID"):
        run("create_api_key", "--tenant", "nope", "--name", "x")
    with pytest.raises(CommandError, match="No tenant"):
        run("create_api_key", "--tenant", "019a0000-0000-7000-8000-000000000000", "--name", "x")


def test_rotate_and_revoke():
    tenant_id = run_json("create_tenant", "Clínica Sur")["tenantId"]
    old = run_json("create_api_key", "--tenant", tenant_id, "--name", "bot")
    rotated = run_json("rotate_api_key", "--tenant", tenant_id, "--key", old["apiKeyId"], "--grace-minutes", "10")
    assert rotated["previousApiKeyId"] == old["apiKeyId"] and rotated["apiKeyId"] != old["apiKeyId"]
    resolve_api_key(old["apiKey"])  # still inside its grace period
    resolve_api_key(rotated["apiKey"])
    with tenant_context(tenant_id):
        assert TenantAPIKey.objects.get(pk=rotated["apiKeyId"]).name == "bot"
    revoked = run_json("revoke_api_key", "--tenant", tenant_id, "--key", old["apiKeyId"])
    assert revoked["apiKeyId"] == old["apiKeyId"]
    from secre.problems import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        resolve_api_key(old["apiKey"])
    with pytest.raises(CommandError, match="revoked"):
        run("rotate_api_key", "--tenant", tenant_id, "--key", old["apiKeyId"])


def test_seed_demo_is_idempotent(tmp_path, settings):
    settings.DEMO_API_KEY_FILE = tmp_path / "demo-key"
    first = run_json("seed_demo")
    second = run_json("seed_demo")
    assert first == second and first["tenantId"] == str(DEMO_TENANT_ID)
    assert resolve_api_key(first["apiKey"]).tenant.id == DEMO_TENANT_ID
    with tenant_context(DEMO_TENANT_ID):
        assert Patient.objects.count() == 3
        assert TenantAPIKey.objects.count() == 1
        assert Doctor.objects.get().document_number == "99999999"
        (rule,) = AvailabilityRule.objects.all()
        assert (rule.day_of_week, rule.start_time.hour, rule.end_time.hour, rule.appointment_duration_minutes) == (
            4,
            9,
            17,
            30,
        )
    printed = run("seed_demo")
    assert "curl -X POST" in printed and "/v1/doctor-availability/time-slots/1/99999999?date=" in printed
    # The printed time-slots line answers with slots.
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=first["apiKey"])
    url = printed.split("curl '")[-1].split("'")[0].replace("http://127.0.0.1:8000", "")
    assert len(client.get(url).json()["slots"]) == 16
