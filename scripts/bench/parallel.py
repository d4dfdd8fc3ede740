"""Loading in parallel: tasks on a few threads (each with its own database connections), one progress line."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections

from scripts.bench.progress import Progress


def run_parallel(
    tasks: Iterable[Any],
    run_task: Callable[[Any, Callable[[int], None]], None],
    *,
    jobs: int,
    total: int,
    label: str,
) -> tuple[int, float]:
    """Run ``run_task(task, report)`` for every task on ``jobs`` threads; ``report(rows)`` advances the
    progress line towards ``total``. The first error stops the others and is raised here.
    Returns (rows reported, seconds); SystemExit when the work stopped short of ``total``."""
    work: queue.Queue = queue.Queue()
    for task in tasks:
        work.put(task)
    done: queue.Queue = queue.Queue()
    stop = threading.Event()

    def worker() -> None:
        try:
            while not stop.is_set():
                try:
                    task = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    run_task(task, done.put)
                except Exception as exc:  # reported by the main thread
                    done.put(exc)
                    return
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, jobs))]
    progress = Progress(total, label)
    for thread in threads:
        thread.start()
    inserted = 0
    try:
        while inserted < total:
            try:
                item = done.get(timeout=1)
            except queue.Empty:
                if not any(thread.is_alive() for thread in threads) and done.empty():
                    break
                continue
            if isinstance(item, Exception):
                raise item
            inserted += item
            progress.update(inserted)
    finally:
        stop.set()
        elapsed = progress.close()
    for thread in threads:
        thread.join()
    if inserted < total:
        raise SystemExit(f"bench: loading stopped after {inserted:,} of {total:,} rows.")
    return inserted, elapsed
