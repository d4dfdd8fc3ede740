"""Bench data: the bench tenants, their API keys and the synthetic patients (idempotent bulk load).

Row-level security forbids ``COPY ... FROM`` for every role subject to it (PostgreSQL: "COPY FROM
not supported with row-level security"), and both the runtime and the owner role are. So rows are
written the way the app writes them, as the runtime role inside each tenant's context, but in bulk:
one ``INSERT ... SELECT`` per chunk that builds the rows in SQL from the chunk's UUIDv7 ids (made in
Python, sent as one ``uuid[]``), with names, dates and phones derived from a hash of the row number.
The data is deterministic apart from the ids, and entirely synthetic.

Idempotence: bench tenants have fixed ids (``tenant_id_for``) and names ``bench-NNN``; loaded rows
have document numbers ``1000000000 + n`` (type 1), so a tenant holding ``k`` of them gets rows
``k..target-1`` only. Rows created by the bench's POSTs use documents starting with ``9`` and are
not counted; a new load deletes them first (``tidy``), with any loaded rows past the asked
number, so every run measures the same data set. API keys' plaintexts are kept in
``.secre/bench-keys.json`` (git-ignored) and reused while they still resolve; a lost key is
replaced and the old bench keys are revoked.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import connection, connections
from uuid_utils.compat import uuid7

from scripts.bench.parallel import run_parallel
from secre.problems import AuthenticationFailed
from tenants.api_keys import api_key_create, api_key_revoke, resolve_api_key
from tenants.context import tenant_context
from tenants.models import Tenant, TenantAPIKey
from tenants.services import tenant_create

TENANT_NAME_PREFIX = "bench-"
KEY_NAME = "bench"
KEYS_FILE = Path(settings.BASE_DIR) / ".secre" / "bench-keys.json"
DOCUMENT_TYPE_ID = 1  # CC
FIRST_DOCUMENT = 1_000_000_000
LOADED_ROWS = "document_type_id = 1 AND document_number BETWEEN '1000000000' AND '1999999999'"
# Row numbers of tenant i are i * TENANT_STRIDE + n: unique hash inputs, emails and cell phones.
TENANT_STRIDE = 10_000_000
CHUNK_ROWS = 10_000
# The one big clinic (--big-patients, 100,000 by default): name search at 100k, the specialty search.
BIG_INDEX = 999
BIG_NAME = "bench-big"

FIRST_NAMES = [
    "María", "José", "Juan", "Ana", "Luis", "Carlos", "Lucía", "Andrés", "Camila", "Santiago",
    "Valentina", "Sebastián", "Daniela", "Mateo", "Sofía", "Alejandro", "Isabella", "Diego", "Laura", "Julián",
    "Natalia", "Felipe", "Paula", "Nicolás", "Mariana", "David", "Gabriela", "Jorge", "Carolina", "Ricardo",
    "Ángela", "Óscar", "Marcela", "Héctor", "Lorena", "Iván", "Catalina", "Fernando", "Juliana", "Germán",
    "Liliana", "Mauricio", "Adriana", "Esteban", "Diana", "Camilo", "Sandra", "Jesús", "Patricia", "Rubén",
]  # fmt: skip
LAST_NAMES = [
    "Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez", "Ramírez", "Pérez",
    "Díaz", "Muñoz", "Rojas", "Moreno", "Jiménez", "Vargas", "Castro", "Gutiérrez", "Álvarez", "Ruiz",
    "Suárez", "Torres", "Romero", "Herrera", "Valencia", "Quintero", "Restrepo", "Ríos", "Cárdenas", "Mejía",
    "Ospina", "Osorio", "Giraldo", "Cardona", "Parra", "Peña", "Salazar", "Acosta", "Ortiz", "Guerrero",
    "Mendoza", "Castaño", "Zapata", "Duque", "Arango", "Londoño", "Betancur", "Montoya", "Uribe", "Córdoba",
]  # fmt: skip
MOBILE_PREFIXES = ["300", "301", "302", "304", "310", "311", "312", "313", "314", "315", "316", "317", "320", "350"]

# The SQL modulo operator is written %% (psycopg placeholders use %).
INSERT_CHUNK = f"""
INSERT INTO patients_patient (
    id, tenant_id, first_name, second_name, first_last_name, second_last_name, birth_date, gender_id,
    document_type_id, document_number, phone, cell_phone, email, eps_id, habeas_data, custom_fields,
    created_at, updated_at)
