"""CPU accounting per run (Linux): how busy the machine was, and how much of it was not the bench.

The load generator, gunicorn and PostgreSQL share the machine; anything else running at the same
time (a test suite, a build) steals CPU and inflates latencies. ``Meter`` reads ``/proc`` before
and after a run: the bench's share is this process and its descendants (gunicorn, wrk, hey; with
their reaped children) plus PostgreSQL's processes, except backends of another database. The rest
of the machine's busy time is reported as *other load*, in cores. Elsewhere the meter is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
BENCH_DATABASE = os.environ.get("SECRE_BENCH_DATABASE", "secre")


@dataclass
class Usage:
    busy_cores: float  # whole machine, average over the run
    other_cores: float  # the part not attributable to the bench
    generator_cores: float  # this process alone: the open-loop generator (wrk and hey not included)


def _system_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs."""
    fields = [int(x) for x in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return total - idle, total


def _processes() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (ppid, command name, own ticks, reaped children's ticks)."""
    table = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        # rest[0] is field 3 (state): ppid is field 4, utime..cstime fields 14-17.
        table[int(entry.name)] = (int(rest[1]), name, int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]))
    return table


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _bench_ticks() -> tuple[int, int]:
    """(ticks of the bench's processes, ticks of this process alone)."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(pid)
    ours, stack = set(), [os.getpid()]
    while stack:
        pid = stack.pop()
        if pid in table and pid not in ours:
            ours.add(pid)
            stack.extend(children.get(pid, []))
    ticks = 0
    for pid, (_, name, own, reaped) in table.items():
        if pid in ours:
            ticks += own + reaped
        elif name == "postgres":
            # Client backends show "postgres: <user> <database> <[local] or host(port)> <state>":
            # those of another database (a test run) are not the bench's.
            words = _cmdline(pid).split()
            backend = len(words) > 3 and (words[3] == "[local]" or "(" in words[3])
            if backend and words[2] != BENCH_DATABASE:
                continue
            ticks += own + reaped
    return ticks, table.get(os.getpid(), (0, "", 0, 0))[2]


class Meter:
    """``meter = Meter(); ...run...; usage = meter.stop()``."""

    def __init__(self) -> None:
        self.enabled = (PROC / "stat").exists()
        if self.enabled:
            self.busy, self.total = _system_ticks()
            self.bench, self.own = _bench_ticks()

    def stop(self) -> Usage | None:
        if not self.enabled:
            return None
        busy, total = _system_ticks()
        bench, own = _bench_ticks()
        cpus = os.cpu_count() or 1
        seconds_of_cpu = (total - self.total) / cpus  # jiffies of wall time per CPU
        if seconds_of_cpu <= 0:
            return None
        busy_cores = (busy - self.busy) / seconds_of_cpu
        other_cores = max(0.0, (busy - self.busy) - (bench - self.bench)) / seconds_of_cpu
        generator_cores = (own - self.own) / seconds_of_cpu
        return Usage(round(busy_cores, 2), round(other_cores, 2), round(generator_cores, 2))
