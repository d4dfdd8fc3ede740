"""App config for tenants."""

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from secre import periodic
        from secre.pg_loaders import use_fast_timestamps
        from tenants import checks, openapi  # noqa: F401  (register the checks and the OpenAPI scheme)
        from tenants.auth import last_login_update
        from tenants.services import console_sessions_purge, idempotency_records_purge, sign_in_attempts_purge

        every = settings.HOUSEKEEPING_SECONDS
        periodic.register("idempotencyRecords", idempotency_records_purge, every_seconds=every, purge=True)
        periodic.register("consoleSessions", console_sessions_purge, every_seconds=every, purge=True)
        periodic.register("consoleSignInAttempts", sign_in_attempts_purge, every_seconds=every, purge=True)

        # Django's receiver saves last_login in the sign-in request's empty tenant context (no row is
        # visible there under RLS); ours saves it in the user's own context. It takes Django's
        # dispatch_uid, and this app is ready before django.contrib.auth, whose connect with the same
        # uid is then ignored (a dispatch_uid is connected once).
        user_logged_in.connect(last_login_update, dispatch_uid="update_last_login")
        # Timestamps parsed by psycopg's C loader rather than Django's Python one (secre/pg_loaders.py).
        connection_created.connect(use_fast_timestamps, dispatch_uid="secre.fast_timestamps")