SELECT
    r.id, %(tenant_id)s,
    (%(first)s::text[])[1 + h.a %% %(n_first)s],
    CASE WHEN h.a / 100 %% 100 < 40 THEN (%(first)s::text[])[1 + h.a / 10000 %% %(n_first)s] END,
    (%(last)s::text[])[1 + h.b %% %(n_last)s],
    CASE WHEN h.b / 100 %% 100 < 90 THEN (%(last)s::text[])[1 + h.b / 10000 %% %(n_last)s] END,
    DATE '1940-01-01' + (h.a / 1000000 %% 30000)::int,
    CASE WHEN h.b / 1000000 %% 100 < 48 THEN 1 WHEN h.b / 1000000 %% 100 < 96 THEN 2
         WHEN h.b / 1000000 %% 100 < 98 THEN 3 ELSE 4 END,
    {DOCUMENT_TYPE_ID},
    (%(first_document)s + x.n)::text,
    CASE WHEN h.a / 100000000 %% 100 < 30 THEN '+57601' || lpad((h.b / 100000000 %% 10000000)::text, 7, '0') END,
    '+57' || (%(prefixes)s::text[])[1 + x.g %% %(n_prefixes)s]
          || lpad((x.g / %(n_prefixes)s %% 10000000)::text, 7, '0'),
    CASE WHEN h.b / 10000000000 %% 100 < 70 THEN 'paciente' || x.g || '@example.com' END,
    1 + h.a / 10000000000 %% 28,
    h.b / 1000000000000 %% 100 < 80,
    CASE WHEN h.a / 1000000000000 %% 10 = 0 THEN '{{"preferredChannel": "whatsapp"}}' ELSE '{{}}' END::jsonb,
    now(), now()
FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS r(id, k)
CROSS JOIN LATERAL (
    SELECT %(start)s + r.k - 1 AS n, %(base)s + %(start)s + r.k - 1 AS g
) AS x
CROSS JOIN LATERAL (
    SELECT hashint8extended(x.g, 1) & 9223372036854775807 AS a,
           hashint8extended(x.g, 2) & 9223372036854775807 AS b
) AS h
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class BenchTenant:
    index: int
    id: UUID
    key: str


@dataclass(frozen=True)
class Target:
    """A loaded row to aim requests at (synthetic data)."""

    tenant: int
    patient_id: str
    document_number: str
    phone: str  # national format, as a bot would send it
    name: str


def tenant_id_for(index: int) -> UUID:
    """The fixed id of bench tenant ``index`` (a well-formed UUIDv7, like the demo tenant's)."""
    return UUID(f"019a0000-0000-7000-8bec-{index:012x}")


def _read_keys() -> dict[str, str]:
    try:
        return json.loads(KEYS_FILE.read_text())["keys"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {}


def _write_keys(keys: dict[str, str]) -> None:
    KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = KEYS_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": keys}, indent=1) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(KEYS_FILE)


def _key_works(plaintext: str, tenant_id: UUID) -> bool:
    try:
        return resolve_api_key(plaintext).tenant.id == tenant_id
    except AuthenticationFailed:
        return False


def ensure_tenants(count: int, *, create: bool = True) -> list[BenchTenant]:
    """The bench tenants ``0..count-1`` with a working API key each (created when ``create``)."""
    return _ensure([(index, f"{TENANT_NAME_PREFIX}{index:03d}") for index in range(count)], create=create)


def ensure_big_tenant(*, create: bool = True) -> BenchTenant:
    """The one big clinic, ``bench-big`` (index ``BIG_INDEX``), with a working API key."""
    return _ensure([(BIG_INDEX, BIG_NAME)], create=create)[0]


def _ensure(wanted: list[tuple[int, str]], *, create: bool) -> list[BenchTenant]:
    keys = _read_keys()
    tenants = []
    changed = False
    for index, name in wanted:
        tenant_id = tenant_id_for(index)
        with tenant_context(tenant_id):
            tenant = Tenant.objects.filter(pk=tenant_id).first()
            if tenant is None:
                if not create:
                    raise SystemExit(f"bench: tenant {name} is missing; run without --skip-load.")
                tenant = tenant_create(name=name, tenant_id=tenant_id)
            plaintext = keys.get(str(tenant_id))
            if plaintext is None or not _key_works(plaintext, tenant_id):
                row, plaintext = api_key_create(tenant=tenant, name=KEY_NAME)
                for stale in TenantAPIKey.objects.filter(name=KEY_NAME, revoked=False).exclude(pk=row.pk):
                    api_key_revoke(api_key=stale)
                keys[str(tenant_id)] = plaintext
                changed = True
        tenants.append(BenchTenant(index=index, id=tenant_id, key=plaintext))
    if changed:
        _write_keys(keys)
    return tenants


def loaded_counts(tenants: list[BenchTenant]) -> dict[int, int]:
    """Loaded rows per tenant index (the bench's POSTs are not counted)."""
    counts = {}
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM patients_patient WHERE {LOADED_ROWS}")
            counts[tenant.index] = cursor.fetchone()[0]
    return counts


def tidy(tenants: list[BenchTenant], targets: list[int]) -> int:
    """Delete what earlier runs left beyond the asked data set: rows made by the bench's POSTs
    (documents ``9...``) and loaded rows past each tenant's target. Returns the rows deleted."""
    deleted = 0
    for tenant, target in zip(tenants, targets, strict=True):
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM patients_patient WHERE document_type_id = 1 AND document_number LIKE '9%%'"
                f" OR ({LOADED_ROWS} AND document_number >= %s)",
                [str(FIRST_DOCUMENT + target)],
            )
            deleted += cursor.rowcount
    return deleted


