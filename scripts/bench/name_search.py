"""``make bench-name-search``: the patient name search at 10,000 and 100,000 patients in one tenant,
server time, before and after ``secre_patient_ids_by_name`` (issue 17 §1; docs/benchmarks.md).

1. Two tenants of fixed ids (``bench-name-10k``, ``bench-name-100k``) and one of 200,000 patients
   (``bench-name-noise``: other clinics' rows in the same table and indexes) are loaded once, in
   SQL, as the runtime role inside each tenant's context (RLS applies), then ANALYZEd.
2. For each needle — a full name, a common last name, a two-word name that matches nobody, a needle
   of two letters (too short for trigrams) and one that matches nothing — the first page (20 rows)
   is read two ways, as the runtime role with the tenant set:
   *before*: the filter as it was until patients/0007, ``name_search LIKE '%…%'`` under RLS;
   *after*: the selector (``patients.selectors.patient_list`` with the page window).
   Both must return the same ids. The figure is PostgreSQL's own ``EXPLAIN ANALYZE`` execution time,
   the median of ``--repeat`` runs: server time, without HTTP.
3. Each figure is printed as a share of the 10 ms limit and as the ratio before/after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MS = 10.0
PAGE = 20
FIRST = [
    "María",
    "José",
    "Juan",
    "Carlos",
    "Ana",
    "Luis",
    "Carmen",
    "Jorge",
    "Laura",
    "Andrés",
    "Sofía",
    "Diego",
    "Valentina",
    "Camilo",
    "Isabella",
    "Santiago",
    "Daniela",
    "Mateo",
    "Paula",
    "Sebastián",
    "Lucía",
    "Felipe",
    "Mariana",
    "Nicolás",
    "Gabriela",
    "Alejandro",
    "Natalia",
    "David",
    "Catalina",
    "Julián",
    "Sara",
    "Miguel",
    "Juliana",
    "Esteban",
    "Manuela",
    "Tomás",
    "Luz",
    "Pedro",
    "Rosa",
    "Manuel",
    "Elena",
    "Óscar",
    "Diana",
    "Ricardo",
    "Claudia",
    "Fernando",
    "Patricia",
    "Javier",
    "Adriana",
    "Héctor",
    "Mónica",
    "Raúl",
    "Sandra",
    "Iván",
    "Beatriz",
    "Emilio",
]
LAST = [
    "Gómez",
    "Rodríguez",
    "González",
    "Martínez",
    "García",
    "López",
    "Hernández",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Díaz",
    "Vargas",
    "Moreno",
    "Rojas",
    "Jiménez",
    "Muñoz",
    "Castro",
    "Ortiz",
    "Álvarez",
    "Ruiz",
    "Suárez",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Castillo",
    "Morales",
    "Gutiérrez",
    "Cárdenas",
    "Ríos",
    "Mejía",
    "Restrepo",
    "Ospina",
    "Giraldo",
    "Salazar",
    "Zapata",
    "Cardona",
    "Quintero",
    "Arango",
    "Londoño",
    "Osorio",
    "Valencia",
    "Duque",
    "Franco",
    "Montoya",
    "Henao",
    "Marín",
    "Vélez",
    "Sierra",
    "Patiño",
    "Correa",
    "Rendón",
    "Cano",
    "Mora",
    "Parra",
    "Rincón",
    "Bedoya",
    "Escobar",
    "Arias",
    "Gallego",
    "Mesa",
    "Soto",
    "Naranjo",
    "Posada",
    "Villa",
    "Uribe",
    "Toro",
    "Acosta",
    "Benítez",
]
NEEDLES = ("María Gómez", "gómez", "restrepo ospina", "ma", "zzqx")
TENANTS = (("bench-name-10k", 10_000), ("bench-name-100k", 100_000), ("bench-name-noise", 200_000))


def _tenant(name: str):
    from tenants.context import tenant_context
    from tenants.models import Tenant
    from tenants.services import tenant_create

    tenant_id = uuid.uuid5(uuid.NAMESPACE_URL, f"secre:bench:{name}")
    with tenant_context(tenant_id):
        found = Tenant.objects.filter(pk=tenant_id).first()
    return found or tenant_create(name=name, tenant_id=tenant_id)


def _load(tenant, patients: int) -> None:
    """Patients 1..``patients`` of the tenant (names from a hash of the row number); idempotent."""
    from django.db import connection

    from tenants.context import tenant_context

    with tenant_context(tenant.id), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM patients_patient")
        have = cursor.fetchone()[0]
        if have >= patients:
            return
        print(f"loading {patients - have:,} patients into {tenant.name} ...", flush=True)
        cursor.execute(
            """INSERT INTO patients_patient (id, tenant_id, first_name, second_name, first_last_name,
                 second_last_name, document_type_id, document_number, habeas_data, custom_fields,
                 created_at, updated_at)
               SELECT gen_random_uuid(), %(tenant)s, (%(first)s::text[])[1 + (g::bigint * 7919) %% %(nf)s],
                 CASE WHEN g %% 3 = 0 THEN (%(first)s::text[])[1 + (g::bigint * 104729) %% %(nf)s] END,
                 (%(last)s::text[])[1 + (g::bigint * 15485863) %% %(nl)s],
                 (%(last)s::text[])[1 + (g::bigint * 32452843) %% %(nl)s],
                 1, 'nb' || g::text, true, '{}', now(), now()
               FROM generate_series(%(start)s, %(stop)s) AS g""",
            {
                "tenant": tenant.id,
                "first": FIRST,
                "nf": len(FIRST),
                "last": LAST,
                "nl": len(LAST),
                "start": have + 1,
                "stop": patients,
            },
        )


def _server_ms(queryset, tenant, repeat: int) -> float:
    from django.db import connection

    from tenants.context import tenant_context

    sql, params = queryset.query.sql_with_params()
    times = []
    for _ in range(repeat):
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            times.append(cursor.fetchone()[0][0]["Execution Time"])
    return statistics.median(times)


def measure(repeat: int) -> list[dict]:
    from django.db import connections
    from django.db.models import Value

    from patients.models import NameSearch, Patient
    from patients.selectors import patient_list
    from tenants.context import tenant_context

    tenants = {}
    for name, patients in TENANTS:
        tenants[name] = _tenant(name)
        _load(tenants[name], patients)
    with connections["owner"].cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
    rows = []
    for name, patients in TENANTS[:2]:
        tenant = tenants[name]
        for needle in NEEDLES:
            with tenant_context(tenant.id):
                before = Patient.objects.filter(name_search__contains=NameSearch(Value(needle))).order_by("id")
                after = patient_list(filters={"name": needle}, window=(None, PAGE + 1))
                matches = before.count()
                same = [p.id for p in before[: PAGE + 1]] == [p.id for p in after[: PAGE + 1]]
            if not same:
                raise SystemExit(f"{name} {needle!r}: the two searches disagree")
            rows.append(
                {
                    "tenant": f"{patients:,} patients",
                    "needle": needle,
                    "matches": matches,
                    "before": _server_ms(before[: PAGE + 1], tenant, repeat),
                    "after": _server_ms(after[: PAGE + 1], tenant, repeat),
                }
            )
    return rows


def report(rows: list[dict]) -> str:
    lines = [
        f"| tenant | needle | matches | before, ms | after, ms | after, share of {LIMIT_MS:g} ms | before/after |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['tenant']} | `{row['needle']}` | {row['matches']:,} | {row['before']:.2f} | {row['after']:.2f}"
            f" | {row['after'] / LIMIT_MS:.2f} | {row['before'] / row['after']:.1f}× |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.name_search", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs per figure, median reported (default 9)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    django.setup()
    rows = measure(args.repeat)
    worst = max(rows, key=lambda row: row["after"])
    table = report(rows)
    verdict = (
        f"worst after: {worst['after']:.2f} ms ({worst['after'] / LIMIT_MS:.2f} of the {LIMIT_MS:g} ms limit;"
        f" {worst['tenant']}, `{worst['needle']}`): {'ok' if worst['after'] <= LIMIT_MS else 'OVER'}"
    )
    print(table, verdict, sep="\n\n")
    out = ROOT / "bench-results" / "name-search.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(f"{table}\n\n{verdict}\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
