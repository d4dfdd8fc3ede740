"""``--baseline REV``: the same table measured against another commit, in the same run.

* A ``git worktree`` of REV in ``.secre/bench-baseline/<rev>`` (detached; kept between runs), with its
  own venv (``make venv`` there: REV's pinned requirements).
* The bench's own code (this ``scripts/bench``) is copied over REV's, so both sides are loaded by the
  same loader and sent the same requests; the application code is REV's.
* A database of its own, ``secre_baseline``, on the same PostgreSQL server (the embedded one, or
  ``DATABASE_URL``'s), provisioned by ``tenants/sql/roles.sql``, migrated by REV's migrations and loaded
  by REV's checkout running ``python -m scripts.bench --export``, which pickles the endpoints it built
  (same tenants, keys and sampled rows as it loaded) for this process to replay.
* REV's gunicorn (its venv, its ``docker/gunicorn.conf.py``) serves it while this process measures.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from secre import devdb

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / ".secre" / "bench-baseline"
DATABASE = "secre_baseline"
ROLE_URLS = {"DATABASE_URL": "secre_app", "DATABASE_OWNER_URL": "secre_owner", "DATABASE_CONSOLE_URL": "secre_console"}


def resolve(rev: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def checkout(rev: str) -> Path:
    """The worktree of ``rev`` with its venv and this bench's code; returns its folder."""
    commit = resolve(rev)
    folder = FOLDER / commit[:12]
    if not (folder / "manage.py").exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True)
    print(f"bench: baseline {commit[:12]} in {folder.relative_to(ROOT)}: make venv", flush=True)
    subprocess.run(["make", "venv"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    target = folder / "scripts" / "bench"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "scripts" / "bench", target, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _database_urls() -> dict[str, str]:
    """This run's three URLs with the database name replaced by the baseline's."""
    if os.environ.get("DATABASE_URL"):
        urls = {}
        for name in ROLE_URLS:
            parts = urlsplit(os.environ.get(name) or os.environ["DATABASE_URL"])
            urls[name] = urlunsplit(parts._replace(path="/" + quote(DATABASE)))
        return urls
    query = f"host={devdb.socket_dir()}&port={devdb.SOCKET_PORT}"
    return {name: f"postgresql://{role}@/{DATABASE}?{query}" for name, role in ROLE_URLS.items()}


def provision() -> None:
    """The baseline database (roles are the server's, shared): created by roles.sql if missing."""
    if os.environ.get("DATABASE_URL"):
        admin = os.environ.get("BENCH_ADMIN_URL")
        if not admin:
            raise SystemExit("bench: --baseline with DATABASE_URL needs BENCH_ADMIN_URL (a superuser URL)")
        target = ["-d", admin]
    else:
        target = ["-h", str(devdb.socket_dir()), "-p", str(devdb.SOCKET_PORT), "-U", devdb.SUPERUSER, "-d", "postgres"]
    variables = {"dbname": DATABASE, "owner_password": "", "app_password": "", "console_password": ""}
    for name, env in (("owner_password", "SECRE_OWNER_PASSWORD"), ("app_password", "SECRE_APP_PASSWORD")):
        variables[name] = os.environ.get(env, "")
    variables["console_password"] = os.environ.get("SECRE_CONSOLE_PASSWORD", "")
    command = [devdb._bin("psql"), *target, "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    command += ["-f", str(devdb.ROLES_SQL)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def environment() -> dict[str, str]:
    """Environment for REV's processes: this one's, with the baseline database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(_database_urls())
    return env


def load(folder: Path, bench_args: list[str]) -> tuple[list, list[str]]:
    """Migrate and load the baseline database with REV's code and this bench's loader; returns the
    endpoints and keys it built (pickled by ``--export``)."""
    provision()
    exported = folder / ".secre" / "bench-export.pickle"
    python = folder / ".venv" / "bin" / "python"
    command = [str(python), "-m", "scripts.bench", *bench_args, "--export", str(exported)]
    print(f"bench: baseline: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=folder, env=environment(), check=True)
    with exported.open("rb") as data:
        return pickle.load(data)  # noqa: S301 (our own file, written just now by our own code)


def strip_args(argv: list[str]) -> list[str]:
    """The command line for REV's loader: ours without ``--baseline REV`` (and its value)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--baseline":
            skip = True
            continue
        if arg.startswith("--baseline="):
            continue
        out.append(arg)
    return out


def python_of(folder: Path) -> Path:
    return folder / ".venv" / "bin" / "python"


def current_argv() -> list[str]:
    return sys.argv[1:]
