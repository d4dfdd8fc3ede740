"""Settings: refusing to start insecurely."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "secre.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_refuses_the_default_secret_key():
    refused = _load_settings(DEBUG="false")
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    assert _load_settings(DEBUG="false", SECRET_KEY="a-real-secret").returncode == 0
    assert _load_settings(DEBUG="true").returncode == 0
