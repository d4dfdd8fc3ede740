"""Fixtures for scheduling tests that need a real, threaded HTTP server."""

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread


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
def live_api(django_db_blocker):
    """A real threaded HTTP server over the test database (its base URL).

    Requests commit for real on their own connections, so the test runs outside the per-test
    transaction. What it commits stays until the test database is dropped at the end of the
    session: every such test works in tenants of its own, which RLS keeps apart from the rest.
    """
    runtime = connections["default"].settings_dict
    persistent, runtime["CONN_MAX_AGE"] = runtime["CONN_MAX_AGE"], 0  # server threads close their connections
    with django_db_blocker.unblock():
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
            connections.close_all()
            runtime["CONN_MAX_AGE"] = persistent
