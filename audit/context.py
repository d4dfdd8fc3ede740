"""Who is acting, for the audit trail: set once per request, command or job."""

from contextlib import contextmanager

from auditlog.context import set_extra_data
from django.contrib.auth import get_user_model


@contextmanager
def audit_context(*, origin: str, request_id=None, api_key_id=None, actor=None, remote_addr=None):
    """Within the block, audit entries carry these values (django-auditlog copies them on save).

    ``origin``: api, console, command, worker. ``actor``: the staff user (console).
    """
    data = {"origin": origin, "request_id": request_id, "api_key_id": api_key_id, "remote_addr": remote_addr}
    if isinstance(actor, get_user_model()) and actor.is_authenticated:
        data["actor"] = actor
    with set_extra_data(context_data=data):
        yield
