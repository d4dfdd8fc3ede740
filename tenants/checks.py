"""System check: the app must not connect as a role that bypasses row-level security."""

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def check_runtime_role(app_configs, databases=None, **kwargs):
    """Error when the ``default`` connection is a superuser or BYPASSRLS role (RLS would protect nobody).

    Runs with ``manage.py check --database default`` (the image and CI run it; ``migrate`` only
    checks the owner connection it migrates).
    """
    if not databases or "default" not in databases:
        return []
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        name, is_super, bypass = cursor.fetchone()
    if is_super or bypass:
        return [
            Error(
                f"The app connects as {name!r}, which bypasses row-level security.",
                hint="Point DATABASE_URL at the runtime role (secre_app) and DATABASE_OWNER_URL at the owner.",
                id="tenants.E001",
            )
        ]
    return []
