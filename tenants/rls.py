"""Migration operations that build the row-level-security wall, one per kind of rule.

Every tenant table's migration calls :class:`EnableTenantIsolation`; nothing is pasted. Like
Django's ``CreateExtension`` these are small custom operations with forwards, backwards and
``describe()``. They touch only the database, never the migration state.

The policy is a plain equality on the tenant column, so ``(tenant_id, ...)`` indexes serve it, and
it fails closed: with no tenant set, ``NULLIF(current_setting('app.tenant_id', true), '')`` is
NULL and the comparison matches nothing, for reads and for writes alike.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

RUNTIME_ROLE = "secre_app"
KEY_LOOKUP_ROLE = "secre_key_lookup"
# The sign-in role (NOLOGIN) is reached only by `SET LOCAL ROLE` from the console login role, inside
# tenants.bypass.sign_in_access(): it reads staff rows (password hashes) before any tenant is known,
# and nothing else. The runtime role never reads a staff row outside its tenant.
AUTH_ROLE = "secre_auth"
AUTH_POLICY_NAME = "sign_in_read"
# The operator role (NOLOGIN) is reached only by `SET LOCAL ROLE` from the console login role, inside
# tenants.bypass.operator_access(): the one named way to see across tenants. It has its own policy
# on every tenant table; the runtime role's policy stays a plain equality (no OR branch).
OPERATOR_ROLE = "secre_operator"
OPERATOR_POLICY_NAME = "operator_access"
APP_ROLES = (RUNTIME_ROLE, OPERATOR_ROLE)
TENANT_SETTING = "app.tenant_id"
CURRENT_TENANT_SQL = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
POLICY_NAME = "tenant_isolation"
KEY_LOOKUP_POLICY_NAME = "key_lookup_read"
STAFF_GUARD_POLICY_NAME = "staff_no_escalation"

# The search role (NOLOGIN) owns the tenant search functions (CreateTenantSearchFunction): a SECURITY
# DEFINER function is planned without the tenant policy's security barrier, so a trigram index can
# serve LIKE. Its only power: SELECT on a few columns of the searched tables, through its own policy.
SEARCH_ROLE = "secre_search"
SEARCH_POLICY_NAME = "tenant_search_read"

READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY = ("SELECT", "INSERT")


def _table(app_label: str, model_name: str, state) -> str:
    return state.apps.get_model(app_label, model_name)._meta.db_table


def quote_name(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


_q = quote_name


def _force_rls(table: str) -> list[str]:
    return [f"ALTER TABLE {_q(table)} ENABLE ROW LEVEL SECURITY", f"ALTER TABLE {_q(table)} FORCE ROW LEVEL SECURITY"]


def _unforce_rls(table: str) -> list[str]:
    return [
        f"ALTER TABLE {_q(table)} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {_q(table)} DISABLE ROW LEVEL SECURITY",
    ]


class _DatabaseOnlyOperation(Operation):
    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self.forwards_sql(_table(app_label, self.model_name, to_state)):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self.backwards_sql(_table(app_label, self.model_name, from_state)):
            schema_editor.execute(statement)


class AllowOperatorAccess(_DatabaseOnlyOperation):
    """The operator role's policy (every row) and grants on a tenant table.

    Part of :class:`EnableTenantIsolation`; used alone only to catch up tables created before the
    operator role existed.
    """

    def __init__(self, model_name: str, privileges=READ_WRITE):
        self.model_name = model_name
        self.privileges = tuple(privileges)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.privileges != READ_WRITE:
            kwargs["privileges"] = self.privileges
        return self.__class__.__qualname__, [], kwargs

    def forwards_sql(self, table: str) -> list[str]:
        return [
            f"CREATE POLICY {OPERATOR_POLICY_NAME} ON {_q(table)} TO {OPERATOR_ROLE} USING (true) WITH CHECK (true)",
            f"GRANT {', '.join(self.privileges)} ON {_q(table)} TO {OPERATOR_ROLE}",
        ]

    def backwards_sql(self, table: str) -> list[str]:
        return [
            f"REVOKE ALL ON {_q(table)} FROM {OPERATOR_ROLE}",
            f"DROP POLICY IF EXISTS {OPERATOR_POLICY_NAME} ON {_q(table)}",
        ]

    def describe(self) -> str:
        return f"Let {OPERATOR_ROLE} (the console's named bypass) reach every row of {self.model_name}"


class EnableTenantIsolation(_DatabaseOnlyOperation):
    """ENABLE + FORCE row-level security on a tenant table, the runtime role's policy and grants,
    and the operator role's policy and grants (:class:`AllowOperatorAccess`).

    ``tenant_column`` is ``tenant_id`` except on the tenants table itself (``id``).
    ``privileges`` are the runtime role's grants: :data:`READ_WRITE` for plain tables,
    :data:`APPEND_ONLY` for trails that must never change.
    """

    def __init__(self, model_name: str, tenant_column: str = "tenant_id", privileges=READ_WRITE):
        self.model_name = model_name
        self.tenant_column = tenant_column
        self.privileges = tuple(privileges)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.tenant_column != "tenant_id":
            kwargs["tenant_column"] = self.tenant_column
        if self.privileges != READ_WRITE:
            kwargs["privileges"] = self.privileges
        return self.__class__.__qualname__, [], kwargs

    def forwards_sql(self, table: str) -> list[str]:
        match = f"{_q(self.tenant_column)} = {CURRENT_TENANT_SQL}"
        return [
            *_force_rls(table),
            f"CREATE POLICY {POLICY_NAME} ON {_q(table)} TO {RUNTIME_ROLE} USING ({match}) WITH CHECK ({match})",
            f"GRANT {', '.join(self.privileges)} ON {_q(table)} TO {RUNTIME_ROLE}",
            *AllowOperatorAccess(self.model_name, self.privileges).forwards_sql(table),
        ]

    def backwards_sql(self, table: str) -> list[str]:
        return [
            *AllowOperatorAccess(self.model_name, self.privileges).backwards_sql(table),
            f"REVOKE ALL ON {_q(table)} FROM {RUNTIME_ROLE}",
            f"DROP POLICY IF EXISTS {POLICY_NAME} ON {_q(table)}",
            *_unforce_rls(table),
        ]

    def describe(self) -> str:
        return f"Enable forced row-level security, tenant policy and grants on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"isolate_{self.model_name.lower()}"


class AddTenantForeignKey(_DatabaseOnlyOperation):
    """A composite foreign key ``(tenant_id, <field>_id) -> <target>(tenant_id, id)``.

    Foreign keys ignore RLS, so Django's plain FK alone would let a row reference another
    tenant's row. The target must have ``UNIQUE (tenant_id, id)`` (declared in its model).
    ``on_delete`` is the SQL action (``RESTRICT`` keeps clinical records referenced).
    """

    def __init__(self, model_name: str, field: str, to_table: str, on_delete: str = "RESTRICT"):
        self.model_name = model_name
        self.field = field
        self.to_table = to_table
        self.on_delete = on_delete

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "field": self.field, "to_table": self.to_table}
        if self.on_delete != "RESTRICT":
            kwargs["on_delete"] = self.on_delete
        return self.__class__.__qualname__, [], kwargs

    def constraint_name(self, table: str) -> str:
        return f"{table}_{self.field}_same_tenant_fk"[:63]

    def forwards_sql(self, table: str) -> list[str]:
        return [
            f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(self.constraint_name(table))} "
            f"FOREIGN KEY (tenant_id, {_q(self.field + '_id')}) "
            f"REFERENCES {_q(self.to_table)} (tenant_id, id) ON DELETE {self.on_delete}"
        ]

    def backwards_sql(self, table: str) -> list[str]:
        return [f"ALTER TABLE {_q(table)} DROP CONSTRAINT IF EXISTS {_q(self.constraint_name(table))}"]

    def describe(self) -> str:
        return f"Add same-tenant foreign key {self.model_name}.{self.field} -> {self.to_table}"


class _AllowRoleRead(_DatabaseOnlyOperation):
    """A SELECT-only policy on every row of a table, and the grant, for one NOLOGIN role."""

    role = ""
    policy_name = ""

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name}

    def forwards_sql(self, table: str) -> list[str]:
        return [
            f"CREATE POLICY {self.policy_name} ON {_q(table)} FOR SELECT TO {self.role} USING (true)",
            f"GRANT SELECT ON {_q(table)} TO {self.role}",
        ]

    def backwards_sql(self, table: str) -> list[str]:
        return [
            f"REVOKE ALL ON {_q(table)} FROM {self.role}",
            f"DROP POLICY IF EXISTS {self.policy_name} ON {_q(table)}",
        ]


class AllowKeyLookupRead(_AllowRoleRead):
    """Let the key-lookup role read every row of a key table (and nothing else).

    API keys are resolved before any tenant is known. The runtime role cannot do that under RLS;
    a SECURITY DEFINER function owned by ``secre_key_lookup`` can, through this SELECT-only policy.
    """

    role = KEY_LOOKUP_ROLE
    policy_name = KEY_LOOKUP_POLICY_NAME

    def describe(self) -> str:
        return f"Let {KEY_LOOKUP_ROLE} read {self.model_name} for API key resolution"


class AllowSignInRead(_AllowRoleRead):
    """Let the sign-in role read every staff row (the password hash and the session's auth hash are
    checked before any tenant is known). Reached only through ``tenants.bypass.sign_in_access()``."""

    role = AUTH_ROLE
    policy_name = AUTH_POLICY_NAME

    def describe(self) -> str:
        return f"Let {AUTH_ROLE} read {self.model_name} for console sign-in"


class RefuseStaffEscalation(_DatabaseOnlyOperation):
    """A RESTRICTIVE policy for the runtime role on the staff table: no row it writes may be a
    superuser, belong to no tenant (a platform operator) or to another tenant.

    Restrictive policies are ANDed with the tenant policy, so even inside a staff member's own tenant
    ``UPDATE ... SET is_superuser = true`` fails. Column grants would not do: Django's ``save()``
    writes every column. Operators are created and promoted only through the operator role.
    """

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name}

    def forwards_sql(self, table: str) -> list[str]:
        check = f"NOT is_superuser AND tenant_id IS NOT NULL AND tenant_id = {CURRENT_TENANT_SQL}"
        return [
            f"CREATE POLICY {STAFF_GUARD_POLICY_NAME} ON {_q(table)} AS RESTRICTIVE FOR ALL TO {RUNTIME_ROLE}"
            f" USING (true) WITH CHECK ({check})"
        ]

    def backwards_sql(self, table: str) -> list[str]:
        return [f"DROP POLICY IF EXISTS {STAFF_GUARD_POLICY_NAME} ON {_q(table)}"]

    def describe(self) -> str:
        return f"Refuse superusers, operators and other tenants in {RUNTIME_ROLE}'s writes of {self.model_name}"


class EnableMembershipIsolation(Operation):
    """Forced row-level security on a staff membership table (``tenants_user_groups``,
    ``tenants_user_user_permissions``), which has no tenant column of its own: the runtime role sees
    and writes only rows whose user is a staff member of the current tenant. The operator role reaches
    every row. ``table`` and ``user_table`` are table names (Django creates these tables itself)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, user_table: str = "tenants_user", user_column: str = "user_id"):
        self.table = table
        self.user_table = user_table
        self.user_column = user_column

    def deconstruct(self):
        kwargs = {"table": self.table}
        if self.user_table != "tenants_user":
            kwargs["user_table"] = self.user_table
        if self.user_column != "user_id":
            kwargs["user_column"] = self.user_column
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state) -> None:
        pass

    def forwards_sql(self) -> list[str]:
        table = _q(self.table)
        match = (
            f"{_q(self.user_column)} IN (SELECT id FROM {_q(self.user_table)} WHERE tenant_id = {CURRENT_TENANT_SQL})"
        )
        return [
            *_force_rls(self.table),
            f"CREATE POLICY {POLICY_NAME} ON {table} TO {RUNTIME_ROLE} USING ({match}) WITH CHECK ({match})",
            f"CREATE POLICY {OPERATOR_POLICY_NAME} ON {table} TO {OPERATOR_ROLE} USING (true) WITH CHECK (true)",
        ]

    def backwards_sql(self) -> list[str]:
        table = _q(self.table)
        return [
            f"DROP POLICY IF EXISTS {OPERATOR_POLICY_NAME} ON {table}",
            f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
            *_unforce_rls(self.table),
        ]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self.forwards_sql():
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self.backwards_sql():
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Enable forced row-level security on {self.table}: rows of the current tenant's staff only"


