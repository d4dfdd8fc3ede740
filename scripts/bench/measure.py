"""One measurement run per (endpoint, mode): open-loop or hey at a fixed rate, wrk at saturation."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from scripts.bench import openloop
from scripts.bench.endpoints import Endpoint, lua_script
from scripts.bench.server import HOST

WRK_TIMEOUT = "10s"
HEY_TIMEOUT = 10
BOOKINGS_PER_SECOND_BOUND = 1_500  # far above what 2 cores book; a repeated body would get a 409


@dataclass
class Result:
    endpoint: str
    slug: str
    kind: str  # read | write
    mode: str  # fixed | saturation
    tool: str
    load: str  # "200 req/s offered" | "50 connections"
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    rps: float
    non_2xx: int
    n4xx: int
    n5xx: int
    errors: int  # connection errors and timeouts (no status at all)
    lag_p99_ms: float | None = None  # open loop only: the generator's own delay in sending
    busy_cores: float | None = None  # whole machine during the run (Linux)
    other_cores: float | None = None  # of which not the bench (other processes on the machine)
    generator_cores: float | None = None  # of which the open-loop generator (this process)
    server_p50_ms: float | None = None  # the app's own request time (its JSON "request" log lines)
    server_p99_ms: float | None = None
    side: str = "this"  # "this" (the code under test) or "baseline" (--baseline REV)

    def as_dict(self) -> dict:
        return asdict(self)


def server_times(log_path: Path, offset: int) -> tuple[list[float], int]:
    """``duration_ms`` of the app's ``request`` log lines written to ``log_path`` after ``offset``
    (bytes); returns them and the new offset. Lines that are not such JSON are skipped."""
    try:
        with log_path.open("rb") as log:
            log.seek(offset)
            chunk = log.read()
    except FileNotFoundError:
        return [], offset
    times = []
    for line in chunk.splitlines():
        if b"duration_ms" not in line:
            continue
        try:
            record = json.loads(line)
            if record.get("event") == "request":
                times.append(float(record["duration_ms"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return times, offset + len(chunk)


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _from_samples(endpoint: Endpoint, mode: str, tool: str, load: str, latencies_ms, statuses, seconds, lag_ms=None):
    latencies_ms = sorted(latencies_ms)
    lags = sorted(lag_ms) if lag_ms is not None else None
    return Result(
        endpoint=endpoint.name,
        slug=endpoint.slug,
        kind=endpoint.kind,
        mode=mode,
        tool=tool,
        load=load,
        requests=len(statuses),
        seconds=round(seconds, 2),
        p50_ms=round(percentile(latencies_ms, 50), 1),
        p99_ms=round(percentile(latencies_ms, 99), 1),
        max_ms=round(latencies_ms[-1] if latencies_ms else 0.0, 1),
        rps=round(len(statuses) / seconds, 1) if seconds else 0.0,
        non_2xx=sum(1 for s in statuses if not 200 <= s < 300),
        n4xx=sum(1 for s in statuses if 400 <= s < 500),
        n5xx=sum(1 for s in statuses if s >= 500),
        errors=sum(1 for s in statuses if s == 0),
        lag_p99_ms=round(percentile(lags, 99), 1) if lags is not None else None,
    )


def fixed_open_loop(endpoint: Endpoint, port: int, keys: list[str], doc_prefix: str, rate: float, duration: float):
    samples, seconds = openloop.run(
        HOST, port, lambda i: endpoint.request(i, keys, doc_prefix), rate=rate, duration=duration
    )
    return _from_samples(
        endpoint,
        "fixed",
        "open-loop (python)",
        f"{rate:g} req/s offered",
        [s.latency * 1000 for s in samples],
        [s.status for s in samples],
        seconds,
        [s.lag * 1000 for s in samples],
    )


def fixed_hey(endpoint: Endpoint, port: int, keys: list[str], rate: float, duration: float, connections: int):
    """hey at ``rate`` (``-q`` is per worker): one URL, the endpoint's first target (GETs only)."""
    method, path, headers, _ = endpoint.request(0, keys, "")
    workers = max(1, min(connections, int(rate)))
    command = ["hey", "-z", f"{duration:g}s", "-q", f"{rate / workers:g}", "-c", str(workers), "-m", method]
    command += ["-t", str(HEY_TIMEOUT), "-o", "csv"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latencies, statuses, last = [], [], 0.0
    for row in csv.DictReader(io.StringIO(output)):
        latencies.append(float(row["response-time"]) * 1000)
        statuses.append(int(row["status-code"] or 0))
        last = max(last, float(row["offset"]) + float(row["response-time"]))
    return _from_samples(
        endpoint, "fixed", "hey -q (one URL)", f"{rate:g} req/s offered", latencies, statuses, last or duration
    )


def saturation_wrk(
    endpoint: Endpoint, port: int, keys: list[str], doc_prefix: str, duration: float, connections: int, threads: int
):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix=f"bench-{endpoint.slug}-", delete=False) as script:
        requests = 0
        if endpoint.booking is not None:  # unique bodies, more than the run can send
            requests = min(endpoint.booking.capacity(), int(duration * BOOKINGS_PER_SECOND_BOUND))
        script.write(lua_script(endpoint, keys, doc_prefix, threads=threads, requests=requests))
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            WRK_TIMEOUT,
            "--latency",
            "-s",
            script.name,
            f"http://{HOST}:{port}/",
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise SystemExit(f"bench: wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = data["duration_us"] / 1e6
    non_2xx = data["n3xx"] + data["n4xx"] + data["n5xx"]
    return Result(
        endpoint=endpoint.name,
        slug=endpoint.slug,
        kind=endpoint.kind,
        mode="saturation",
        tool=f"wrk -t{threads} -c{connections}",
        load=f"{connections} connections",
        requests=data["requests"],
        seconds=round(seconds, 2),
        p50_ms=round(data["p50_us"] / 1000, 1),
        p99_ms=round(data["p99_us"] / 1000, 1),
        max_ms=round(data["max_us"] / 1000, 1),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        non_2xx=non_2xx,
        n4xx=data["n4xx"],
        n5xx=data["n5xx"],
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
    )