def total_rows(tenants: list[BenchTenant]) -> int:
    """Every patient row of the bench tenants (loaded or not)."""
    total = 0
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM patients_patient")
            total += cursor.fetchone()[0]
    return total


def split(total: int, parts: int) -> list[int]:
    """``total`` rows over ``parts`` tenants, the remainder on the first ones."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _insert_chunk(tenant: BenchTenant, start: int, size: int) -> None:
    params = {
        "tenant_id": tenant.id,
        "ids": [uuid7() for _ in range(size)],
        "start": start,
        "base": tenant.index * TENANT_STRIDE,
        "first_document": FIRST_DOCUMENT,
        "first": FIRST_NAMES,
        "n_first": len(FIRST_NAMES),
        "last": LAST_NAMES,
        "n_last": len(LAST_NAMES),
        "prefixes": MOBILE_PREFIXES,
        "n_prefixes": len(MOBILE_PREFIXES),
    }
    with tenant_context(tenant.id), connection.cursor() as cursor:
        cursor.execute(INSERT_CHUNK, params)


def load(tenants: list[BenchTenant], targets: list[int], *, jobs: int = 2) -> tuple[int, float]:
    """Insert what is missing so tenant i holds ``targets[i]`` loaded rows; ``jobs`` parallel
    connections. Returns (rows inserted, seconds)."""
    counts = loaded_counts(tenants)
    chunks = []
    for tenant, target in zip(tenants, targets, strict=True):
        for start in range(counts[tenant.index], target, CHUNK_ROWS):
            chunks.append((tenant, start, min(CHUNK_ROWS, target - start)))
    missing = sum(size for _, _, size in chunks)
    if not missing:
        return 0, 0.0

    def insert(chunk, report) -> None:
        tenant, start, size = chunk
        _insert_chunk(tenant, start, size)
        report(size)

    label = f"loading {missing:,} patients over {len(tenants)} tenants"
    return run_parallel(chunks, insert, jobs=jobs, total=missing, label=label)


def analyze() -> None:
    """VACUUM (ANALYZE) the patients table as the owner: fresh statistics and visibility map."""
    with connections["owner"].cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) patients_patient")


def sample_targets(tenants: list[BenchTenant], per_tenant: int, seed: int = 7) -> list[Target]:
    """``per_tenant`` random loaded rows of every tenant, in a shuffled order."""
    targets = []
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id::text, document_number, cell_phone, first_last_name FROM patients_patient"
                f" WHERE {LOADED_ROWS} ORDER BY random() LIMIT %s",
                [per_tenant],
            )
            for patient_id, document, cell_phone, last_name in cursor.fetchall():
                phone = cell_phone.removeprefix("+57")
                targets.append(Target(tenant.index, patient_id, document, phone, last_name))
    random.Random(seed).shuffle(targets)  # noqa: S311 (an order, not a secret)
    return targets