class EnableOperatorOnlyAccess(_DatabaseOnlyOperation):
    """Forced row-level security on a platform table (no tenant column) that only the operator role
    may touch: nothing for the runtime role, everything for the operator."""

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name}

    def forwards_sql(self, table: str) -> list[str]:
        return [*_force_rls(table), *AllowOperatorAccess(self.model_name).forwards_sql(table)]

    def backwards_sql(self, table: str) -> list[str]:
        return [*AllowOperatorAccess(self.model_name).backwards_sql(table), *_unforce_rls(table)]

    def describe(self) -> str:
        return f"Enable forced row-level security on {self.model_name}, for the operator role only"


class GrantRuntimeAccess(Operation):
    """Grant the app's roles (runtime and operator) privileges on a table that is not tenant-owned
    (reference data, Django's own tables). ``table`` is a table name; ``sequences`` also get USAGE."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, privileges=("SELECT",), sequences: tuple[str, ...] = (), roles=APP_ROLES):
        self.table = table
        self.privileges = tuple(privileges)
        self.sequences = tuple(sequences)
        self.roles = tuple(roles)

    def deconstruct(self):
        kwargs = {"table": self.table}
        if self.roles != APP_ROLES:
            kwargs["roles"] = self.roles
        if self.privileges != ("SELECT",):
            kwargs["privileges"] = self.privileges
        if self.sequences:
            kwargs["sequences"] = self.sequences
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        roles = ", ".join(self.roles)
        schema_editor.execute(f"GRANT {', '.join(self.privileges)} ON {_q(self.table)} TO {roles}")
        for sequence in self.sequences:
            schema_editor.execute(f"GRANT USAGE ON SEQUENCE {_q(sequence)} TO {roles}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        roles = ", ".join(self.roles)
        schema_editor.execute(f"REVOKE ALL ON {_q(self.table)} FROM {roles}")
        for sequence in self.sequences:
            schema_editor.execute(f"REVOKE ALL ON SEQUENCE {_q(sequence)} FROM {roles}")

    def describe(self) -> str:
        return f"Grant {', '.join(self.privileges)} on {self.table} to {', '.join(self.roles)}"


class ChangePrivileges(Operation):
    """Replace the privileges ``roles`` hold on ``table`` (``privileges`` empty: none at all);
    backwards restores ``previous``. For narrowing a grant made by an earlier migration."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, privileges=(), previous=(), roles=APP_ROLES):
        self.table = table
        self.privileges = tuple(privileges)
        self.previous = tuple(previous)
        self.roles = tuple(roles)

    def deconstruct(self):
        kwargs = {"table": self.table, "privileges": self.privileges, "previous": self.previous}
        if self.roles != APP_ROLES:
            kwargs["roles"] = self.roles
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state) -> None:
        pass

    def _sql(self, privileges: tuple[str, ...]) -> list[str]:
        roles = ", ".join(self.roles)
        statements = [f"REVOKE ALL ON {_q(self.table)} FROM {roles}"]
        if privileges:
            statements.append(f"GRANT {', '.join(privileges)} ON {_q(self.table)} TO {roles}")
        return statements

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self._sql(self.privileges):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for statement in self._sql(self.previous):
            schema_editor.execute(statement)

    def describe(self) -> str:
        granted = ", ".join(self.privileges) or "nothing"
        return f"Leave {', '.join(self.roles)} with {granted} on {self.table}"


