"""Which connection django-axes' tables (failed console sign-ins: usernames, addresses) are read and
written on: ``signin``, the console login as ``secre_auth`` — never the runtime role, which could
otherwise read every clinic's staff usernames or lift every lockout with one SQL bug. Migrations run on
the owner's connection; the console's connections never migrate."""

SIGNIN_DB = "signin"
NEVER_MIGRATED = ("console", SIGNIN_DB)


class SignInRouter:
    def db_for_read(self, model, **hints):
        return SIGNIN_DB if model._meta.app_label == "axes" else None

    def db_for_write(self, model, **hints):
        return SIGNIN_DB if model._meta.app_label == "axes" else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db in NEVER_MIGRATED else None
