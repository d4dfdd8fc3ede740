"""PgBouncer in transaction pooling mode in front of Secre's PostgreSQL: the supported pooler.

Debian's ``pgbouncer`` package (1.18 on Debian 12; CI installs it like chromium), configured here,
and only here, for ``make run-pgbouncer``, ``make pgbouncer``, the tests, the bench and the compose
service. It needs nothing of Django (the compose service runs it with the standard library only).

Shape of the pooler:

* ``pool_mode = transaction``: a server connection serves one transaction of a client, then
  another client's. Secre keeps no session state on a connection: the tenant is
  ``set_config('app.tenant_id', ..., true)`` and the console's roles ``SET LOCAL ROLE``, both
  transaction-local; PgBouncer itself carries the tracked parameters (time zone, encoding) across.
* Two pooler databases for one PostgreSQL database: ``<name>`` for the runtime role (``secre_app``)
  and the console login (``secre_console``), and ``<name>_signin``, whose server connections run
  ``SET ROLE secre_auth`` once when PgBouncer opens them (``connect_query``): the sign-in
  connection (``DATABASES["signin"]``, django-axes' tables) cannot pass libpq's ``-c role=`` through
  PgBouncer, which forwards no startup options. If that statement ever failed the connection would
  stay ``secre_console``, which reaches nothing by itself: sign-in fails closed.
* Migrations (the owner role) bypass the pooler: ``DATABASE_OWNER_URL`` points at PostgreSQL itself.
* ``auth_type = trust`` when the server's roles have no passwords (the embedded development server,
  CI's), listening on 127.0.0.1 only; ``scram-sha-256`` with the roles' passwords otherwise (compose,
  production), which PgBouncer also uses to log in to the server.
* When run as root it runs as ``nobody`` (PgBouncer refuses root; ``SECRE_PGBOUNCER_USER``
  overrides), and its files belong to that user.

What Django needs behind it (``client_environment()``; docs/scaling.md): ``DATABASE_URL``,
``DATABASE_CONSOLE_URL`` and ``DATABASE_SIGNIN_URL`` through the pooler,
``DATABASE_DISABLE_SERVER_SIDE_CURSORS=true``; persistent connections to the pooler
(``CONN_MAX_AGE``, 60 s by default) are fine, and prepared statements are already off in settings.

Command line (the Makefile and compose use it)::

    python -m secre.pgbouncer exec [--port N] -- CMD ...   # start it, run CMD with Django's settings for it
    python -m secre.pgbouncer serve [--listen ADDR:PORT] [--server-url URL]   # in the foreground
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from secre import devdb

RUNTIME_ROLE = "secre_app"
CONSOLE_ROLE = "secre_console"
OWNER_ROLE = "secre_owner"
AUTH_ROLE = "secre_auth"
POOLED_ROLES = (RUNTIME_ROLE, CONSOLE_ROLE)
SIGNIN_SUFFIX = "_signin"
DEFAULT_PORT = 6432
# Environment variables with the roles' passwords (the same ones tenants/sql/roles.sql is given).
PASSWORD_VARIABLES = {RUNTIME_ROLE: "SECRE_APP_PASSWORD", CONSOLE_ROLE: "SECRE_CONSOLE_PASSWORD"}
START_TIMEOUT = 15.0
ALL_INTERFACES = ("*", "0.0.0.0")  # noqa: S104 (compose's service listens on its container's network)


def binary() -> str | None:
    """Path of the ``pgbouncer`` program (Debian installs it in /usr/sbin), or None."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None


def run_user() -> str | None:
    """The unprivileged user PgBouncer runs as when we are root (it refuses root), else None."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    return os.environ.get("SECRE_PGBOUNCER_USER", "nobody")


@dataclass(frozen=True)
class Server:
    """The PostgreSQL database behind the pooler: ``host`` is a name, an address or a unix socket
    folder; ``passwords`` maps each pooled role to its password ('' for none)."""

    host: str
    port: int
    dbname: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def trust(self) -> bool:
        """True when no pooled role has a password (a trust-authenticated server)."""
        return not any(self.passwords.get(role) for role in POOLED_ROLES)


def _url_parts(url: str) -> tuple[str, int, str, str, str]:
    """(host, port, dbname, user, password) of a ``postgresql://`` URL, with libpq's ``?host=``."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    port = int(query.get("port", [parts.port or 5432])[0])
    return host, port, unquote(parts.path.lstrip("/")), unquote(parts.username or ""), unquote(parts.password or "")


def server_from_urls(runtime_url: str, console_url: str | None = None) -> Server:
    """The server of the runtime role's URL, with the passwords found in both URLs."""
    host, port, dbname, _, runtime_password = _url_parts(runtime_url)
    console_password = _url_parts(console_url)[4] if console_url else ""
    return Server(host, port, dbname, {RUNTIME_ROLE: runtime_password, CONSOLE_ROLE: console_password})


