"""Test-suite wiring: the test database is built by the owner role; tests run as the runtime role.

Django's default setup would create and migrate the test database through the ``default``
connection, which is the runtime role (``secre_app``): it may neither create databases nor
tables, and that is the point. Here the ``owner`` connection creates and migrates it, and the
``default`` connection (and the console's) is then pointed at it, so every test query runs under
row-level security.
"""

import pytest
from django.db import connections


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    with django_db_blocker.unblock():
        owner = connections["owner"]
        original_name = owner.settings_dict["NAME"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        for alias in ("default", "console"):
            connections[alias].close()
            connections[alias].settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        for alias in ("default", "console"):
            connections[alias].close()
        owner.creation.destroy_test_db(original_name, verbosity=0)


@pytest.fixture
def tenant(db):
    from tenants.tests.factories import TenantFactory

    return TenantFactory(name="Clínica A")


@pytest.fixture
def other_tenant(db):
    from tenants.tests.factories import TenantFactory

    return TenantFactory(name="Clínica B")


def _client_for(tenant):
    from rest_framework.test import APIClient

    from tenants.tests.factories import make_api_key

    _, plaintext = make_api_key(tenant)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    client.tenant = tenant
    return client


@pytest.fixture
def api(tenant):
    """An APIClient holding an API key of ``tenant``."""
    return _client_for(tenant)


@pytest.fixture
def other_api(other_tenant):
    """An APIClient holding an API key of ``other_tenant``."""
    return _client_for(other_tenant)
