"""Webhook URLs: https, public addresses and a valid port for every new or changed URL, in the API and the
console; endpoints saved with http:// before keep working and are flagged. Name resolution is patched:
nothing leaves the machine."""

import socket

import pytest
from django.test import Client

from tenants.context import tenant_context
from tenants.tests.factories import make_operator
from webhooks.models import WebhookEndpoint
from webhooks.tests.conftest import register

PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    """hooks.example.org -> a public address; internal.example.org -> the metadata address."""
    table = {"hooks.example.org": PUBLIC, "internal.example.org": "169.254.169.254"}

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table.get(host, host), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def public_only(clinic, settings, dns):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    return clinic


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/secre", "https"),
        ("https://internal.example.org/secre", "internal"),
        ("https://hooks.example.org:99999/secre", "port"),
        ("https://hooks.example.org:0/secre", "port"),
    ],
)
def test_new_urls_must_be_public_https_with_a_valid_port(public_only, url, message):
    response = public_only.post("/v1/webhooks", {"url": url}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "forbidden_url" and body["errors"][0]["field"] == "url" and message in body["detail"]


def test_a_public_https_url_is_accepted_and_not_flagged(public_only):
    created = public_only.post("/v1/webhooks", {"url": "https://hooks.example.org/secre"}, format="json")
    assert created.status_code == 201 and created.json()["insecureUrl"] is False


def test_an_existing_http_endpoint_keeps_working_flagged_until_changed(clinic, settings, dns):
    endpoint = register(clinic, "http://127.0.0.1:9/hook")  # a local n8n, allowed back then
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    shown = clinic.get(f"/v1/webhooks/{endpoint['id']}").json()
    assert shown["insecureUrl"] is True and shown["url"] == "http://127.0.0.1:9/hook"
    # Other changes go through; the old URL is not re-checked...
    assert clinic.patch(f"/v1/webhooks/{endpoint['id']}", {"description": "n8n"}, format="json").status_code == 200
    # ...but a new URL meets today's rules.
    moved = clinic.patch(f"/v1/webhooks/{endpoint['id']}", {"url": "http://hooks.example.org/x"}, format="json")
    assert moved.status_code == 400 and moved.json()["errors"][0]["field"] == "url"
    fixed = clinic.patch(f"/v1/webhooks/{endpoint['id']}", {"url": "https://hooks.example.org/x"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["insecureUrl"] is False


def test_an_operators_console_url_changes_meet_the_same_rules(clinic, settings, dns):
    endpoint = register(clinic, "https://hooks.example.org/secre")
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    owner = Client()
    owner.force_login(make_operator(f"op-{clinic.tenant.id.hex}"))
    page = f"/admin/webhooks/webhookendpoint/{endpoint['id']}/change/"
    listing = owner.get("/admin/webhooks/webhookendpoint/").content.decode()
    assert "Plain http" in listing
    form = {"url": "https://internal.example.org/secre", "description": "", "event_types": "", "enabled": "on"}
    refused = owner.post(page, form)
    assert refused.status_code == 200 and "internal address" in refused.content.decode()
    form["url"] = "https://hooks.example.org/other"
    assert owner.post(page, form).status_code == 302
    with tenant_context(clinic.tenant.id):
        assert WebhookEndpoint.objects.get(pk=endpoint["id"]).url == "https://hooks.example.org/other"


def test_secrets_encrypted_with_the_derived_key_stay_readable_until_rotated(clinic, settings):
    import json
    from io import StringIO

    from cryptography.fernet import Fernet, MultiFernet
    from django.core.management import call_command

    from webhooks import secrets

    other_tests_keys = list(settings.WEBHOOK_SECRETS_KEYS)  # other endpoints in the database use them
    settings.WEBHOOK_SECRETS_KEYS = []
    endpoint = register(clinic, "http://127.0.0.1:9/hook")  # stored under the SECRET_KEY-derived key
    new_key = Fernet.generate_key().decode()
    settings.WEBHOOK_SECRETS_KEYS = [new_key, *other_tests_keys]
    with tenant_context(clinic.tenant.id):
        stored = WebhookEndpoint.objects.get(pk=endpoint["id"]).secret_encrypted
    assert secrets.decrypt(stored) == endpoint["secret"]  # the decrypt-only fallback
    out = StringIO()
    call_command("rotate_webhook_keys", "--batch-size", "1", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["endpoints"] >= 1 and result["unreadable"] == []
    with tenant_context(clinic.tenant.id):
        rotated = WebhookEndpoint.objects.get(pk=endpoint["id"]).secret_encrypted
    # Readable with the new key alone: the derived key is no longer needed.
    assert MultiFernet([Fernet(new_key)]).decrypt(rotated.encode()).decode() == endpoint["secret"]
