"""Settings: refusing to start insecurely."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "secre.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION_DATABASE = "postgresql://secre_app:x@db.internal:5432/secre"


def test_debug_off_refuses_the_default_secret_key_in_production():
    refused = _load_settings(DEBUG="false", DATABASE_URL=PRODUCTION_DATABASE)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    assert _load_settings(DEBUG="false", SECRET_KEY="a-real-secret", DATABASE_URL=PRODUCTION_DATABASE).returncode == 0
    assert _load_settings(DEBUG="true", DATABASE_URL=PRODUCTION_DATABASE).returncode == 0


def _python_manage(*args: str) -> subprocess.CompletedProcess:
    """``python manage.py ...`` as a Django user runs it: nothing of Secre's exported."""
    names = ("SECRET_KEY", "WEBHOOK_SECRETS_KEYS", "FIELD_ENCRYPTION_KEYS", "SECRE_DEVELOPMENT", "DEBUG")
    clean = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("DATABASE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_python_manage_py_finds_the_development_keys_and_database():
    from secre import devdb

    keys = {name: (devdb.data_root() / file).read_text().strip() for name, file in devdb.DEVELOPMENT_KEY_FILES.items()}
    script = (
        "from django.conf import settings; from django.db import connection; connection.ensure_connection();"
        " print(settings.SECRET_KEY, settings.WEBHOOK_SECRETS_KEYS[0], settings.FIELD_ENCRYPTION_KEYS[0])"
    )
    result = _python_manage("shell", "-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].split() == [
        keys["SECRET_KEY"],
        keys["WEBHOOK_SECRETS_KEYS"],
        keys["FIELD_ENCRYPTION_KEYS"],
    ]


def test_commands_without_a_database_start_none():
    import importlib.util

    spec = importlib.util.spec_from_file_location("secre_manage", ROOT / "manage.py")
    manage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(manage)
    assert not manage._needs_database(["manage.py", "collectstatic", "--no-input"])
    assert not manage._needs_database(["manage.py", "check", "--deploy"])
    assert not manage._needs_database(["manage.py", "--help"])
    assert manage._needs_database(["manage.py", "check", "--database", "default"])
    assert manage._needs_database(["manage.py", "shell"]) and manage._needs_database(["manage.py", "createsuperuser"])


SAFE = {
    "SECRET_KEY": "a-real-secret-" + "x7Kq" * 12,
    "WEBHOOK_SECRETS_KEYS": "kY2Hs0c6l9qg3C2uMGQJ5q8q7sPpQvXUqEJmK2wD8fE=",
    "FIELD_ENCRYPTION_KEYS": "c2VjcmUtZmllbGQta2V5LWZvci10ZXN0cy0wMDAwMDA=",
    "DATABASE_URL": "postgresql://secre_app:Zp9-real-pass@db.internal:5432/secre",
    "DATABASE_OWNER_URL": "postgresql://secre_owner:Qm3-real-pass@db.internal:5432/secre",
    "DATABASE_CONSOLE_URL": "postgresql://secre_console:Lx8-real-pass@db.internal:5432/secre",
}


def _deploy_check(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "WEBHOOK_SECRETS_KEYS", "SECRE_DEVELOPMENT")
        and not k.startswith("DATABASE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_a_safe_configuration():
    result = _deploy_check(**SAFE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"SECRET_KEY": "compose-dev-only-INSECURE-secret-key-never-use-outside-localhost"}, "tenants.E010"),
        ({"DATABASE_URL": "postgresql://secre_app:secre-app-dev-password@db:5432/secre"}, "tenants.E010"),
        ({"WEBHOOK_SECRETS_KEYS": ""}, "webhooks.E001"),
        ({"WEBHOOK_SECRETS_KEYS": "not-a-fernet-key"}, "webhooks.E002"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "tenants.E013"),
        ({"FIELD_ENCRYPTION_KEYS": "nope"}, "tenants.E013"),
        ({"REDIS_URL": "redis://:INSECURE-redis@redis:6379/0"}, "tenants.E010"),
    ],
)
def test_check_deploy_refuses_example_and_missing_secrets(override, code):
    result = _deploy_check(**{**SAFE, **override})
    assert result.returncode != 0 and code in result.stderr


def test_check_deploy_warns_about_hsts_off_and_proxy_headers_from_anyone():
    result = _deploy_check(**SAFE, SECURE_HSTS_SECONDS="0", USE_PROXY_HEADERS="true", FORWARDED_ALLOW_IPS="*")
    assert result.returncode == 0
    assert "tenants.W012" in result.stderr and "tenants.W011" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(**env) -> subprocess.Popen:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "WEBHOOK_SECRETS_KEYS", "SECRE_DEVELOPMENT")
    }
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "secre.wsgi",
            "-c",
            "docker/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.port = port
    return process


def _listening(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def test_gunicorn_refuses_to_start_on_an_unsafe_configuration_unless_in_development():
    refused = _gunicorn(SECRET_KEY="compose-dev-only-INSECURE-secret-key", DATABASE_URL=PRODUCTION_DATABASE)
    output, _ = refused.communicate(timeout=60)
    assert refused.returncode != 0 and "tenants.E010" in output and "webhooks.E001" in output
    assert not _listening(refused.port, 0.5)

    development = _gunicorn(SECRET_KEY="compose-dev-only-INSECURE-secret-key", SECRE_DEVELOPMENT="1")
    try:
        assert _listening(development.port, 30), "gunicorn did not start in development mode"
    finally:
        development.terminate()
        development.communicate(timeout=30)


def test_compose_env_generates_every_secret_once(tmp_path):
    target = tmp_path / ".env"
    target.write_text("SECRE_APP_PASSWORD=kept-as-it-is\n")
    subprocess.run([sys.executable, "scripts/compose_env.py", str(target)], cwd=ROOT, check=True, capture_output=True)
    first = dict(line.split("=", 1) for line in target.read_text().splitlines() if "=" in line and line[0] != "#")
    assert first["SECRE_APP_PASSWORD"] == "kept-as-it-is"
    assert {
        "SECRET_KEY",
        "WEBHOOK_SECRETS_KEYS",
        "SECRE_OWNER_PASSWORD",
        "SECRE_CONSOLE_PASSWORD",
        "POSTGRES_PASSWORD",
    } <= set(first)
    subprocess.run([sys.executable, "scripts/compose_env.py", str(target)], cwd=ROOT, check=True, capture_output=True)
    assert (
        dict(line.split("=", 1) for line in target.read_text().splitlines() if "=" in line and line[0] != "#") == first
    )
    assert oct(target.stat().st_mode & 0o777) == "0o600"
