"""The API key resolvers, defined once (a migration operation): ``secre_resolve_api_key(prefix)`` and
``secre_resolve_platform_key(prefix)``, the one door through which the runtime role finds a key before
any tenant is known (tenants/api_keys.py reads them)."""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

from tenants.rls import KEY_LOOKUP_ROLE, RUNTIME_ROLE, quote_name

RESOLVER = "secre_resolve_api_key"
PLATFORM_RESOLVER = "secre_resolve_platform_key"


def _returned_columns(model, alias: str, prefix: str, connection) -> list[tuple[str, str, str]]:
    """``(output name, SQL type, expression)`` for every concrete column of ``model``."""
    return [
        (f"{prefix}_{field.column}", field.db_type(connection), f"{alias}.{quote_name(field.column)}")
        for field in model._meta.concrete_fields
    ]


def _resolver_function(name: str, columns, from_sql: str) -> list[str]:
    returns = ", ".join(f"{quote_name(out)} {sql_type}" for out, sql_type, _ in columns)
    select = ", ".join(expression for _, _, expression in columns)
    return [
        f"DROP FUNCTION IF EXISTS {name}(text)",
        f"CREATE FUNCTION {name}(p_prefix text) RETURNS TABLE ({returns})"
        " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
        f" AS $$ SELECT {select} {from_sql} $$",
        # A new owner needs CREATE on the schema at the moment of the transfer, and only then.
        f"GRANT CREATE ON SCHEMA public TO {KEY_LOOKUP_ROLE}",
        f"ALTER FUNCTION {name}(text) OWNER TO {KEY_LOOKUP_ROLE}",
        f"REVOKE CREATE ON SCHEMA public FROM {KEY_LOOKUP_ROLE}",
        f"REVOKE ALL ON FUNCTION {name}(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {name}(text) TO {RUNTIME_ROLE}",
    ]


class CreateKeyResolvers(Operation):
    """The API key resolvers, defined once: ``secre_resolve_api_key(prefix)`` returns the one tenant key
    row with that prefix and its tenant, every column of both by name (``key_<column>``,
    ``tenant_<column>``); ``secre_resolve_platform_key(prefix)`` the platform key (``key_<column>``).

    They are SECURITY DEFINER functions owned by ``secre_key_lookup`` (whose only power is the
    SELECT-only policy on the key and tenant tables) with a pinned search_path, so no caller-created
    object can shadow what they read. The columns come from the migration state's models, so a
    migration that adds a Tenant or key field runs this again (a test fails otherwise).
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, initial: bool = False):
        # The first migration that creates them drops them when going backwards.
        self.initial = initial

    def deconstruct(self):
        return self.__class__.__qualname__, [], ({"initial": True} if self.initial else {})

    def state_forwards(self, app_label, state) -> None:
        pass

    def sql(self, state, connection) -> list[str]:
        models = {model._meta.model_name: model for model in state.apps.get_app_config("tenants").get_models()}
        statements = []
        if "tenantapikey" in models:
            columns = _returned_columns(models["tenantapikey"], "k", "key", connection)
            columns += _returned_columns(models["tenant"], "t", "tenant", connection)
            statements += _resolver_function(
                RESOLVER,
                columns,
                "FROM public.tenants_tenantapikey AS k JOIN public.tenants_tenant AS t ON t.id = k.tenant_id"
                " WHERE k.prefix = p_prefix",
            )
        else:
            statements.append(f"DROP FUNCTION IF EXISTS {RESOLVER}(text)")
        if "platformapikey" in models:
            statements += _resolver_function(
                PLATFORM_RESOLVER,
                _returned_columns(models["platformapikey"], "k", "key", connection),
                "FROM public.tenants_platformapikey AS k WHERE k.prefix = p_prefix",
            )
        else:
            statements.append(f"DROP FUNCTION IF EXISTS {PLATFORM_RESOLVER}(text)")
        return statements

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self.sql(to_state, schema_editor.connection):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if self.initial:
            statements = [
                f"DROP FUNCTION IF EXISTS {PLATFORM_RESOLVER}(text)",
                f"DROP FUNCTION IF EXISTS {RESOLVER}(text)",
            ]
        else:
            statements = self.sql(to_state, schema_editor.connection)
        for statement in statements:
            schema_editor.execute(statement)

    def describe(self) -> str:
        return "Create the API key resolvers from the tenant and key tables' current columns"
