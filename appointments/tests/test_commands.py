"""Ops commands of scheduling."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_load_holidays_is_idempotent():
    tenant = TenantFactory()
    out = StringIO()
    call_command("load_holidays", "--tenant", str(tenant.id), "--year", "2026", "--json", stdout=out)
    first = json.loads(out.getvalue())
    assert "2026-12-25" in first["added"] and "2026-01-12" in first["added"]  # Reyes moved to Monday
    out = StringIO()
    call_command("load_holidays", "--tenant", str(tenant.id), "--year", "2026", "--json", stdout=out)
    assert json.loads(out.getvalue())["added"] == []
    with pytest.raises(CommandError, match="country"):
        call_command("load_holidays", "--tenant", str(tenant.id), "--year", "2026", "--country", "XX")
