"""``python -m scripts.bench`` (``make bench``): load patients, serve with gunicorn, measure, report.

Steps: migrate; make sure the bench tenants (``bench-000``...) and their keys exist; bulk-load the
missing synthetic patients (idempotent, with a progress line); measure the reminder scan
(scripts/bench/reminders.py; ``--reminders only`` stops after it); start gunicorn as in production; per
endpoint, measure latency at a fixed offered rate (open loop) and throughput at saturation (wrk);
print the table and write it to ``bench-results/latest.md`` (and ``.json``). Exits 1 on any 5xx or
connection error. Needs ``wrk`` (and ``hey`` for ``--fixed-tool hey``) on PATH unless ``--reminders
only``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from secre import pgbouncer

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "bench-results"
OTHER_LOAD_WARNING = 0.2  # cores used by processes other than the bench during a run
RETRY_PAUSE = 10.0  # seconds to wait before measuring a disturbed run again
INSTALL_HINT = "Install them with `apt-get install wrk hey` (Debian/Ubuntu) or `brew install wrk hey` (macOS)."


def duration(text: str) -> float:
    """``20s``, ``1m``, ``90`` (seconds) -> seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (use 20s, 1m, ...)")
    value, unit = float(match[1]), match[2] or "s"
    return value * {"ms": 0.001, "s": 1, "m": 60}[unit]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--patients",
        type=int,
        default=1_000_000,
        help="patients to load in all (default 1000000; 0 empties the bench tenants)",
    )
    parser.add_argument(
        "--appointments",
        type=int,
        default=3_000_000,
        help="appointments to load in all (default 3000000, over --doctors doctors per tenant)",
    )
    parser.add_argument("--doctors", type=int, default=10, help="doctors per bench tenant (default 10)")
    parser.add_argument("--tenants", type=int, default=100, help="bench tenants to spread them over (default 100)")
    parser.add_argument("--rate", type=float, default=200, help="fixed offered rate, requests/s (default 200)")
    parser.add_argument("--duration", type=duration, default=20.0, help="length of each run (default 20s)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections at saturation (default 50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--skip-load", action="store_true", help="do not load: measure the data already there")
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="serve through PgBouncer in transaction pooling mode (Debian's pgbouncer; docs/scaling.md)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="parallel database connections for the load (default 2)")
    parser.add_argument(
        "--endpoints",
        default="all",
        help="comma-separated slugs (get-by-id, list-by-phone, list-by-name, "
        "by-document, post-camel, post-snake, time-slots-day, time-slots-31, book, list-by-name-100k, "
        "time-slots-search-7) or 'all'",
    )
    parser.add_argument("--modes", default="fixed,saturation", help="comma-separated: fixed, saturation (default both)")
    parser.add_argument(
        "--fixed-tool",
        choices=["open-loop", "hey"],
        default="open-loop",
        help="fixed-rate generator: open-loop (default; every request differs) or hey -q (one URL; GETs only)",
    )
    parser.add_argument("--sample", type=int, default=50, help="loaded rows per tenant to aim requests at (default 50)")
    parser.add_argument("--pause", type=duration, default=2.0, help="pause between runs (default 2s)")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="repeat a run disturbed by other processes (over 0.2 cores) up to this many times (default 2)",
    )
    parser.add_argument(
        "--reminders",
        choices=["on", "off", "only"],
        default="on",
        help="measure the reminder scan before the HTTP runs (on, the default), not at all, or alone (only)",
    )
    parser.add_argument(
        "--reminder-lead",
        type=int,
        default=24 * 60,
        help="reminder lead set on the bench tenants, minutes (default 1440: a day of appointments is due)",
    )
    parser.add_argument("--reminder-scans", type=int, default=20, help="scans with nothing due to time (default 20)")
    parser.add_argument(
        "--big-patients",
        type=int,
        default=100_000,
        help="patients of the one big clinic bench-big (default 100000; name search at 100k, the "
        "specialty search over its --doctors doctors); 0: no big clinic",
    )
    parser.add_argument(
        "--limit",
        choices=["on", "off"],
        default="on",
        help="also measure the database's limit (pgbench) and Django's floor (bare views) (default on)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="measure the same endpoints against commit REV too (its own worktree, venv and database "
        "on the same server) and print the ratio per endpoint",
    )
    parser.add_argument(
        "--soak",
        type=duration,
        default=0.0,
        help="after the runs, this long of saturation load over a mix of endpoints, sampling every "
        "gunicorn worker's RSS (e.g. 10m; default off)",
    )
    parser.add_argument("--export", metavar="PATH", help=argparse.SUPPRESS)  # --baseline's loader: pickle, stop
    args = parser.parse_args(argv)
    if args.reminder_lead < 0:
        parser.error("--reminder-lead >= 0 is required")
    if args.patients < 0 or args.tenants < 1 or args.rate <= 0 or args.connections < 1:
        parser.error("--patients >= 0, --tenants >= 1, --rate > 0 and --connections >= 1 are required")
    if args.appointments < 0 or args.doctors < 1:
        parser.error("--appointments >= 0 and --doctors >= 1 are required")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(args.modes) <= {"fixed", "saturation"}:
        parser.error("--modes takes fixed and/or saturation")
    return args


def check_tools(args: argparse.Namespace) -> None:
    if args.reminders == "only":
        return  # no HTTP runs
    needed = []
    if args.pgbouncer and pgbouncer.binary() is None:
        raise SystemExit("bench: --pgbouncer needs Debian's pgbouncer (apt-get install pgbouncer).")
    if "saturation" in args.modes:
        needed.append("wrk")
    if "fixed" in args.modes and args.fixed_tool == "hey":
        needed.append("hey")
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"bench: {' and '.join(missing)} not found on PATH. {INSTALL_HINT}")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    import django

    django.setup()


