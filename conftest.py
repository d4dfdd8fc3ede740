"""Test-suite wiring: the test database is built by the owner role; tests run as the runtime role.

Django's default setup would create and migrate the test database through the ``default``
connection, which is the runtime role (``secre_app``): it may neither create databases nor
tables, and that is the point. Here the ``owner`` connection creates and migrates it, and the
``default`` connection (and the console's) is then pointed at it, so every test query runs under
row-level security.
"""

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread

from secre.reference_cache import reference_cache_clear


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    with django_db_blocker.unblock():
        owner = connections["owner"]
        original_name = owner.settings_dict["NAME"]
        # Migrations that write through operator_access() (the console connection) must reach the
        # test database as it is being built, never the development one.
        planned_name = owner.creation._get_test_db_name()
        for alias in ("console", "signin"):
            connections[alias].close()
            connections[alias].settings_dict["NAME"] = planned_name
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        for alias in ("default", "console", "signin"):
            connections[alias].close()
            connections[alias].settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        for alias in ("default", "console", "signin"):
            connections[alias].close()
        owner.creation.destroy_test_db(original_name, verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_reference_cache():
    """Each test starts and ends with an empty reference-data cache: a row a test created and rolled
    back must not outlive it in this process (secre/reference_cache.py)."""
    reference_cache_clear()
    yield
    reference_cache_clear()


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


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access without the per-test transaction: what the test writes is committed.

    For tests where another connection must see the data (a real server's threads, the console
    connection of the operator bypass). Such tests create tenants of their own; the rows stay until
    the test database is dropped at the end of the session, and RLS keeps them apart from the rest.
    """
    for alias in ("default", "owner", "console", "signin"):  # never the development database
        assert connections[alias].settings_dict["NAME"].startswith("test_"), alias
    with django_db_blocker.unblock():
        yield
        connections.close_all()


class _Server(LiveServerThread):
    def _create_server(self, connections_override=None):
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        class Server(ThreadedWSGIServer):
            request_queue_size = 128  # the default backlog (10) resets a burst of simultaneous connections

        return Server((self.host, self.port), QuietHandler, allow_reuse_address=False)


@pytest.fixture
def live_api(committed_db):
    """A real threaded HTTP server over the test database (its base URL).

    Requests commit for real on their own connections, so the test runs outside the per-test
    transaction. What it commits stays until the test database is dropped at the end of the
    session: every such test works in tenants of its own, which RLS keeps apart from the rest.
    """
    runtime = connections["default"].settings_dict
    persistent, runtime["CONN_MAX_AGE"] = runtime["CONN_MAX_AGE"], 0  # server threads close their connections
    server = _Server("127.0.0.1", static_handler=lambda app: app, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.terminate()
        runtime["CONN_MAX_AGE"] = persistent
