"""The worker process (``manage.py run_worker``): periodic tasks, SQS publishing, and deliveries sent
concurrently by a pool of threads, their leases renewed by a heartbeat while they run.

* The main thread runs the periodic tasks the apps registered (secre/periodic.py: reminders,
  housekeeping), publishes to SQS, and claims due deliveries (webhooks/delivery.py) — only as many
  as it has idle sending threads, at most ``WEBHOOK_CLAIM_BATCH`` at a time, so nothing it claims
  waits in a queue for long.
* ``WEBHOOK_WORKER_THREADS`` sending threads make the attempts. Each thread has its own database
  connections (Django's are per thread) and closes them when it ends.
* A heartbeat thread renews the leases of every delivery this worker holds every third of
  ``WEBHOOK_LEASE_SECONDS``, so a lease outlives any attempt of a live worker however slow the
  receiver; a killed worker's leases run out and its deliveries are taken again.
* Stopping (SIGTERM) claims nothing more, lets the attempts in flight finish (each is bounded by
  ``WEBHOOK_TIMEOUT_SECONDS``), then returns.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connections
from uuid_utils.compat import uuid7

from secre.periodic import Scheduler
from webhooks.delivery import deliveries_claim_due, deliveries_renew, delivery_attempt
from webhooks.sqs import publish_pending

logger = logging.getLogger("secre.webhooks")


class Leases:
    """The deliveries this worker holds (claimed, queued or being sent); thread-safe. ``wait``
    returns early when one is released, so the main thread can claim again at once."""

    def __init__(self) -> None:
        self._held: set[UUID] = set()
        self._changed = threading.Condition()

    def add(self, delivery_id: UUID) -> None:
        with self._changed:
            self._held.add(delivery_id)

    def release(self, delivery_id: UUID) -> None:
        with self._changed:
            self._held.discard(delivery_id)
            self._changed.notify_all()

    def held(self) -> list[UUID]:
        with self._changed:
            return list(self._held)

    def __len__(self) -> int:
        with self._changed:
            return len(self._held)

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, less when a delivery is released."""
        with self._changed:
            self._changed.wait(timeout=seconds)


def _in_own_context(target: Callable[..., None], *args) -> threading.Thread:
    """A thread running ``target`` in a copy of the caller's context (who is acting, for logs)."""
    context = contextvars.copy_context()
    return threading.Thread(target=context.run, args=(target, *args), daemon=True)


def _send(jobs: queue.SimpleQueue, leases: Leases, worker: UUID) -> None:
    """A sending thread: attempt each job until it is handed ``None``; then close its connections."""
    try:
        while (job := jobs.get()) is not None:
            delivery_id, tenant_id = job
            try:
                close_old_connections()  # a connection the database dropped is replaced
                delivery_attempt(delivery_id, tenant_id, worker=worker)
            except Exception:
                logger.exception("delivery failed", extra={"delivery_id": str(delivery_id)})
            finally:
                leases.release(delivery_id)
    finally:
        connections.close_all()


def _heartbeat(leases: Leases, worker: UUID, halt: threading.Event) -> None:
    """Renew this worker's leases every third of the lease until ``halt``; then close its connections."""
    every = settings.WEBHOOK_LEASE_SECONDS / 3
    try:
        while not halt.wait(every):
            held = leases.held()
            if not held:
                continue
            try:
                close_old_connections()
                renewed = deliveries_renew(held, worker=worker)
            except Exception:
                logger.exception("lease renewal failed", extra={"deliveries": len(held)})
                continue
            if renewed < len(held):  # finished meanwhile, or (a stalled worker) taken by another
                logger.info("leases not renewed", extra={"held": len(held), "renewed": renewed})
    finally:
        connections.close_all()


def run_worker(*, stop: Callable[[], bool] = lambda: False, poll_seconds: float = 1.0) -> None:
    """The worker loop, until ``stop()`` is true: periodic tasks when due, SQS publishing, then due
    deliveries handed to the sending threads. Returns once the attempts in flight have finished
    (each at most ``WEBHOOK_TIMEOUT_SECONDS``). ``poll_seconds``: the sleep when nothing is due."""
    worker = UUID(str(uuid7()))
    size = max(1, settings.WEBHOOK_WORKER_THREADS)
    leases, jobs, halt = Leases(), queue.SimpleQueue(), threading.Event()
    senders = [_in_own_context(_send, jobs, leases, worker) for _ in range(size)]
    heartbeat = _in_own_context(_heartbeat, leases, worker, halt)
    for thread in (*senders, heartbeat):
        thread.start()
    scheduler = Scheduler()
    try:
        while not stop():
            scheduler.run_due()
            try:
                publish_pending()
            except Exception:
                logger.exception("sqs publishing failed")
            idle = size - len(leases)
            claimed = []
            if idle > 0:
                try:
                    claimed = deliveries_claim_due(worker=worker, limit=min(idle, settings.WEBHOOK_CLAIM_BATCH))
                except Exception:
                    logger.exception("claiming deliveries failed")
            for delivery_id, tenant_id in claimed:
                leases.add(delivery_id)
                jobs.put((delivery_id, tenant_id))
            if not claimed:
                leases.wait(poll_seconds)
    finally:
        for _ in senders:
            jobs.put(None)
        for thread in senders:
            thread.join()
        halt.set()
        heartbeat.join()
