"""The console's agenda (appointments/console_agenda.py) per role: Assistants and Owners see and run every
doctor's day through the services, a Doctor only their own column, an operator picks a clinic; another
clinic's patients never appear; a week of ten doctors and 300 appointments renders in bounded queries."""

from __future__ import annotations

import datetime
import re
from datetime import UTC, time, timedelta
from unittest import mock

import pytest
from django.test import Client

from appointments import services as scheduling
from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from appointments.tests.test_agenda import MONDAY, _busy_week
from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory, make_operator, make_staff
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("committed_db")

AGENDA = "/admin/appointments/appointment/agenda/"
THURSDAY = datetime.date(2030, 9, 26)  # the factory's rule: Thursday 09:00-12:00 (Bogotá, UTC-5)


def _at(hour, minute=0, day=THURSDAY):
    return datetime.datetime.combine(day, time(hour + 5, minute), tzinfo=UTC)


def _console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _spy(name):
    return mock.patch.object(scheduling, name, wraps=getattr(scheduling, name))


@pytest.fixture
def clinic():
    """A clinic with two doctors (one with a console login), a patient, an assistant."""
    tenant = TenantFactory()
    doctor_login = make_staff(tenant, roles.DOCTOR)
    ruiz = DoctorFactory(tenant=tenant, first_name="Rosa", first_last_name="Ruiz", user=doctor_login)
    vera = DoctorFactory(tenant=tenant, first_name="Iván", first_last_name="Vera", specialty="Cardiología")
    for doctor in (ruiz, vera):
        AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(tenant=tenant, first_name="Ana", first_last_name="Aranda", document_number="71000001")
    return {
        "tenant": tenant,
        "ruiz": ruiz,
        "vera": vera,
        "patient": patient,
        "assistant": _console(make_staff(tenant, roles.ASSISTANT)),
        "owner": _console(make_staff(tenant, roles.OWNER)),
        "doctor": _console(doctor_login),
    }


def _book(clinic, doctor, hour, minute=0, patient=None, **fields):
    with tenant_context(clinic["tenant"].id):
        return scheduling.appointment_book(
            tenant=Tenant.objects.get(pk=clinic["tenant"].id),
            patient=patient or clinic["patient"],
            doctor=doctor,
            start=_at(hour, minute),
            **fields,
        )


def _page(client, **params) -> str:
    response = client.get(AGENDA, {"date": THURSDAY.isoformat(), **params})
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def _booking_form(doctor, hour, minute=0, **extra):
    start = _at(hour, minute)
    return {
        "doctor": str(doctor.pk),
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "document_type": 1,
        "document_number": "71000001",
        "state": "scheduled",
        **extra,
    }


def test_the_index_and_the_appointments_list_link_to_the_agenda(clinic):
    for role in ("assistant", "owner", "doctor"):
        assert AGENDA in clinic[role].get("/admin/").content.decode()
    assert AGENDA in clinic["assistant"].get("/admin/appointments/appointment/").content.decode()


def test_an_assistant_sees_every_doctor_with_bookings_and_free_slots(clinic):
    booked = _book(clinic, clinic["ruiz"], 10, appointment_type="control")
    page = _page(clinic["assistant"])
    assert "Rosa Ruiz" in page and "Iván Vera" in page
    assert "AA · CC 71000001" in page and "control" in page and "state-scheduled" in page
    assert f"agenda/{booked.pk}/" in page
    # Six slots each, one taken: eleven links to the booking form, with doctor and times.
    slots = re.findall(
        r'href="/admin/appointments/appointment/agenda/book/\?doctor=([0-9a-f-]+)&amp;start=([^&]+)', page
    )
    assert len(slots) == 11
    assert (str(clinic["vera"].pk), "2030-09-26T15%3A00%3A00Z") in slots
    # Filters: a specialty, a doctor.
    only_vera = _page(clinic["assistant"], specialty="cardiologia")
    assert "Iván Vera" in only_vera and "Rosa Ruiz" not in only_vera
    only_ruiz = _page(clinic["assistant"], doctor=str(clinic["ruiz"].pk))
    assert "Rosa Ruiz" in only_ruiz and "Iván Vera" not in only_ruiz
    # The week holds the Thursday; bad parameters are today, never an error.
    week = _page(clinic["assistant"], view="week")
    assert "day-2030-09-23" in week and "day-2030-09-29" in week and "AA · CC 71000001" in week
    odd = {"date": "2030-02-31", "doctor": "x", "clinic": "\x00", "specialty": "\x00" * 3 + "a" * 5000, "view": "\x00"}
    assert clinic["assistant"].get(AGENDA, odd).status_code == 200