def migrate() -> None:
    print("bench: applying migrations", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)


def _terminate(signum, frame):  # SIGTERM: unwind like Ctrl-C so gunicorn is stopped
    raise KeyboardInterrupt


def prepare(args: argparse.Namespace, facts: dict[str, str]):
    """Migrate (also with ``--skip-load``: the code measured needs its own schema), make sure the
    tenants and keys exist, load what is missing. Returns the tenants (None after ``--patients 0``,
    which only empties the bench tenants)."""
    from scripts.bench import data

    migrate()
    print(f"bench: {args.tenants} bench tenants and their API keys", flush=True)
    tenants = data.ensure_tenants(args.tenants, create=not args.skip_load)
    targets_per_tenant = data.split(args.patients, args.tenants)
    if args.skip_load:
        facts["load"] = "skipped (--skip-load)"
    else:
        tidy_appointments(args, tenants, targets_per_tenant)
        deleted = data.tidy(tenants, targets_per_tenant)
        if deleted:
            print(f"bench: deleted {deleted:,} rows left by earlier runs (POSTed, or past the asked number)")
        inserted, seconds = data.load(tenants, targets_per_tenant, jobs=args.jobs)
        if inserted:
            facts["load"] = f"{inserted:,} patients inserted in {seconds:.1f}s ({inserted / seconds:,.0f} rows/s)"
        else:
            facts["load"] = "nothing to insert (the asked patients were there, counted per tenant)"
        print(f"bench: load: {facts['load']}")
        if inserted or deleted:
            started = time.monotonic()
            data.analyze()
            facts["vacuum analyze"] = f"{time.monotonic() - started:.1f}s"
            print(f"bench: VACUUM (ANALYZE) patients_patient in {facts['vacuum analyze']}")
    if args.patients == 0 and not args.skip_load:
        print("bench: --patients 0: the bench tenants' patients are deleted; nothing to measure")
        return None
    counts = data.loaded_counts(tenants)
    loaded = sum(counts.values())
    print(f"bench: {loaded:,} loaded patients over {len(tenants)} tenants")
    short = [i for i, target in enumerate(targets_per_tenant) if counts[i] < target]
    if short:
        print(f"bench: warning: {len(short)} tenants hold fewer patients than asked; run without --skip-load")
    if loaded == 0:
        raise SystemExit("bench: no loaded patients to aim requests at; run without --skip-load.")
    facts["patients loaded"] = f"{loaded:,} over {len(tenants)} tenants"
    facts["patient rows in the bench tenants"] = f"{data.total_rows(tenants):,}"
    prepare_scheduling(args, tenants, facts)
    return tenants


