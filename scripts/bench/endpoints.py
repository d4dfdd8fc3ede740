"""The measured requests: each endpoint's request stream, spread over tenants, keys and loaded rows.

A stream is a list of ``(path, key index)`` pairs (GETs) or a JSON body template whose document
number is made unique per request (POSTs: a run tag plus a sequence, starting with ``9`` so loaded
rows, ``1000000000 + n``, never collide). The same stream feeds the open-loop generator (Python)
and wrk (rendered into a Lua script).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from scripts.bench import scheduling
from scripts.bench.data import BenchTenant, Target
from scripts.bench.scheduling import Booking

PATIENTS = "/v1/patients"
FLOOR_PATIENTS = "/floor/patients"  # scripts/bench/floor_urls.py (bench only)
BIG_SPECIALTY = "Cardiología"  # every doctor of the big clinic; searched as "cardiologia"
APPOINTMENTS = "/v1/appointments"
POST_BODIES = {
    # seed 000's n8n tool: camelCase with the event envelope.
    "camel": {
        "eventType": "PATIENT",
        "actionType": "CREATE",
        "firstName": "María",
        "secondName": "José",
        "firstLastName": "Gómez",
        "secondLastName": "Ruiz",
        "birthDate": "1985-03-02",
        "genderId": 2,
        "documentTypeId": 1,
        "documentNumber": "@DOC@",
        "cellPhone": "3109876543",
        "email": "bench.camel@example.com",
        "epsId": 10,
        "habeasData": True,
        "customFields": {"preferredChannel": "whatsapp"},
    },
    # seed 001's README: snake_case.
    "snake": {
        "first_name": "Juan",
        "first_last_name": "Pérez",
        "birth_date": "1990-05-15",
        "gender_id": 1,
        "document_type_id": 1,
        "document_number": "@DOC@",
        "phone": "3001234567",
        "email": "bench.snake@example.com",
    },
}


@dataclass
class Endpoint:
    """One measured endpoint. ``kind`` picks the latency budget (read or write)."""

    name: str
    slug: str
    kind: str
    method: str
    targets: list[tuple[str, int]] = field(default_factory=list)  # GET: (path, key index)
    body_template: str = ""  # POST: JSON with the placeholder @DOC@
    path: str = PATIENTS  # POST
    booking: Booking | None = None  # POST /v1/appointments: a unique free slot per request

    def request(self, i: int, keys: list[str], doc_prefix: str) -> tuple[str, str, dict[str, str], bytes | None]:
        """The i-th request of the stream: (method, path, headers, body)."""
        if self.method == "GET":
            path, key = self.targets[i % len(self.targets)]
            return "GET", path, {"X-Api-Key": keys[key]}, None
        if self.booking is not None:
            key, text = self.booking.body(i, doc_prefix)
            return "POST", self.path, {"X-Api-Key": keys[key], "Content-Type": "application/json"}, text.encode()
        body = self.body_template.replace("@DOC@", f"{doc_prefix}{i:09d}").encode()
        headers = {"X-Api-Key": keys[i % len(keys)], "Content-Type": "application/json"}
        return "POST", self.path, headers, body


def build(tenants: list[BenchTenant], targets: list[Target]) -> list[Endpoint]:
    """Every endpoint, with streams over the sampled rows (their tenant's key each)."""
    by_id = [(f"{PATIENTS}/{t.patient_id}", t.tenant) for t in targets]
    by_phone = [(f"{PATIENTS}?phone={t.phone}", t.tenant) for t in targets]
    by_name = [(f"{PATIENTS}?name={quote(t.name)}", t.tenant) for t in targets]
    by_document = [(f"{PATIENTS}/by-document/1/{t.document_number}", t.tenant) for t in targets]
    return [
        Endpoint("GET /v1/patients/{id}", "get-by-id", "read", "GET", by_id),
        Endpoint("GET /v1/patients?phone=", "list-by-phone", "read", "GET", by_phone),
        Endpoint("GET /v1/patients?name=", "list-by-name", "read", "GET", by_name),
        Endpoint("GET /v1/patients/by-document/1/{n}", "by-document", "read", "GET", by_document),
        Endpoint("POST /v1/patients (camelCase)", "post-camel", "write", "POST", body_template=_body("camel")),
        Endpoint("POST /v1/patients (snake_case)", "post-snake", "write", "POST", body_template=_body("snake")),
    ]


def build_scheduling(tenants: list[BenchTenant], *, doctors: int, per_doctor: int, patients: int) -> list[Endpoint]:
    """time-slots for one doctor-day and for 31 days (reads), and booking (write)."""
    day = scheduling.time_slot_targets(tenants, doctors, per_doctor, 1)
    month = scheduling.time_slot_targets(tenants, doctors, per_doctor, 31)
    booking = scheduling.Booking(tenants=len(tenants), doctors=doctors, patients=patients)
    return [
        Endpoint("GET time-slots (1 doctor-day)", "time-slots-day", "read", "GET", day),
        Endpoint("GET time-slots (days=31)", "time-slots-31", "read", "GET", month),
        Endpoint("POST /v1/appointments (book)", "book", "write", "POST", path=APPOINTMENTS, booking=booking),
    ]


def build_big(targets: list[Target], *, key: int, per_doctor: int) -> list[Endpoint]:
    """The big clinic's: the name search over 100,000 patients, the specialty search over 7 days."""
    by_name = [(f"{PATIENTS}?name={quote(t.name)}", key) for t in targets]
    search = scheduling.slot_search_targets(key, per_doctor, "cardiologia", 7)
    return [
        Endpoint("GET /v1/patients?name= (100k clinic)", "list-by-name-100k", "read", "GET", by_name),
        Endpoint("GET time-slots search (specialty, 10 doctors, 7 days)", "time-slots-search-7", "read", "GET", search),
    ]


def build_floor(chosen: list[Endpoint]) -> list[Endpoint]:
    """Django's floor twins of get-by-id and post-camel (same rows and bodies; the key header carries
    the tenant id: see scripts/bench/floor_urls.py)."""
    floor = []
    for e in chosen:
        if e.slug == "get-by-id":
            targets = [(p.replace(PATIENTS, FLOOR_PATIENTS, 1), k) for p, k in e.targets]
            floor.append(Endpoint("floor: bare Django view, point read", "floor-read", "read", "GET", targets))
        elif e.slug == "post-camel":
            floor.append(
                Endpoint(
                    "floor: bare Django view, patient POST",
                    "floor-post",
                    "write",
                    "POST",
                    body_template=e.body_template,
                    path=FLOOR_PATIENTS,
                )
            )
    return floor


def _body(dialect: str) -> str:
    # ASCII-only JSON (\u escapes): safe inside a Lua long string and a shell argument.
    return json.dumps(POST_BODIES[dialect], separators=(",", ":"))


LUA_GET = """
local rows = {@ROWS@}
function request()
  counter = counter + 1
  local row = rows[(offset + counter) % #rows + 1]
  return wrk.format("GET", row[1], {["X-Api-Key"] = keys[row[2]]})
end
"""
LUA_POST = """
local body = [==[@BODY@]==]
function request()
  counter = counter + 1
  local doc = string.format("%s%d%09d", "@PREFIX@", tid, counter)
  return wrk.format("POST", "@PATH@", {["X-Api-Key"] = keys[(offset + counter) % #keys + 1],
    ["Content-Type"] = "application/json"}, string.format(body, doc))
end
"""
LUA_BOOK = """
local rows = {@ROWS@}
function request()
  counter = counter + 1
  local row = rows[((counter - 1) * @THREADS@ + tid - 1) % #rows + 1]
  return wrk.format("POST", "@PATH@", {["X-Api-Key"] = keys[row[2]], ["Content-Type"] = "application/json"}, row[1])
end
"""
LUA_SCRIPT = """-- Generated by scripts/bench for one endpoint; synthetic data only.
local keys = {@KEYS@}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  counter = 0
  offset = tid * 7919
  n2, n3, n4, n5 = 0, 0, 0, 0
end
@REQUEST@
function response(status, headers, body)
  if status < 300 then n2 = n2 + 1 elseif status < 400 then n3 = n3 + 1
  elseif status < 500 then n4 = n4 + 1 else n5 = n5 + 1 end
end
function done(summary, latency, requests)
  local c = {0, 0, 0, 0}
  for _, t in ipairs(threads) do
    c[1] = c[1] + t:get("n2"); c[2] = c[2] + t:get("n3"); c[3] = c[3] + t:get("n4"); c[4] = c[4] + t:get("n5")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"n2xx":%d,"n3xx":%d,"n4xx":%d,"n5xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    c[1], c[2], c[3], c[4], e.connect, e.read, e.write, e.timeout))
end
"""


def lua_script(endpoint: Endpoint, keys: list[str], doc_prefix: str, threads: int = 2, requests: int = 0) -> str:
    """A wrk script for ``endpoint``: rotates over its stream (each thread from its own offset),
    makes POST document numbers unique per thread, counts statuses and prints one JSON line.
    Bookings: ``requests`` precomputed unique bodies, interleaved over the threads."""
    if endpoint.booking is not None:
        rows = []
        for i in range(requests):
            key, body = endpoint.booking.body(i, doc_prefix)
            rows.append(f"{{[==[{body}]==],{key + 1}}}")
        request = LUA_BOOK.replace("@ROWS@", ",\n".join(rows)).replace("@THREADS@", str(threads))
        request = request.replace("@PATH@", endpoint.path)
    elif endpoint.method == "GET":
        rows = ",".join(f'{{"{path}",{key + 1}}}' for path, key in endpoint.targets)
        request = LUA_GET.replace("@ROWS@", rows)
    else:
        body = endpoint.body_template.replace("@DOC@", "%s")
        request = LUA_POST.replace("@BODY@", body).replace("@PREFIX@", doc_prefix).replace("@PATH@", endpoint.path)
    keys_table = ",".join(f'"{key}"' for key in keys)
    return LUA_SCRIPT.replace("@KEYS@", keys_table).replace("@REQUEST@", request)