def test_booking_from_a_free_slot_goes_through_the_service_and_shows_its_refusals(clinic):
    assistant, vera = clinic["assistant"], clinic["vera"]
    form = assistant.get(f"{AGENDA}book/", _booking_form(vera, 9))
    assert form.status_code == 200 and "Iván Vera" in form.content.decode() and "09:00" in form.content.decode()
    with _spy("appointment_book") as book:
        done = assistant.post(f"{AGENDA}book/", _booking_form(vera, 9, back="date=2030-09-26&view=week"))
    assert done.status_code == 302 and done["Location"] == f"{AGENDA}?date=2030-09-26&view=week"
    assert book.call_count == 1 and book.call_args.kwargs["front_desk"] is False
    with tenant_context(clinic["tenant"].id):
        appointment = Appointment.objects.get(doctor=vera)
    assert appointment.start == _at(9) and appointment.patient_id == clinic["patient"].pk
    # The same slot again: the service's message on the form, not an error page.
    other = PatientFactory(tenant=clinic["tenant"], document_number="71000009")
    taken = assistant.post(f"{AGENDA}book/", _booking_form(vera, 9, document_number=other.document_number))
    assert taken.status_code == 200 and "already booked" in taken.content.decode()
    unknown = assistant.post(f"{AGENDA}book/", _booking_form(vera, 10, document_number="404404"))
    assert unknown.status_code == 200 and "add the patient first" in unknown.content.decode()
    outside = assistant.post(f"{AGENDA}book/", _booking_form(vera, 15, document_number=other.document_number))
    assert outside.status_code == 200 and "outside_hours" in outside.content.decode()
    assert "Book anyway" not in outside.content.decode()
    # Crafted slots: no such doctor or times is a 404.
    assert assistant.get(f"{AGENDA}book/", {"doctor": "nope", "start": "x", "end": "y"}).status_code == 404


def test_the_front_desk_books_over_a_hold_only_after_confirming(clinic):
    assistant, vera, tenant = clinic["assistant"], clinic["vera"], clinic["tenant"]
    with tenant_context(tenant.id):
        scheduling.hold_create(tenant=Tenant.objects.get(pk=tenant.id), doctor=vera, start=_at(10), ttl_seconds=600)
    assert "held until" in _page(assistant)
    first = assistant.post(f"{AGENDA}book/", _booking_form(vera, 10))
    page = first.content.decode()
    assert first.status_code == 200 and "held for another booking" in page and "Book anyway" in page
    with tenant_context(tenant.id):
        assert not Appointment.objects.filter(doctor=vera).exists()
    with _spy("appointment_book") as book:
        confirmed = assistant.post(f"{AGENDA}book/", _booking_form(vera, 10, confirm="on"))
    assert confirmed.status_code == 302 and book.call_args.kwargs["front_desk"] is True
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(doctor=vera, start=_at(10)).count() == 1


def test_the_front_desk_books_inside_the_minimum_notice_after_confirming(clinic):
    assistant, tenant = clinic["assistant"], clinic["tenant"]
    soon = DoctorFactory(tenant=tenant, minimum_notice_minutes=60 * 24 * 365 * 10)
    AvailabilityRuleFactory(doctor=soon)
    assert "slot outside" in _page(assistant)
    first = assistant.post(f"{AGENDA}book/", _booking_form(soon, 11))
    assert first.status_code == 200 and "notice" in first.content.decode() and "Book anyway" in first.content.decode()
    assert assistant.post(f"{AGENDA}book/", _booking_form(soon, 11, confirm="on")).status_code == 302
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(doctor=soon).count() == 1