def server_from_environment() -> Server:
    """The server Django would use: ``DATABASE_URL``'s (and ``DATABASE_CONSOLE_URL``'s passwords), or
    the embedded development server's socket when ``DATABASE_URL`` is unset."""
    if os.environ.get("DATABASE_URL"):
        return server_from_urls(os.environ["DATABASE_URL"], os.environ.get("DATABASE_CONSOLE_URL"))
    return Server(str(devdb.socket_dir()), devdb.SOCKET_PORT, devdb.DATABASE_NAME, {})


def _quoted(value: str) -> str:
    """A value of a [databases] line, in single quotes (host paths, names: never a quote inside)."""
    if "'" in value:
        raise ValueError(f"a quote in a PgBouncer connection value: {value!r}")
    return f"'{value}'"


def render_config(
    server: Server,
    *,
    listen_addr: str,
    listen_port: int,
    auth_file: Path,
    pool_size: int = 20,
    max_client_conn: int = 500,
    stats_users: tuple[str, ...] = (),
) -> str:
    """pgbouncer.ini for ``server``: transaction pooling, the two pooler databases, no unix socket."""
    target = f"host={_quoted(server.host)} port={server.port} dbname={_quoted(server.dbname)}"
    signin = f"{target} connect_query={_quoted(f'SET ROLE {AUTH_ROLE}')}"
    lines = [
        "; Written by secre/pgbouncer.py: transaction pooling in front of Secre's database.",
        "[databases]",
        f"{server.dbname} = {target}",
        f"{server.dbname}{SIGNIN_SUFFIX} = {signin}",
        "",
        "[pgbouncer]",
        f"listen_addr = {listen_addr}",
        f"listen_port = {listen_port}",
        "unix_socket_dir =",
        f"auth_type = {'trust' if server.trust else 'scram-sha-256'}",
        f"auth_file = {auth_file}",
        "pool_mode = transaction",
        f"default_pool_size = {pool_size}",
        f"max_client_conn = {max_client_conn}",
        # Transaction pooling never resets a server session (DISCARD ALL would also drop the sign-in
        # pool's role): Secre leaves nothing in one.
        "server_reset_query =",
        "log_connections = 0",
        "log_disconnections = 0",
    ]
    if stats_users:
        lines.append(f"stats_users = {', '.join(stats_users)}")
    return "\n".join(lines) + "\n"


def render_userlist(server: Server) -> str:
    """auth_file: the pooled roles, with their passwords in plain text (empty under trust)."""

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    return "".join(f"{quoted(role)} {quoted(server.passwords.get(role, ''))}\n" for role in POOLED_ROLES)


