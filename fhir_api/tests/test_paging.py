"""Search walks: following ``next`` to the end gives every match once, in the stable order, with no gap."""

import datetime
from urllib.parse import urlsplit

import pytest

from appointments.tests.factories import AppointmentFactory, AvailabilityRuleFactory, DoctorFactory
from fhir_api.tests.fhir import body, entries, get, next_link
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def walk(api, first) -> tuple[list[str], int]:
    """Every id of a search, following ``next``; and how many pages it took."""
    bundle = body(first)
    seen, pages = [r["id"] for r in entries(bundle)], 1
    while (link := next_link(bundle)) is not None:
        parts = urlsplit(link)
        assert parts.path.startswith("/fhir/R4/")
        bundle = body(api.get(f"{parts.path}?{parts.query}"))
        seen += [r["id"] for r in entries(bundle)]
        pages += 1
    return seen, pages


def test_patient_walk_has_no_duplicate_and_no_gap(api, tenant):
    created = [str(PatientFactory(tenant=tenant, first_name="Marta").id) for _ in range(23)]
    # Every name part fixed: a generated surname ("Martínez", "Marín") would match the search too.
    PatientFactory(tenant=tenant, first_name="Otro", first_last_name="Pérez")
    seen, pages = walk(api, get(api, "Patient", name="mar", _count="5"))
    assert seen == sorted(created) and pages == 5
    first = body(get(api, "Patient", name="mar", _count="5"))
    assert "name=mar" in next_link(first) and "_count=5" in next_link(first)
    assert first["link"][0]["relation"] == "self"


def test_appointment_walk_in_start_order(api, tenant):
    start = datetime.datetime(2030, 9, 26, 14, tzinfo=datetime.UTC)
    made = [AppointmentFactory(tenant=tenant, start=start + datetime.timedelta(hours=n % 5, days=n)) for n in range(17)]
    seen, pages = walk(api, get(api, "Appointment", _count="4"))
    assert seen == [str(a.id) for a in sorted(made, key=lambda a: (a.start, a.id))] and pages == 5


def test_slot_walk_across_doctors_and_days(api, tenant):
    doctors = [DoctorFactory(tenant=tenant) for _ in range(3)]
    for doctor in doctors:
        for day in (1, 2, 4):
            AvailabilityRuleFactory(doctor=doctor, day_of_week=day, start_time="08:00", end_time="10:00")
    week = {"start": ["ge2030-09-23", "lt2030-09-30"]}
    everything = [r["id"] for r in entries(body(get(api, "Slot", _count="100", **week)))]
    assert len(everything) == 3 * 3 * 4 == len(set(everything))
    seen, pages = walk(api, get(api, "Slot", _count="7", **week))
    assert seen == everything and pages == 6
    starts = [identifier.split(".")[1] for identifier in everything]
    assert starts == sorted(starts)  # earliest first, whatever the doctor