def test_an_appointment_is_confirmed_rescheduled_and_cancelled_from_the_agenda(clinic):
    assistant, ruiz, tenant = clinic["assistant"], clinic["ruiz"], clinic["tenant"]
    appointment = _book(clinic, ruiz, 9)
    url = f"{AGENDA}{appointment.pk}/"
    page = assistant.get(url).content.decode()
    assert "Ana Aranda" in page and "Confirm" in page and "Cancel the appointment" in page
    assert "Thu 26 Sep 09:30" in page  # a free slot to move it to
    with _spy("appointment_update") as update:
        assert assistant.post(url, {"action": "transition", "state": "confirmed"}).status_code == 302
    assert update.call_count == 1
    refused = assistant.post(url, {"action": "transition", "state": "cancelled"}, follow=True)
    assert refused.status_code == 200 and "cannot go from" in refused.content.decode()
    with _spy("appointment_reschedule") as reschedule:
        moved = assistant.post(
            url, {"action": "reschedule", "start": "2030-09-26T15:30:00Z", "end": "2030-09-26T16:00:00Z"}
        )
    assert moved.status_code == 302 and reschedule.call_count == 1
    with tenant_context(tenant.id):
        old = Appointment.objects.get(pk=appointment.pk)
        new = Appointment.objects.get(rescheduled_from=old)
    assert old.state == "cancelled" and old.cancellation_reason == "rescheduled" and new.start == _at(10, 30)
    assert f"{new.pk}" in moved["Location"]
    # Onto a taken slot: the service's message, nothing changes.
    blocker = _book(clinic, ruiz, 11, patient=PatientFactory(tenant=tenant))
    clash = assistant.post(
        f"{AGENDA}{new.pk}/",
        {"action": "reschedule", "start": blocker.start.isoformat(), "end": blocker.end.isoformat()},
        follow=True,
    )
    assert clash.status_code == 200 and "already booked" in clash.content.decode()
    with _spy("appointment_cancel") as cancel:
        assert assistant.post(f"{AGENDA}{new.pk}/", {"action": "cancel", "reason": ""}, follow=True).status_code == 200
        assert cancel.call_count == 0  # a reason is required
        done = assistant.post(f"{AGENDA}{new.pk}/", {"action": "cancel", "reason": "Paro"})
    assert done.status_code == 302 and cancel.call_count == 1 and "date=2030-09-26" in done["Location"]
    with tenant_context(tenant.id):
        new.refresh_from_db()
        events = list(Event.objects.filter(object_id=new.pk).values_list("type", flat=True))
    assert (new.state, new.cancellation_reason) == ("cancelled", "Paro")
    assert events == ["appointment.created", "appointment.cancelled"]
    page = _page(assistant)
    assert f"agenda/{new.pk}/" not in page and f"agenda/{appointment.pk}/" not in page  # cancelled: gone
    assert f"agenda/{blocker.pk}/" in page


def test_a_doctor_sees_only_their_column_and_marks_no_show_and_notes(clinic):
    doctor, ruiz, vera = clinic["doctor"], clinic["ruiz"], clinic["vera"]
    mine = _book(clinic, ruiz, 9)
    theirs = _book(clinic, vera, 11, patient=PatientFactory(tenant=clinic["tenant"], document_number="72000002"))
    page = _page(doctor)
    assert "Rosa Ruiz" in page and "Iván Vera" not in page and "72000002" not in page
    assert "agenda/book/" not in page  # Doctors do not book
    assert _page(doctor, doctor=str(vera.pk)).count("Iván Vera") == 0
    assert doctor.get(f"{AGENDA}{theirs.pk}/").status_code == 404
    assert doctor.get(f"{AGENDA}book/", _booking_form(ruiz, 10)).status_code == 403
    own = doctor.get(f"{AGENDA}{mine.pk}/").content.decode()
    assert "Mark no-show" in own and "Confirm" not in own and "Cancel the appointment" not in own
    assert doctor.post(f"{AGENDA}{mine.pk}/", {"action": "cancel", "reason": "x"}).status_code == 403
    refused = doctor.post(f"{AGENDA}{mine.pk}/", {"action": "transition", "state": "confirmed"})
    assert refused.status_code == 200 and "cannot go from scheduled to confirmed" in refused.content.decode()
    assert doctor.post(f"{AGENDA}{mine.pk}/", {"action": "notes", "notes": "Control en 3 meses"}).status_code == 302
    assert doctor.post(f"{AGENDA}{mine.pk}/", {"action": "transition", "state": "no_show"}).status_code == 302
    with tenant_context(clinic["tenant"].id):
        mine.refresh_from_db()
    assert (mine.state, mine.notes) == ("no_show", "Control en 3 meses")