class CreateTenantSearchFunction(_DatabaseOnlyOperation):
    """A search that an index can serve under RLS: ``<function>(p_needle text, p_after uuid, p_limit int)
    RETURNS SETOF uuid``, the ids of the current tenant's rows of ``model_name`` matching ``condition``
    (SQL over alias ``t``, the needle as ``$1``), in id order, after ``p_after`` (NULL: from the start),
    at most ``p_limit`` (NULL: all) — the keyset page the API's cursor pagination asks for.

    PostgreSQL applies the tenant policy as a security barrier and ``LIKE`` is not leakproof, so under
    RLS a ``LIKE`` never reaches an index (patients/migrations/0004). This function is the second named
    exception beside the key resolvers (tenants/key_resolvers.py): SECURITY DEFINER, owned by
    ``secre_search``, whose only power is a SELECT-only policy and SELECT on ``columns`` of this table;
    pinned ``search_path``; and the tenant filter is written here, not by the caller:
    ``t.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid``, so with no tenant set
    it returns nothing and it never returns another tenant's id. It returns ids only; the caller reads
    the rows under RLS as always. EXECUTE goes to the runtime role only.

    A page is found in two steps, each planned per call with the needle known (PL/pgSQL ``EXECUTE …
    USING``): the next :attr:`PROBE_ROWS` rows in id order (the ``(tenant_id, id)`` key), enough for a
    common needle; otherwise every match through the index the condition can use (a trigram index for
    a needle of three characters or more), sorted. Either step reads a bounded number of rows, except
    a needle too short for trigrams that matches rarely (a full read of the tenant, as before).
    """

    # Rows read in id order before the trigram index is asked: a needle matching at least
    # limit / PROBE_ROWS of the tenant (a common name) fills its page from them.
    PROBE_ROWS = 2000

    def __init__(self, model_name: str, function: str, columns: list[str], condition: str):
        self.model_name = model_name
        self.function = function
        self.columns = list(columns)
        self.condition = condition

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {
                "model_name": self.model_name,
                "function": self.function,
                "columns": self.columns,
                "condition": self.condition,
            },
        )

    @property
    def signature(self) -> str:
        return f"{self.function}(text, uuid, integer)"

    def forwards_sql(self, table: str) -> list[str]:
        columns = ", ".join(_q(column) for column in sorted({"id", "tenant_id", *self.columns}))
        selected = ", ".join(f"t.{_q(column)}" for column in sorted({"id", "tenant_id", *self.columns}))
        rows = f"public.{_q(table)} AS t WHERE t.tenant_id = {CURRENT_TENANT_SQL} AND ($2 IS NULL OR t.id > $2)"
        # 1. A probe of the next PROBE_ROWS rows in id order: a common needle fills its page there.
        probe = (
            f"SELECT array_agg(p.id ORDER BY p.id) FROM (SELECT t.id FROM (SELECT {selected} FROM {rows} ORDER BY t.id"
            f" LIMIT {self.PROBE_ROWS}) AS t WHERE ({self.condition}) ORDER BY t.id LIMIT $3) AS p"
        )
        # 2. Otherwise every match (the fence keeps the planner from scanning in id order for a LIMIT:
        #    the trigram index answers a rare needle), sorted.
        matches = (
            f"SELECT m.id FROM (SELECT t.id FROM {rows} AND ({self.condition}) OFFSET 0) AS m ORDER BY m.id LIMIT $3"
        )
        body = (
            "DECLARE found uuid[]; BEGIN"
            f" IF p_limit IS NOT NULL THEN EXECUTE $q$ {probe} $q$ INTO found USING p_needle, p_after, p_limit;"
            " IF cardinality(found) >= p_limit THEN RETURN QUERY SELECT unnest(found[1:p_limit]); RETURN; END IF;"
            f" END IF; RETURN QUERY EXECUTE $q$ {matches} $q$ USING p_needle, p_after, p_limit; END"
        )
        return [
            f"CREATE POLICY {SEARCH_POLICY_NAME} ON {_q(table)} FOR SELECT TO {SEARCH_ROLE} USING (true)",
            f"GRANT SELECT ({columns}) ON {_q(table)} TO {SEARCH_ROLE}",
            f"CREATE FUNCTION {self.function}(p_needle text, p_after uuid DEFAULT NULL, p_limit integer DEFAULT NULL)"
            " RETURNS SETOF uuid LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
            f" ROWS 100 AS $fn$ {body} $fn$",
            # A new owner needs CREATE on the schema at the moment of the transfer, and only then.
            f"GRANT CREATE ON SCHEMA public TO {SEARCH_ROLE}",
            f"ALTER FUNCTION {self.signature} OWNER TO {SEARCH_ROLE}",
            f"REVOKE CREATE ON SCHEMA public FROM {SEARCH_ROLE}",
            f"REVOKE ALL ON FUNCTION {self.signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {self.signature} TO {RUNTIME_ROLE}",
        ]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        # params=None: the condition's LIKE wildcards are SQL, not placeholders.
        for statement in self.forwards_sql(_table(app_label, self.model_name, to_state)):
            schema_editor.execute(statement, params=None)

    def backwards_sql(self, table: str) -> list[str]:
        return [
            f"DROP FUNCTION IF EXISTS {self.signature}",
            f"REVOKE ALL ON {_q(table)} FROM {SEARCH_ROLE}",
            f"DROP POLICY IF EXISTS {SEARCH_POLICY_NAME} ON {_q(table)}",
        ]

    def describe(self) -> str:
        return f"Create the tenant search function {self.function} on {self.model_name} (owned by {SEARCH_ROLE})"
