"""System checks of the wall and of a safe deployment.

* ``tenants.E001`` (database tag): the app must not connect as a role that bypasses row-level security.
* Deployment checks (``manage.py check --deploy``, and the gunicorn start hook in
  docker/gunicorn.conf.py, which refuses to start on an Error and logs Warnings):

  - ``tenants.E010``: a secret (SECRET_KEY, a database password, a Redis password) is a known
    example value (compose's, .env.example's) or says ``INSECURE``;
  - ``tenants.E013``: ``FIELD_ENCRYPTION_KEYS`` is empty, not Fernet keys, or an example value;
  - ``tenants.W011``: ``USE_PROXY_HEADERS`` trusts X-Forwarded-Proto/-Host from any peer
    (``FORWARDED_ALLOW_IPS=*``);
  - ``tenants.W012``: HSTS is off outside DEBUG.

  Settings never raise at import for these (``make run``, ``make test`` and ``collectstatic`` run
  with DEBUG off and development values); the make targets set ``SECRE_DEVELOPMENT=1``, which the
  start hook honours.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections

from secre.encryption import configured_keys as field_encryption_keys

# Values shipped as examples (docker-compose.yml's old defaults, .env.example): never real secrets.
EXAMPLE_SECRETS = frozenset(
    {
        "secre-owner-dev-password",
        "secre-app-dev-password",
        "secre-console-dev-password",
        "change-me-app",
        "change-me-owner",
        "change-me-console",
        "postgres",
        "build-only",
    }
)


def is_example_secret(value: str) -> bool:
    """A secret nobody should deploy: a shipped example, or one that says so (``INSECURE``)."""
    return value in EXAMPLE_SECRETS or "insecure" in value.lower()


def _database_passwords() -> list[tuple[str, str]]:
    return [(f"DATABASES[{alias!r}]", entry.get("PASSWORD") or "") for alias, entry in settings.DATABASES.items()]


def _redis_password() -> str:
    return unquote(urlsplit(settings.REDIS_URL).password or "")


@register(Tags.security, deploy=True)
def check_example_secrets(app_configs, **kwargs):
    """tenants.E010: no secret is an example value (see the module docstring)."""
    named = [("SECRET_KEY", settings.SECRET_KEY), *_database_passwords(), ("REDIS_URL", _redis_password())]
    return [
        Error(
            f"{name} is an example or self-declared insecure value.",
            hint="Generate a real secret (make compose-env writes a .env with fresh ones).",
            id="tenants.E010",
        )
        for name, value in named
        if value and is_example_secret(value)
    ]


@register(Tags.security, deploy=True)
def check_field_encryption_keys(app_configs, **kwargs):
    """tenants.E013: personal data at rest needs real encryption keys (secre/encryption.py)."""
    keys = field_encryption_keys()
    if not keys:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS is empty.",
                hint="Set it to a Fernet key; then run manage.py rotate_encryption_keys to encrypt older rows.",
                id="tenants.E013",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(Error(f"FIELD_ENCRYPTION_KEYS key {position} is not a Fernet key.", id="tenants.E013"))
            continue
        if is_example_secret(key):
            errors.append(Error(f"FIELD_ENCRYPTION_KEYS key {position} is an example value.", id="tenants.E013"))
    return errors


@register(Tags.security, deploy=True)
def check_proxy_trust(app_configs, **kwargs):
    """tenants.W011: forwarded headers believed from any peer."""
    if settings.USE_PROXY_HEADERS and "*" in settings.FORWARDED_ALLOW_IPS:
        return [
            Warning(
                "USE_PROXY_HEADERS is on and FORWARDED_ALLOW_IPS trusts every peer.",
                hint="List the load balancer's addresses or networks in FORWARDED_ALLOW_IPS.",
                id="tenants.W011",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_hsts(app_configs, **kwargs):
    """tenants.W012: HSTS off outside DEBUG."""
    if not settings.DEBUG and not settings.SECURE_HSTS_SECONDS:
        return [Warning("HSTS is off (SECURE_HSTS_SECONDS=0).", hint="Leave the default (a year).", id="tenants.W012")]
    return []


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