def test_an_operator_picks_a_clinic_and_changes_in_its_tenant_context(clinic):
    tenant = clinic["tenant"]
    appointment = _book(clinic, clinic["vera"], 9)
    operator = _console(make_operator(f"op-agenda-{tenant.id.hex}"))
    picker = operator.get(AGENDA)
    assert picker.status_code == 200 and tenant.name in picker.content.decode()
    page = _page(operator, tenant=str(tenant.pk))
    assert "Iván Vera" in page and "AA · CC 71000001" in page and "agenda/book/" not in page
    assert f"tenant={tenant.pk}" in page
    with _spy("appointment_update") as update:
        done = operator.post(
            f"{AGENDA}{appointment.pk}/?tenant={tenant.pk}", {"action": "transition", "state": "confirmed"}
        )
    assert done.status_code == 302 and update.call_args.kwargs["appointment"]._state.db == "default"
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=appointment.pk).state == "confirmed"
    assert operator.get(f"{AGENDA}{appointment.pk}/").status_code == 404  # no clinic picked


def test_another_clinics_patients_never_appear(clinic):
    tenant_b = TenantFactory()
    b_doctor = DoctorFactory(tenant=tenant_b, first_name="Beto", first_last_name="Bolívar")
    AvailabilityRuleFactory(doctor=b_doctor)
    b_patient = PatientFactory(
        tenant=tenant_b, first_name="Berta", first_last_name="Bernal", document_number="81000008"
    )
    with tenant_context(tenant_b.id):
        theirs = scheduling.appointment_book(
            tenant=Tenant.objects.get(pk=tenant_b.id), patient=b_patient, doctor=b_doctor, start=_at(9)
        )
    _book(clinic, clinic["ruiz"], 9)
    for role in ("assistant", "owner", "doctor"):
        for view in ("day", "week"):
            page = _page(clinic[role], view=view)
            assert "81000008" not in page and "Bolívar" not in page and str(theirs.pk) not in page
        assert _page(clinic[role], doctor=str(b_doctor.pk)).count("Bolívar") == 0
        assert clinic[role].get(f"{AGENDA}{theirs.pk}/").status_code == 404
    crafted = clinic["assistant"].get(f"{AGENDA}book/", _booking_form(b_doctor, 10))
    assert crafted.status_code == 404


def test_a_week_of_ten_doctors_and_300_appointments_renders_in_bounded_queries(django_assert_max_num_queries):
    tenant = TenantFactory()
    _busy_week(tenant)
    assistant = _console(make_staff(tenant, roles.ASSISTANT))
    assistant.get(AGENDA)  # the session and the user's row warm up
    with django_assert_max_num_queries(20):  # 17 today: six of them the grid's
        response = assistant.get(AGENDA, {"date": MONDAY.isoformat(), "view": "week"})
    assert response.status_code == 200
    assert response.content.decode().count('class="appt state-') == 300 + 4  # and the legend's four


def test_moving_inside_the_minimum_notice_asks_for_a_confirmation(clinic):
    assistant, tenant = clinic["assistant"], clinic["tenant"]
    appointment = _book(clinic, clinic["vera"], 9)
    with tenant_context(tenant.id):
        scheduling.doctor_update(doctor=clinic["vera"], data={"minimum_notice_minutes": 60 * 24 * 365 * 10})
    url = f"{AGENDA}{appointment.pk}/"
    target = {"action": "reschedule", "start": "2030-09-26T16:00:00Z", "end": "2030-09-26T16:30:00Z"}
    asked = assistant.post(url, target)
    page = asked.content.decode()
    assert asked.status_code == 200 and "notice" in page and "Move it anyway" in page
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=appointment.pk).state == "scheduled"  # nothing changed
    assert assistant.post(url, {**target, "confirm": "1"}).status_code == 302
    with tenant_context(tenant.id):
        assert Appointment.objects.get(rescheduled_from=appointment.pk).start == _at(11)