def prepare_scheduling(args: argparse.Namespace, tenants, facts: dict[str, str]) -> None:
    """Doctors, rules and appointments (unless --skip-load); the bench's earlier bookings are
    always deleted so every run books into free slots."""
    from scripts.bench import scheduling

    targets = scheduling_targets(args)
    if not args.skip_load:
        started = time.monotonic()
        created = scheduling.ensure_doctors(tenants, args.doctors)
        deleted = args.appointments_deleted
        inserted, seconds = scheduling.load(tenants, targets, doctors=args.doctors, jobs=args.jobs)
        if inserted:
            facts["appointment load"] = (
                f"{inserted:,} appointments inserted in {seconds:.1f}s ({inserted / seconds:,.0f} rows/s)"
            )
        else:
            facts["appointment load"] = "nothing to insert (the asked appointments were there, counted per tenant)"
        print(f"bench: appointments: {facts['appointment load']}")
        if inserted or deleted or created:
            scheduling.analyze()
            print(f"bench: VACUUM (ANALYZE) scheduling tables ({time.monotonic() - started:.1f}s with the load)")
    else:
        deleted = scheduling.delete_bookings(tenants)
        if deleted:
            print(f"bench: deleted {deleted:,} appointments booked by earlier runs")
    loaded = sum(scheduling.appointment_counts(tenants).values())
    print(f"bench: {loaded:,} loaded appointments, {args.doctors} doctors per tenant")
    if loaded < sum(targets):
        print("bench: warning: fewer appointments than asked; run without --skip-load")
    facts["appointments loaded"] = (
        f"{loaded:,} ({args.doctors} doctors per tenant, {args.doctors * len(tenants):,} in all)"
    )
    facts["appointment rows in the bench tenants"] = f"{scheduling.total_rows(tenants):,}"


def tidy_appointments(args: argparse.Namespace, tenants, patient_targets: list[int]) -> None:
    """Before the patients' tidy step (appointments reference patients): delete the bench's
    bookings and loaded appointments past the asked number; in tenants losing loaded patients,
    all loaded appointments (their patients are chosen modulo the patient count: reloaded)."""
    from scripts.bench import data, scheduling

    counts = data.loaded_counts(tenants)
    targets = [
        0 if counts[t.index] > patients else target
        for t, patients, target in zip(tenants, patient_targets, scheduling_targets(args), strict=True)
    ]
    args.appointments_deleted = scheduling.tidy(tenants, targets)
    if args.appointments_deleted:
        print(f"bench: deleted {args.appointments_deleted:,} appointments (booked by earlier runs, or to reload)")


def scheduling_targets(args: argparse.Namespace) -> list[int]:
    from scripts.bench import data

    return data.split(args.appointments, args.tenants)


def prepare_big(args: argparse.Namespace, facts: dict[str, str]):
    """The big clinic: ``--big-patients`` patients, ``--doctors`` doctors all of one specialty, and as
    many appointments per doctor as the other tenants' doctors have. None with ``--big-patients 0``."""
    from scripts.bench import data, scheduling

    if args.big_patients == 0:
        return None
    big = data.ensure_big_tenant(create=not args.skip_load)
    appointments = max(scheduling_targets(args)) if args.appointments else 0
    if not args.skip_load:
        counts = data.loaded_counts([big])
        scheduling.tidy([big], [0 if counts[big.index] > args.big_patients else appointments])
        data.tidy([big], [args.big_patients])
        inserted, _ = data.load([big], [args.big_patients], jobs=args.jobs)
        created = scheduling.ensure_doctors([big], args.doctors, specialty=endpoints_specialty())
        booked, _ = scheduling.load([big], [appointments], doctors=args.doctors, jobs=1)
        if inserted or created or booked:
            data.analyze()
            scheduling.analyze()
    loaded = data.loaded_counts([big])[big.index]
    facts["big clinic"] = (
        f"{data.BIG_NAME}: {loaded:,} patients, {args.doctors} doctors of one specialty, "
        f"{scheduling.appointment_counts([big])[big.index]:,} appointments"
    )
    print(f"bench: {facts['big clinic']}", flush=True)
    return big


def endpoints_specialty() -> str:
    from scripts.bench import endpoints

    return endpoints.BIG_SPECIALTY


