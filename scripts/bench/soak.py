"""``--soak DURATION``: gunicorn worker memory under sustained load (Linux: reads /proc).

After the measured runs, the same server takes ``DURATION`` of saturation load (wrk, ``--connections``)
rotating over a mix of endpoints (point reads, a name search, both POSTs) in rounds of
``ROUND_SECONDS``, while the resident set size (``VmRSS``) of every worker is sampled each round.
The report gives each worker's RSS at the start and the end, the largest seen, the requests served
and the growth of the mean worker RSS per 10,000 requests over the second half of the soak (after
warm-up), which is what "flat" means here. Workers that gunicorn replaced (a crash, a timeout) show
as new pids.
"""

from __future__ import annotations

import time
from pathlib import Path

from scripts.bench import measure

ROUND_SECONDS = 20.0
MIX = ("get-by-id", "by-document", "list-by-phone", "post-camel", "post-snake", "list-by-name")


def worker_pids(master: int) -> list[int]:
    """Children of the gunicorn master (its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(chosen, server, keys: list[str], prefix: str, *, duration: float, connections: int, threads: int) -> dict:
    """Soak ``server`` for ``duration`` seconds; returns the memory figures (see the module)."""
    mix = [e for slug in MIX for e in chosen if e.slug == slug]
    if not mix:
        raise SystemExit("bench: --soak needs at least one of " + ", ".join(MIX))
    master = server.process.pid
    first = {pid: rss_mb(pid) for pid in worker_pids(master)}
    samples: list[tuple[int, float]] = []  # (requests so far, mean worker RSS)
    peak = {pid: rss for pid, rss in first.items() if rss is not None}
    served = errors = 0
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < duration:
        endpoint = mix[n % len(mix)]
        seconds = float(int(min(ROUND_SECONDS, duration - (time.monotonic() - started))))  # wrk: whole seconds
        if seconds < 5:  # a stub round would only add noise to the growth figure
            break
        result = measure.saturation_wrk(endpoint, server.port, keys, f"{prefix}{n}", seconds, connections, threads)
        served += result.requests
        errors += result.n5xx + result.errors
        now = {pid: rss_mb(pid) for pid in worker_pids(master)}
        for pid, rss in now.items():
            if rss is not None:
                peak[pid] = max(peak.get(pid, 0.0), rss)
        values = [v for v in now.values() if v is not None]
        if values:
            samples.append((served, sum(values) / len(values)))
        print(
            f"bench: soak {time.monotonic() - started:5.0f}s: {served:,} requests, workers "
            + ", ".join(f"{v:.0f}" for v in values)
            + " MB",
            flush=True,
        )
        n += 1
    last = {pid: rss_mb(pid) for pid in worker_pids(master)}
    half = samples[len(samples) // 2 :]
    growth = None
    if len(half) >= 2 and half[-1][0] > half[0][0]:
        growth = (half[-1][1] - half[0][1]) / (half[-1][0] - half[0][0]) * 10_000
    return {
        "seconds": round(time.monotonic() - started, 1),
        "requests": served,
        "server errors": errors,
        "rss start MB": {str(p): round(v, 1) for p, v in first.items() if v is not None},
        "rss end MB": {str(p): round(v, 1) for p, v in last.items() if v is not None},
        "rss peak MB": {str(p): round(v, 1) for p, v in peak.items()},
        "mean worker growth MB per 10k requests (second half)": None if growth is None else round(growth, 3),
        "replaced workers": sorted(set(map(str, last)) ^ set(map(str, first))),
    }
