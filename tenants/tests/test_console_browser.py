"""The console in a real browser (Playwright driving Debian's chromium): staff of one clinic see only
its rows and nothing of another clinic's patient URL; a platform operator sees both.

Playwright cannot download a browser here; it drives /usr/bin/chromium. Without it these tests
skip: install it with `apt-get install chromium` (CI's .ci/run does).
"""

import os
import shutil

import pytest

from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.tests.factories import STAFF_PASSWORD, TenantFactory, make_operator, make_staff

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = STAFF_PASSWORD

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed: apt-get install chromium"
)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def _patients_page(page, base: str, query: str) -> str:
    """Search patients in the changelist; the text of the result rows (empty when none)."""
    page.goto(f"{base}/admin/patients/patient/")
    page.fill("#searchbar", query)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    return " ".join(rows.all_inner_texts())


def test_staff_see_their_clinic_only_and_an_operator_sees_all(live_api, settings):
    from playwright.sync_api import sync_playwright

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain http on 127.0.0.1
    clinic_a, clinic_b = TenantFactory(name="Clínica Andina"), TenantFactory(name="Clínica Bolívar")
    PatientFactory(tenant=clinic_a, first_name="Ana", first_last_name="Aranda", document_number="71000001")
    theirs = PatientFactory(tenant=clinic_b, first_name="Beto", first_last_name="Bernal", document_number="71000002")
    staff = make_staff(clinic_a, roles.ASSISTANT, username=f"recepcion-{clinic_a.id.hex}")
    operator = make_operator(f"operador-{clinic_b.id.hex}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context().new_page()
            _login(page, live_api, staff.username)
            assert "Aranda" in _patients_page(page, live_api, "Aranda")
            listing = _patients_page(page, live_api, "")
            assert "Aranda" in listing and "Bernal" not in listing
            assert "Bernal" not in _patients_page(page, live_api, "Bernal")
            crafted = page.goto(f"{live_api}/admin/patients/patient/{theirs.id}/change/")
            assert crafted.status == 404
            assert "Bernal" not in page.content() and str(theirs.id) not in page.content()

            page = browser.new_context().new_page()
            _login(page, live_api, operator.username)
            assert "Aranda" in _patients_page(page, live_api, "Aranda")
            assert "Bernal" in _patients_page(page, live_api, "Bernal")
            assert page.goto(f"{live_api}/admin/patients/patient/{theirs.id}/change/").status == 200
        finally:
            browser.close()
