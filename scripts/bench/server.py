"""The API under gunicorn exactly as in production (docker/gunicorn.conf.py), on a free local port."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

GUNICORN_CONF = Path(settings.BASE_DIR) / "docker" / "gunicorn.conf.py"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def configured_workers() -> tuple[int, int]:
    """gunicorn's (workers, threads) under the current environment (WEB_CONCURRENCY or 2 x CPUs + 1)."""
    namespace: dict = {}
    exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)  # noqa: S102 (our own config)
    return int(namespace["workers"]), int(namespace["threads"])


class Gunicorn:
    """``with Gunicorn(log) as server:`` starts gunicorn, waits for /health, and always stops it.
    ``env`` is added to this process's environment (``--pgbouncer``: the database through PgBouncer;
    the floor: its settings module). ``root`` is another checkout to serve (``--baseline``: its venv's
    gunicorn and its docker/gunicorn.conf.py); ``base_env`` replaces this process's environment."""

    def __init__(
        self,
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        root: Path | None = None,
        base_env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self.extra_env = env or {}
        self.base_env = base_env
        self.root = Path(root) if root is not None else Path(settings.BASE_DIR)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        if self.root == Path(settings.BASE_DIR):
            gunicorn = Path(sys.executable).parent / "gunicorn"
        else:
            gunicorn = self.root / ".venv" / "bin" / "gunicorn"
        bind = f"{HOST}:{self.port}"
        base = os.environ if self.base_env is None else self.base_env
        env = {**base, **self.extra_env, "GUNICORN_ACCESS_LOG": "false", "GUNICORN_BIND": bind}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        # Own session: a Ctrl-C reaches the harness, which then stops gunicorn in order.
        self.process = subprocess.Popen(
            [str(gunicorn), "secre.wsgi", "-c", str(self.root / "docker" / "gunicorn.conf.py"), "--bind", bind],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"bench: gunicorn exited ({self.process.returncode}); see {self.log_path}:\n{self.log_tail()}"
                )
            if self.health() == 200:
                return
            time.sleep(0.25)
        self.stop()
        raise SystemExit(f"bench: gunicorn did not answer /health within {START_TIMEOUT:.0f}s; see {self.log_path}")

    def health(self) -> int:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            conn.close()

    def stop(self) -> None:
        """SIGTERM to the gunicorn master (it stops its workers); SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""
