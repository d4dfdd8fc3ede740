"""Periodic work the worker does by itself, so a deployment needs no cron: housekeeping (purge steps:
records past their retention) and recurring jobs (appointment reminders).

Each app registers its own tasks in its ``AppConfig.ready()`` — the worker (webhooks) and the ``purge``
command (tenants) never import the apps whose records they purge. A task is a function of no arguments
returning how many things it did (rows removed, reminders emitted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger("secre.periodic")


@dataclass(frozen=True)
class PeriodicTask:
    """``run`` every ``every_seconds``; ``purge``: also part of ``manage.py purge``."""

    name: str
    run: Callable[[], int]
    every_seconds: float
    purge: bool = False


_tasks: dict[str, PeriodicTask] = {}


def register(name: str, run: Callable[[], int], *, every_seconds: float, purge: bool = False) -> None:
    """Register (or replace) a task under ``name`` (camelCase: it names the count in ``purge --json``)."""
    _tasks[name] = PeriodicTask(name=name, run=run, every_seconds=every_seconds, purge=purge)


def tasks() -> list[PeriodicTask]:
    return list(_tasks.values())


def purge_all() -> dict[str, int]:
    """Run every purge step now: ``{name: count}``."""
    return {task.name: task.run() for task in _tasks.values() if task.purge}


@dataclass
class Scheduler:
    """Runs each task when its interval has passed (all at the first call). Failures are logged by task
    name and class, and the task is tried again at its next interval; the others still run."""

    last_run: dict[str, float] = field(default_factory=dict)

    def run_due(self, now: float | None = None) -> dict[str, int]:
        now = time.monotonic() if now is None else now
        done = {}
        for task in tasks():
            if now - self.last_run.get(task.name, float("-inf")) < task.every_seconds:
                continue
            self.last_run[task.name] = now
            try:
                done[task.name] = task.run()
            except Exception:
                logger.exception("periodic task failed", extra={"task": task.name})
        return done
