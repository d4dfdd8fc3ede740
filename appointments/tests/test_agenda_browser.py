"""The agenda in a real browser (Playwright driving Debian's chromium, as tenants/tests/test_console_browser.py):
an Assistant opens the week, books from a free slot, sees the booking, cancels it; a Doctor sees only their
own column; another clinic's patients never appear in the pages. Skips without /usr/bin/chromium."""

import datetime
import os
from datetime import UTC

import pytest

from appointments import services as scheduling
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory, make_staff
from tenants.tests.test_console_browser import CHROMIUM, CHROMIUM_ARGS, _login

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed: apt-get install chromium"
)

THURSDAY = "2030-09-26"  # the factory's rule: Thursdays 09:00-12:00 (Bogotá)


def test_an_assistant_runs_the_week_and_a_doctor_sees_their_column(live_api, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain http on 127.0.0.1
    clinic_a, clinic_b = TenantFactory(name="Clínica Andina"), TenantFactory(name="Clínica Bolívar")
    doctor_login = make_staff(clinic_a, roles.DOCTOR, username=f"dra-ruiz-{clinic_a.id.hex}")
    ruiz = DoctorFactory(tenant=clinic_a, first_name="Rosa", first_last_name="Ruiz", user=doctor_login)
    vera = DoctorFactory(tenant=clinic_a, first_name="Iván", first_last_name="Vera")
    for doctor in (ruiz, vera):
        AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=clinic_a, first_name="Ana", first_last_name="Aranda", document_number="71000001")
    assistant = make_staff(clinic_a, roles.ASSISTANT, username=f"recepcion-{clinic_a.id.hex}")
    b_doctor = DoctorFactory(tenant=clinic_b, first_last_name="Bolívar")
    AvailabilityRuleFactory(doctor=b_doctor)
    b_patient = PatientFactory(tenant=clinic_b, first_last_name="Bernal", document_number="81000008")
    with tenant_context(clinic_b.id):
        scheduling.appointment_book(
            tenant=Tenant.objects.get(pk=clinic_b.id),
            patient=b_patient,
            doctor=b_doctor,
            start=datetime.datetime(2030, 9, 26, 14, tzinfo=UTC),
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context().new_page()
            _login(page, live_api, assistant.username)
            page.click("#agenda-link")  # from the console's index
            page.fill("#agenda-date", THURSDAY)
            page.select_option("#agenda-view", "week")
            page.click("#agenda-filters input[type=submit]")
            page.wait_for_load_state()
            thursday = page.locator(f"#day-{THURSDAY}")
            expect(thursday).to_contain_text("Iván Vera")
            expect(page.locator("#day-2030-09-23")).to_be_visible()  # the week from Monday
            assert "81000008" not in page.content() and "Bolívar" not in page.content()

            # Book Dr. Vera's 10:00 from its free slot (the second column).
            free = thursday.locator("tbody tr", has_text="10:00").locator("td").nth(1).locator("a.slot")
            free.click()
            expect(page.locator(".agenda-slot")).to_contain_text("Iván Vera")
            expect(page.locator(".agenda-slot")).to_contain_text("10:00")
            page.fill("#id_document_number", "71000001")
            page.click("#agenda-book")
            page.wait_for_load_state()
            expect(page.locator(".messagelist")).to_contain_text("Booked 2030-09-26 10:00")
            booked = page.locator(f"#day-{THURSDAY} a.appt", has_text="CC 71000001")
            expect(booked).to_have_count(1)
            assert page.url.endswith("view=week") or "view=week" in page.url

            # Open it and cancel it, with a reason.
            booked.click()
            expect(page.locator("#agenda-state")).to_have_text("Scheduled")
            page.fill("#id_reason", "La paciente llamó")
            page.click("#agenda-cancel")
            page.wait_for_load_state()
            expect(page.locator(".messagelist")).to_contain_text("cancelled")
            expect(page.locator(f"#day-{THURSDAY} a.appt", has_text="CC 71000001")).to_have_count(0)
            expect(page.locator(f"#day-{THURSDAY} tbody tr", has_text="10:00").locator("td").nth(1)).to_contain_text(
                "free"
            )

            # The Doctor: their own column only.
            page = browser.new_context().new_page()
            _login(page, live_api, doctor_login.username)
            page.goto(f"{live_api}/admin/appointments/appointment/agenda/?date={THURSDAY}&view=week")
            headers = page.locator(f"#day-{THURSDAY} thead th.agenda-doctor")
            expect(headers).to_have_count(1)
            expect(headers).to_contain_text("Rosa Ruiz")
            assert "Iván Vera" not in page.content() and "81000008" not in page.content()
            assert page.locator("a.slot").count() == 0  # Doctors do not book
        finally:
            browser.close()
