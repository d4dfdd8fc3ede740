"""``python -m scripts.bench.profile``: where one endpoint's milliseconds go, in process.

Runs ``-n`` requests of each chosen endpoint through Django's test client (the whole middleware and
DRF stack, no HTTP server) against the bench data already loaded (``make bench`` first), counts the
SQL statements of one request (a ``connection.execute_wrapper``; BEGIN and COMMIT are not statements there), times
the requests without a profiler (wall time, and this process's CPU time: the steadier figure on a
shared box, Python's share only), then once more under cProfile and prints the top functions by
own time and by cumulative time. cProfile roughly doubles Python's cost: read its figures as shares.

    .venv/bin/python -m secre.devdb exec -- .venv/bin/python -m scripts.bench.profile \\
        --endpoints get-by-id,post-camel -n 300
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import time
from dataclasses import replace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", default="get-by-id,by-document,list-by-phone,post-camel,post-snake")
    parser.add_argument("-n", type=int, default=300, help="requests per endpoint (default 300)")
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--doctors", type=int, default=10)
    parser.add_argument("--appointments", type=int, default=3_000_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    import django

    django.setup()
    logging.getLogger("secre.request").setLevel(logging.WARNING)  # one line per request: not this report's
    from django.db import connection
    from django.test import Client

    from scripts.bench import data, endpoints, scheduling

    tenants = data.ensure_tenants(args.tenants, create=False)
    big = data.ensure_big_tenant(create=False)
    keys = [t.key for t in tenants] + [big.key]  # the big clinic's key comes after the others'
    chosen = endpoints.build(tenants, data.sample_targets(tenants, 50))
    per_doctor = -(-args.appointments // args.tenants // args.doctors)
    patients = scheduling.min_patients(tenants)
    chosen += endpoints.build_scheduling(tenants, doctors=args.doctors, per_doctor=per_doctor, patients=patients)
    big_targets = [replace(t, tenant=len(tenants)) for t in data.sample_targets([big], 50)]
    chosen += endpoints.build_big(big_targets, key=len(tenants), per_doctor=per_doctor)
    wanted = [s.strip() for s in args.endpoints.split(",") if s.strip()]
    if any(e.booking is not None for e in chosen if e.slug in wanted):
        scheduling.delete_bookings(tenants)  # earlier runs' bookings took the slots this one books
    client = Client(HTTP_HOST="127.0.0.1")
    run_tag = f"8{int(time.time()) % 10**8:08d}"

    def call(endpoint, i: int, prefix: str):
        method, path, headers, body = endpoint.request(i, keys, prefix)
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        extra.pop("HTTP_CONTENT_TYPE", None)
        if method == "GET":
            return client.get(path, **extra)
        return client.post(path, data=body, content_type="application/json", **extra)

    for n, endpoint in enumerate(e for s in wanted for e in chosen if e.slug == s):
        for i in range(20):  # warm: imports, connections, caches
            call(endpoint, i, f"{run_tag}{n}w")
        queries: list[str] = []

        def record(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = call(endpoint, 10_000, f"{run_tag}{n}q")
        started, started_cpu = time.perf_counter(), time.process_time()
        for i in range(args.n):
            call(endpoint, 20_000 + i, f"{run_tag}{n}t")
        plain_ms = (time.perf_counter() - started) * 1000 / args.n
        cpu_ms = (time.process_time() - started_cpu) * 1000 / args.n
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.n):
            call(endpoint, 40_000 + i, f"{run_tag}{n}p")
        profiler.disable()
        print(f"\n=== {endpoint.name}: status {response.status_code}, {len(queries)} SQL statements per request,")
        print(f"    {plain_ms:.2f} ms per request in process (test client, no profiler), {args.n} requests,")
        print(f"    {cpu_ms:.2f} ms of this process's CPU per request (not the database's; steadier than wall time)")
        if args.sql:
            for sql in queries:
                print("    SQL:", sql[:160])
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(args.top)
            print(out.getvalue().split("\n", 6)[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