def select_endpoints(args: argparse.Namespace, tenants, big=None):
    from dataclasses import replace

    from scripts.bench import data, endpoints, scheduling

    chosen = endpoints.build(tenants, data.sample_targets(tenants, args.sample))
    per_doctor = -(-max(scheduling_targets(args)) // args.doctors)
    patients = scheduling.min_patients(tenants)
    chosen += endpoints.build_scheduling(tenants, doctors=args.doctors, per_doctor=per_doctor, patients=patients)
    if big is not None:  # its key comes after the other tenants' keys
        targets = [replace(t, tenant=len(tenants)) for t in data.sample_targets([big], args.sample)]
        chosen += endpoints.build_big(targets, key=len(tenants), per_doctor=per_doctor)
    if args.endpoints == "all":
        return chosen
    wanted = [s.strip() for s in args.endpoints.split(",") if s.strip()]
    unknown = set(wanted) - {e.slug for e in chosen}
    if unknown:
        raise SystemExit(f"bench: unknown endpoints {sorted(unknown)}")
    return [e for e in chosen if e.slug in wanted]


def run_one(args: argparse.Namespace, endpoint, mode: str, port: int, keys: list[str], prefix: str, log=None):
    """One measurement, with the machine's CPU use during it, and the app's own request times from
    its log (``log``: the server's log file) when it writes them."""
    from scripts.bench import cpu, measure

    print(f"bench: {endpoint.name}: {mode} ...", end=" ", flush=True)
    offset = log.stat().st_size if log is not None and log.exists() else 0
    meter = cpu.Meter()
    if mode == "fixed" and args.fixed_tool == "hey" and endpoint.method == "GET":
        result = measure.fixed_hey(endpoint, port, keys, args.rate, args.duration, args.connections)
    elif mode == "fixed":
        result = measure.fixed_open_loop(endpoint, port, keys, prefix, args.rate, args.duration)
    else:
        result = measure.saturation_wrk(endpoint, port, keys, prefix, args.duration, args.connections, args.threads)
    usage = meter.stop()
    if log is not None:
        times, _ = measure.server_times(log, offset)
        if times:
            times.sort()
            result.server_p50_ms = round(measure.percentile(times, 50), 2)
            result.server_p99_ms = round(measure.percentile(times, 99), 2)
    line = f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.rps:,.1f} req/s"
    if result.server_p50_ms is not None:
        line += f" (server p50 {result.server_p50_ms:.1f} ms, p99 {result.server_p99_ms:.1f} ms)"
    if usage is not None:
        result.busy_cores, result.other_cores = usage.busy_cores, usage.other_cores
        result.generator_cores = usage.generator_cores
        line += f" (CPU: machine {usage.busy_cores:.2f} cores, generator {usage.generator_cores:.2f}"
        line += f", other processes {usage.other_cores:.2f})"
    print(line, flush=True)
    return result


def warm_up(chosen, port: int, keys: list[str], prefix: str) -> None:
    """A second of requests per endpoint so every worker has imported everything and holds a connection."""
    from scripts.bench import openloop
    from scripts.bench.server import HOST

    for n, endpoint in enumerate(chosen):
        openloop.run(HOST, port, lambda i, e=endpoint, p=f"{prefix}{n}": e.request(i, keys, p), rate=100, duration=1.0)


def verdicts(args: argparse.Namespace, results, log_path: Path) -> int:
    """Print what needs attention; the exit status (1 on any 5xx or connection error)."""
    from scripts.bench import report

    for r in results:
        if r.mode == "fixed" and r.rps < 0.95 * args.rate:
            print(f"bench: note: {r.endpoint}: the server kept up with only {r.rps:g} of {args.rate:g} req/s offered")
        if (r.other_cores or 0) > OTHER_LOAD_WARNING:
            print(f"bench: note: {r.endpoint} ({r.mode}): other processes used {r.other_cores} cores during the run")
    for r in results:
        if report.verdict(r).startswith("OVER"):
            print(f"bench: OVER BUDGET: {r.endpoint} p99 {r.p99_ms} ms at {r.load}")
    for r in results:
        if r.non_2xx - r.n5xx - r.errors > 0:
            print(f"bench: warning: {r.endpoint} ({r.mode}): {r.non_2xx} non-2xx responses ({r.n4xx} 4xx)")
    failed = [r for r in results if r.n5xx or r.errors]
    for r in failed:
        print(f"bench: FAILED: {r.endpoint} ({r.mode}): {r.n5xx} server errors (5xx), {r.errors} connection errors")
    if failed:
        print(f"bench: see {log_path.relative_to(ROOT)} for the server's tracebacks")
        return 1
    return 0


