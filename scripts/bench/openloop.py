"""Open-loop load at a fixed offered rate: request i is due at ``t0 + i / rate``, whatever happened before.

Latency is measured from the request's due time, not from when a worker got round to sending it,
so a slow server is charged for the queue it causes (no coordinated omission). A pool of threads
sends the requests; each uses a new connection, as gunicorn's sync workers close them anyway.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Request = tuple[str, str, dict[str, str], bytes | None]


@dataclass
class Sample:
    latency: float  # seconds from the due time to the end of the response
    lag: float  # seconds from the due time to the send (the generator's own delay)
    status: int  # 0: connection error or timeout


def run(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    rate: float,
    duration: float,
    workers: int = 64,
    timeout: float = 30.0,
) -> tuple[list[Sample], float]:
    """Offer ``rate`` requests/s for ``duration`` seconds. Returns the samples and the wall time
    from the first due time to the last response."""
    total = max(1, int(rate * duration))
    samples: list[Sample | None] = [None] * total
    lock = threading.Lock()
    state = {"next": 0, "last_end": 0.0}
    t0 = time.perf_counter() + 0.05

    def worker() -> None:
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= total:
                return
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            method, path, headers, body = make_request(i)
            sent = time.perf_counter()
            status = 0
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
            finally:
                conn.close()
            end = time.perf_counter()
            samples[i] = Sample(latency=end - due, lag=sent - due, status=status)
            with lock:
                state["last_end"] = max(state["last_end"], end)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(workers, total))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for s in samples if s is not None], max(state["last_end"] - t0, 1e-9)
