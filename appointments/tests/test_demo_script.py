"""scripts/demo_booking.sh, run against a real server: what an n8n agent does, end to end."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tenants.tests.factories import TenantFactory, make_api_key

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo_booking.sh"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed (apt-get install curl)")
def test_demo_booking_script(live_api):
    _, key = make_api_key(TenantFactory())
    for _ in range(2):  # a second run reuses the doctor, rule and patient
        result = subprocess.run(["bash", str(SCRIPT), live_api, key], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "the slot is gone" in result.stdout and "demo booking: done" in result.stdout