def write_results(results, *, options: dict, facts: dict, info: dict, reminders: dict | None) -> None:
    """bench-results/latest.md and latest.json; the reminder targets missed, if any, are printed."""
    from scripts.bench import reminders as reminder_step
    from scripts.bench import report

    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "latest.md").write_text(report.markdown(results, options=options, facts=facts, info=info))
    payload = {"machine": info, "options": options, "facts": facts, "results": [r.as_dict() for r in results]}
    payload["reminders"] = reminders
    (RESULTS_DIR / "latest.json").write_text(json.dumps(payload, indent=1) + "\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/latest.md and latest.json")
    for line in reminder_step.verdict(reminders) if reminders else []:
        print(f"bench: OVER TARGET: {line}")


def measure_endpoints(args, sides, run_tag: str) -> list:
    """Warm up, then every endpoint in every mode (a disturbed run measured again). ``sides`` are
    ``(side, server, endpoints, keys, log)``: with ``--baseline`` this code and the baseline's take
    turns endpoint by endpoint, so a drift in the machine's load hits both alike."""
    results = []
    for side, server, chosen, keys, _ in sides:
        warm_up(chosen, server.port, keys, f"{run_tag}{side[0]}w")
    for n, endpoint in enumerate(sides[0][2]):
        for mode in args.modes:
            for side, server, chosen, keys, log_path in sides:
                twin = next((e for e in chosen if e.slug == endpoint.slug), None)
                if twin is None:
                    continue
                attempts = []
                for attempt in range(1 + max(0, args.retries)):
                    prefix = f"{run_tag}{side[0]}{n}{mode[0]}{attempt}"
                    attempts.append(run_one(args, twin, mode, server.port, keys, prefix, log=log_path))
                    time.sleep(args.pause)
                    if (attempts[-1].other_cores or 0) <= OTHER_LOAD_WARNING or attempt == args.retries:
                        break
                    print(f"bench: other processes used {attempts[-1].other_cores} cores: measuring again")
                    time.sleep(RETRY_PAUSE)
                best = min(attempts, key=lambda r: r.other_cores or 0)
                best.side = side
                if side != "this":
                    print(f"bench: (that was the baseline {side})")
                    best.side = "baseline"
                results.append(best)
    return results


