"""The results table (terminal and markdown), the budget verdict and the machine's description."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection

from scripts.bench.measure import Result
from scripts.bench.server import configured_workers

# The seed's budget: p99 at the fixed offered rate.
BUDGET_MS = {"read": 150.0, "write": 250.0}
HEADERS = [
    "endpoint",
    "mode",
    "requests",
    "p50 ms",
    "p99 ms",
    "req/s",
    "server p50",
    "server p99",
    "non-2xx",
    "5xx",
    "errors",
    "other load",
    "budget",
]


def verdict(result: Result) -> str:
    """``ok``/``OVER`` against the budget for fixed-rate runs; saturation p99 is queueing, not judged."""
    if result.mode != "fixed":
        return "-"
    budget = BUDGET_MS[result.kind]
    return f"{'ok' if result.p99_ms < budget else 'OVER'} (<{budget:g})"


def rows(results: list[Result]) -> list[list[str]]:
    return [
        [
            r.endpoint,
            f"{r.mode} {r.load}",
            f"{r.requests:,}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.rps:,.1f}",
            _ms(r.server_p50_ms),
            _ms(r.server_p99_ms),
            str(r.non_2xx),
            str(r.n5xx),
            str(r.errors),
            "-" if r.other_cores is None else f"{r.other_cores:.2f}",
            verdict(r),
        ]
        for r in results
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# Which limit and floor each endpoint is compared with (the same statements, scripts/bench/limit.py).
LIMIT_KIND = {
    "get-by-id": "read",
    "by-document": "read",
    "list-by-phone": "read",
    "list-by-name": "read",
    "list-by-name-100k": "read",
    "post-camel": "post",
    "post-snake": "post",
}
SHARE_HEADERS = ["endpoint", "req/s", "limit (pgbench)", "share of limit", "floor (bare Django)", "share of floor"]
BASELINE_HEADERS = ["endpoint", "mode", "req/s", "baseline req/s", "ratio", "p99 ms", "baseline p99 ms"]


def _percent(part: float, whole: float | None) -> str:
    return "-" if not whole else f"{100 * part / whole:.1f} %"


def share_rows(results: list[Result]) -> list[list[str]]:
    """Each endpoint's saturation req/s as a share of the limit and the floor of its kind (this code)."""
    by_slug = {r.slug: r for r in results if r.mode == "saturation" and r.side == "this"}
    out = []
    for r in results:
        kind = LIMIT_KIND.get(r.slug)
        if r.side != "this" or r.mode != "saturation" or kind is None:
            continue
        limit, floor = by_slug.get(f"limit-{kind}"), by_slug.get(f"floor-{kind}")
        out.append(
            [
                r.endpoint,
                f"{r.rps:,.1f}",
                "-" if limit is None else f"{limit.rps:,.1f}",
                _percent(r.rps, limit.rps if limit else None),
                "-" if floor is None else f"{floor.rps:,.1f}",
                _percent(r.rps, floor.rps if floor else None),
            ]
        )
    return out


def baseline_rows(results: list[Result]) -> list[list[str]]:
    """This code's figures over the baseline's, per endpoint and mode (req/s ratio; p99 side by side)."""
    base = {(r.slug, r.mode): r for r in results if r.side == "baseline"}
    out = []
    for r in results:
        other = base.get((r.slug, r.mode))
        if r.side != "this" or other is None:
            continue
        ratio = "-" if not other.rps else f"{r.rps / other.rps:.2f}x"
        out.append(
            [r.endpoint, r.mode, f"{r.rps:,.1f}", f"{other.rps:,.1f}", ratio, f"{r.p99_ms:.1f}", f"{other.p99_ms:.1f}"]
        )
    return out


def _text(headers: list[str], body: list[list[str]], numeric: set[int]) -> str:
    table = [headers, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(table):
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append(" | ".join(cells).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown(headers: list[str], body: list[list[str]], text_columns: int) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i < text_columns else "---:" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def shares_text(results: list[Result]) -> str:
    body = share_rows(results)
    return _text(SHARE_HEADERS, body, set(range(1, 6))) if body else ""


def baseline_text(results: list[Result]) -> str:
    body = baseline_rows(results)
    return _text(BASELINE_HEADERS, body, set(range(2, 7))) if body else ""


def text_table(results: list[Result]) -> str:
    table = [HEADERS, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADERS))]
    numeric = set(range(2, 12))
    lines = []
    for n, row in enumerate(table):
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append(" | ".join(cells).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: list[Result]) -> str:
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(HEADERS))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines)


def _proc_field(path: str, name: str) -> str | None:
    """The value of ``name:`` in a /proc file (Linux), or None."""
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.split(":", 1)[0].strip() == name:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def _memory_gib() -> str:
    total = _proc_field("/proc/meminfo", "MemTotal")
    return f"{int(total.split()[0]) / 1024 / 1024:.1f} GiB" if total else "unknown"


def _tool_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "not found"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "unknown"


def _git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")


def machine() -> dict[str, str]:
    """What the figures were measured on (no host names or users)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers')")
        pg_version, shared_buffers = cursor.fetchone()
    workers, threads = configured_workers()
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded, unix socket"
    return {
        "cpu": f"{os.cpu_count()} CPUs, {_cpu_model()}",
        "memory": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": f"{pg_version} ({where}; shared_buffers {shared_buffers})",
        "gunicorn": f"{workers} sync workers x {threads} thread(s) (docker/gunicorn.conf.py)",
        "wrk": _tool_version(["wrk", "--version"]).split(" [")[0],
        "code": _git_revision(),
        "rate limits": "on" if getattr(settings, "RATELIMIT_ENABLED", False) else "off",
    }


def markdown(results: list[Result], *, options: dict, facts: dict, info: dict[str, str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Secre benchmark, {when}", "", "## Machine and code", ""]
    lines += [f"- {name}: {value}" for name, value in info.items()]
    lines += ["", "## Run", ""]
    lines += [f"- {name}: {value}" for name, value in {**options, **facts}.items()]
    mine = [r for r in results if r.side == "this"]
    table = markdown_table(mine) if results else "No HTTP runs (`--reminders only`)."
    lines += ["", "## Results", "", table, ""]
    shares = share_rows(results)
    if shares:
        lines += ["## Share of the limit and the floor (saturation)", "", _markdown(SHARE_HEADERS, shares, 1), ""]
    against = baseline_rows(results)
    if against:
        lines += ["## Against the baseline", "", _markdown(BASELINE_HEADERS, against, 2), ""]
    lines += [
        "Budget (seed): p99 < 150 ms for reads and < 250 ms for writes, judged at the fixed offered rate.",
        "Other load: CPU cores used by processes other than the bench (generator, gunicorn, PostgreSQL)",
        "during the run; above ~0.2 the run was disturbed and its figures are pessimistic.",
        "Fixed-rate latency is measured from each request's due time (open loop); saturation figures",
        "come from wrk (closed loop) with the load generator on the same machine as the server.",
        "",
    ]
    return "\n".join(lines)