def _url(role: str, password: str, host: str, port: int, dbname: str) -> str:
    auth = quote(role, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{auth}@{host}:{port}/{quote(dbname, safe='')}"


def client_environment(server: Server, *, host: str, port: int) -> dict[str, str]:
    """Django's settings for the pooler at ``host:port``: the three pooled connections and no
    server-side cursors. ``DATABASE_OWNER_URL`` is not among them: migrations bypass the pooler."""
    app, console = (server.passwords.get(role, "") for role in POOLED_ROLES)
    return {
        "DATABASE_URL": _url(RUNTIME_ROLE, app, host, port, server.dbname),
        "DATABASE_CONSOLE_URL": _url(CONSOLE_ROLE, console, host, port, server.dbname),
        "DATABASE_SIGNIN_URL": _url(CONSOLE_ROLE, console, host, port, server.dbname + SIGNIN_SUFFIX),
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
    }


def direct_owner_url() -> str:
    """The owner role's URL straight to PostgreSQL (for migrations), from the environment or the
    embedded server."""
    if os.environ.get("DATABASE_URL"):
        return os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"]
    return f"postgresql://{OWNER_ROLE}@/{devdb.DATABASE_NAME}?host={devdb.socket_dir()}&port={devdb.SOCKET_PORT}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class PgBouncer:
    """``with PgBouncer(server) as bouncer:`` runs PgBouncer (a child process) until the block ends.

    Its files (config, auth file, log) live in ``folder`` (a new temporary folder by default,
    removed on stop). ``port`` 0 picks a free one. ``bouncer.environment()`` is Django's settings
    for it.
    """

    def __init__(
        self,
        server: Server,
        *,
        folder: Path | None = None,
        listen_addr: str = "127.0.0.1",
        port: int = 0,
        pool_size: int = 20,
        stats_users: tuple[str, ...] = (),
    ) -> None:
        self.server = server
        self.listen_addr = listen_addr
        self.port = port or free_port("127.0.0.1" if listen_addr in ALL_INTERFACES else listen_addr)
        self.pool_size = pool_size
        self.stats_users = stats_users
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="secre-pgbouncer-"))
        self.process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        """PgBouncer's output (stderr)."""
        return self.folder / "pgbouncer.log"

    @property
    def host(self) -> str:
        """The address clients connect to."""
        return "127.0.0.1" if self.listen_addr in ALL_INTERFACES else self.listen_addr

    def environment(self) -> dict[str, str]:
        """Django's settings for this pooler (see :func:`client_environment`)."""
        return client_environment(self.server, host=self.host, port=self.port)

    def write_files(self) -> Path:
        """Write pgbouncer.ini and the auth file into the folder (owned by the run user); returns the ini."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ini, users = self.folder / "pgbouncer.ini", self.folder / "userlist.txt"
        users.write_text(render_userlist(self.server))
        ini.write_text(
            render_config(
                self.server,
                listen_addr=self.listen_addr,
                listen_port=self.port,
                auth_file=users,
                pool_size=self.pool_size,
                stats_users=self.stats_users,
            )
        )
        user = run_user()
        for path in (self.folder, ini, users):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
            if user is not None:
                entry = pwd.getpwnam(user)
                os.chown(path, entry.pw_uid, entry.pw_gid)
        return ini

    def command(self, ini: Path) -> list[str]:
        """The pgbouncer command line (``-u USER`` when run as root)."""
        program = binary()
        if program is None:
            raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        user = run_user()
        return [program, *(["-u", user] if user else []), str(ini)]

    def start(self) -> PgBouncer:
        """Start PgBouncer and wait until it accepts connections."""
        ini = self.write_files()
        log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command(ini), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with socket.socket() as probe:
                if probe.connect_ex((self.host, self.port)) == 0:
                    return self
            time.sleep(0.05)
        output = self.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"pgbouncer did not start: {output}")

    def stop(self) -> None:
        """Stop PgBouncer (SIGINT: at once, closing every connection) and remove a folder of our own."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _exec(args: argparse.Namespace) -> int:
    """Start the pooler in front of the environment's database, run the command with Django's settings
    for it (persistent connections to the pooler, migrations straight to PostgreSQL), stop it."""
    folder = devdb.data_root() / "pgbouncer"
    shutil.rmtree(folder, ignore_errors=True)
    bouncer = PgBouncer(server_from_environment(), folder=folder, port=args.port, pool_size=args.pool_size)
    env = {**os.environ, "DATABASE_OWNER_URL": direct_owner_url(), **bouncer.environment()}
    env.setdefault("CONN_MAX_AGE", "60")
    with bouncer:
        print(f"pgbouncer: transaction pooling on {bouncer.host}:{bouncer.port}; log in {bouncer.log_path}", flush=True)
        child = subprocess.Popen(args.command, env=env)
        signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the child got the same SIGINT; wait for it to shut down


def _serve(args: argparse.Namespace) -> int:
    """PgBouncer in the foreground (compose's service): the server from ``--server-url`` with the
    roles' passwords from SECRE_APP_PASSWORD and SECRE_CONSOLE_PASSWORD, or from the environment."""
    if args.server_url:
        host, port, dbname, _, _ = _url_parts(args.server_url)
        passwords = {role: os.environ.get(variable, "") for role, variable in PASSWORD_VARIABLES.items()}
        server = Server(host, port, dbname, passwords)
    else:
        server = server_from_environment()
    listen_addr, _, port = args.listen.rpartition(":")
    folder = Path(args.folder) if args.folder else Path(tempfile.gettempdir()) / "secre-pgbouncer"
    bouncer = PgBouncer(server, folder=folder, listen_addr=listen_addr or "127.0.0.1", port=int(port))
    ini = bouncer.write_files()
    settings = {name: value for name, value in bouncer.environment().items() if not name.endswith("_URL")}
    print(f"pgbouncer: transaction pooling on {args.listen} for {server.dbname}; Django needs {settings}", flush=True)
    command = bouncer.command(ini)
    os.execv(command[0], command)  # noqa: S606 (PgBouncer replaces this process: the container's PID 1)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    """``python -m secre.pgbouncer exec|serve``."""
    parser = argparse.ArgumentParser(prog="python -m secre.pgbouncer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("exec", help="start PgBouncer, run a command with Django's settings for it, stop it")
    run.add_argument("--port", type=int, default=0, help="port to listen on (127.0.0.1; default: a free one)")
    run.add_argument("--pool-size", type=int, default=20, help="server connections per role (default 20)")
    run.add_argument("command", nargs=argparse.REMAINDER)
    serve = sub.add_parser("serve", help="run PgBouncer in the foreground")
    serve.add_argument("--listen", default=f"127.0.0.1:{DEFAULT_PORT}", help="ADDRESS:PORT (default 127.0.0.1:6432)")
    serve.add_argument("--server-url", default="", help="postgresql://HOST:PORT/DBNAME (default: the environment's)")
    serve.add_argument("--folder", default="", help="where to write its files (default: a temporary folder)")
    args = parser.parse_args(argv)
    if binary() is None:
        parser.exit(1, "pgbouncer is not installed (Debian/Ubuntu: apt-get install pgbouncer)\n")
    if args.action == "exec":
        args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not args.command:
            parser.error("exec needs a command after --")
        return _exec(args)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