def measure_limit_and_floor(args, chosen, tenants, run_tag: str) -> list:
    """pgbench's limit (scripts/bench/limit.py) and Django's floor (scripts/bench/floor_urls.py), at
    saturation with ``--connections`` clients, for the point read and the patient POST."""
    from dataclasses import replace

    from scripts.bench import cpu, data, endpoints, limit
    from scripts.bench.server import Gunicorn

    results = []
    targets = data.sample_targets(tenants, args.sample)
    for kind in ("read", "post"):
        print(f"bench: limit: pgbench, {kind} ...", end=" ", flush=True)
        meter = cpu.Meter()
        result = limit.run(
            kind,
            tenants,
            targets,
            duration=args.duration,
            clients=args.connections,
            threads=args.threads,
            run_tag=f"{run_tag}L",
        )
        usage = meter.stop()
        if usage is not None:
            result.busy_cores, result.other_cores = usage.busy_cores, usage.other_cores
        print(f"{result.rps:,.1f} transactions/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms", flush=True)
        results.append(result)
        time.sleep(args.pause)
    floor = endpoints.build_floor(chosen)
    if floor:
        log_path = RESULTS_DIR / "gunicorn-floor.log"
        tenant_ids = [str(t.id) for t in tenants]
        env = {"DJANGO_SETTINGS_MODULE": "scripts.bench.floor_settings"}
        print("bench: starting the floor's gunicorn (scripts.bench.floor_settings)", flush=True)
        with Gunicorn(log_path, env=env) as server:
            warm_up(floor, server.port, tenant_ids, f"{run_tag}fw")
            for n, endpoint in enumerate(floor):
                prefix = f"{run_tag}F{n}"
                result = run_one(args, endpoint, "saturation", server.port, tenant_ids, prefix)
                results.append(replace(result))
                time.sleep(args.pause)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_tools(args)
    signal.signal(signal.SIGTERM, _terminate)
    setup_django()

    from django.db import connections

    from scripts.bench import reminders, report
    from scripts.bench.server import Gunicorn

    facts: dict[str, str] = {}
    tenants = prepare(args, facts)
    if tenants is None:
        return 0
    big = prepare_big(args, facts)
    info = report.machine()
    options = {
        "patients": f"{args.patients:,}",
        "tenants": args.tenants,
        "appointments": f"{args.appointments:,} ({args.doctors} doctors per tenant)",
        "big clinic": f"{args.big_patients:,} patients" if args.big_patients else "none",
        "fixed rate": f"{args.rate:g} req/s ({args.fixed_tool})",
        "duration per run": f"{args.duration:g}s",
        "saturation": f"wrk -t{args.threads} -c{args.connections}",
        "reminders": f"{args.reminders} (lead {args.reminder_lead} min)",
        "limit and floor": args.limit,
    }
    if args.export:  # --baseline's loader in REV's checkout: hand the endpoints over and stop
        import pickle

        chosen = select_endpoints(args, tenants, big)
        keys = [t.key for t in tenants] + ([big.key] if big else [])
        with open(args.export, "wb") as out:
            pickle.dump((chosen, keys, facts, info), out)
        return 0
    scan = None
    if args.reminders != "off":
        scan_facts, scan = reminders.measure(
            tenants, lead_minutes=args.reminder_lead, scans=args.reminder_scans, retries=args.retries
        )
        facts.update(scan_facts)
    if args.reminders == "only":
        write_results([], options=options, facts=facts, info=info, reminders=scan)
        return 0
    chosen = select_endpoints(args, tenants, big)
    keys = [t.key for t in tenants] + ([big.key] if big else [])
    baseline_side = None
    if args.baseline:
        from scripts.bench import baseline

        folder = baseline.checkout(args.baseline)
        baseline_side = (folder, *baseline.load(folder, baseline.strip_args(sys.argv[1:] if argv is None else argv)))
        facts["baseline"] = f"{baseline.resolve(args.baseline)[:12]} ({baseline_side[4].get('code', '?')})"
    connections.close_all()  # nothing of ours stays open on the database while measuring

    run_tag = f"9{int(time.time()) % 10**9:09d}"  # POSTed documents: 9<run><endpoint><mode><attempt><seq>
    results = []
    log_path = RESULTS_DIR / "gunicorn.log"
    with ExitStack() as stack:
        env = {}
        if args.pgbouncer:
            bouncer = stack.enter_context(pgbouncer.PgBouncer(pgbouncer.server_from_environment()))
            env = {**bouncer.environment(), "DATABASE_OWNER_URL": pgbouncer.direct_owner_url()}
            facts["database path"] = f"through PgBouncer (transaction pooling, {bouncer.pool_size} server connections)"
            print(f"bench: PgBouncer on {bouncer.host}:{bouncer.port} (transaction pooling)", flush=True)
        print(f"bench: starting gunicorn ({info['gunicorn']}); log in {log_path.relative_to(ROOT)}", flush=True)
        server = stack.enter_context(Gunicorn(log_path, env=env))
        sides = [("this", server, chosen, keys, log_path)]
        if baseline_side is not None:
            from scripts.bench import baseline

            folder, base_chosen, base_keys, _, _ = baseline_side
            base_log = RESULTS_DIR / "gunicorn-baseline.log"
            print(f"bench: starting the baseline's gunicorn ({folder.name})", flush=True)
            base_server = stack.enter_context(Gunicorn(base_log, root=folder, base_env=baseline.environment()))
            sides.append((folder.name, base_server, base_chosen, base_keys, base_log))
        results += measure_endpoints(args, sides, run_tag)
        if args.soak:
            from scripts.bench import soak

            print(f"bench: soak: {args.soak:g}s of saturation load, sampling worker memory", flush=True)
            memory = soak.run(
                chosen,
                server,
                keys,
                f"{run_tag}S",
                duration=args.soak,
                connections=args.connections,
                threads=args.threads,
            )
            facts["soak"] = (
                f"{memory['requests']:,} requests in {memory['seconds']:g}s; worker RSS MB start "
                f"{sorted(memory['rss start MB'].values())}, end {sorted(memory['rss end MB'].values())}, "
                f"peak {max(memory['rss peak MB'].values(), default=0):g}; growth "
                f"{memory['mean worker growth MB per 10k requests (second half)']} MB per 10k requests "
                f"(second half); replaced workers {memory['replaced workers'] or 'none'}"
            )
            print(f"bench: soak: {facts['soak']}", flush=True)
    if args.limit == "on":
        results += measure_limit_and_floor(args, chosen, tenants, run_tag)

    print()
    print(report.text_table([r for r in results if r.side == "this"]))
    for table in (report.shares_text(results), report.baseline_text(results)):
        if table:
            print()
            print(table)
    write_results(results, options=options, facts=facts, info=info, reminders=scan)
    return verdicts(args, results, log_path)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        sys.exit(130)
