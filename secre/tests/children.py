"""Helpers for tests that run Secre as real processes (gunicorn, the worker) on this session's test
database: connection URLs for each role, free ports, waiting, a private Redis and a private PgBouncer."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connections

from secre import pgbouncer

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def database_env() -> dict[str, str]:
    """DATABASE_URL, DATABASE_OWNER_URL and DATABASE_CONSOLE_URL of this test session's database."""
    env = {}
    for alias, name in (
        ("default", "DATABASE_URL"),
        ("owner", "DATABASE_OWNER_URL"),
        ("console", "DATABASE_CONSOLE_URL"),
    ):
        db = connections[alias].settings_dict
        auth = db["USER"] + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        host, port = db["HOST"] or "localhost", db["PORT"] or 5432
        if host.startswith("/"):  # a unix socket folder (the embedded server)
            env[name] = f"postgresql://{auth}@/{db['NAME']}?host={host}&port={port}"
        else:
            env[name] = f"postgresql://{auth}@{host}:{port}/{db['NAME']}"
    return env


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child Secre process: this one's, on the test database, in development mode."""
    return {
        **os.environ,
        **database_env(),
        "SECRET_KEY": settings.SECRET_KEY,
        "WEBHOOK_SECRETS_KEYS": ",".join(settings.WEBHOOK_SECRETS_KEYS),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SECRE_DEVELOPMENT": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def start_gunicorn(log: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """gunicorn as in production (docker/gunicorn.conf.py), 2 workers; returns (process, base URL).
    ``env`` is added to :func:`child_env`'s (it may point the database URLs elsewhere)."""
    port = free_port()
    output = log.open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "secre.wsgi",
            "-c",
            "docker/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=child_env(**env),
        stdout=output,
        stderr=subprocess.STDOUT,
    )

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    if not wait_for(listening, 60, 0.2):
        process.kill()
        raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")
    return process, f"http://127.0.0.1:{port}"


def start_worker(log: Path | None = None, **env: str) -> subprocess.Popen:
    output = log.open("w") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--poll-seconds", "0.1"],
        cwd=ROOT,
        env=child_env(**env),
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def redis_installed() -> bool:
    """Whether Debian's redis-server is here (tests needing their own Redis skip without it)."""
    return os.access(REDIS_SERVER, os.X_OK)


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A private redis-server on a free port, keeping nothing on disk; returns (process, URL)."""
    port = free_port()
    output = (folder / "redis.log").open("w")
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=output,
        stderr=subprocess.STDOUT,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    if not wait_for(answers, 15, 0.05):
        stop(process)
        raise RuntimeError(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}")
    return process, f"redis://127.0.0.1:{port}/0"


def pgbouncer_server() -> pgbouncer.Server:
    """This test session's database, as the server behind a private PgBouncer."""
    runtime, console = (connections[alias].settings_dict for alias in ("default", "console"))
    return pgbouncer.Server(
        host=runtime["HOST"] or "localhost",
        port=int(runtime["PORT"] or 5432),
        dbname=runtime["NAME"],
        passwords={
            pgbouncer.RUNTIME_ROLE: runtime["PASSWORD"] or "",
            pgbouncer.CONSOLE_ROLE: console["PASSWORD"] or "",
        },
    )


def pgbouncer_env(bouncer: pgbouncer.PgBouncer) -> dict[str, str]:
    """A child's settings behind ``bouncer``: the pooled connections through it, migrations direct."""
    return {**bouncer.environment(), "DATABASE_OWNER_URL": database_env()["DATABASE_OWNER_URL"]}
