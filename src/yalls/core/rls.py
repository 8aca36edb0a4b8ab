"""Row-level security as code: the database roles, their grants, and each table's policies.

Each app declares its tables in its own `rls.py` (`protect(...)`, `reference(...)`); after every
`migrate`, `reconcile` (run as the owner) creates the roles, grants, helper functions and policies
idempotently, and `uncovered_tables` checks the catalogue so no table escapes. See docs/security.md
and docs/adr/0003-rls-policies-as-code.md.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import migrations

log = logging.getLogger(__name__)

# The acting member of the current transaction (NULL when anonymous or in the system context).
UID = "app.uid()"


@dataclass(frozen=True)
class Policies:
    """A table under RLS (enabled and forced). Each predicate is SQL over the table's columns;
    None means members may not do that at all (the system role bypasses RLS)."""

    table: str
    read: str | None = None  # SELECT ... USING
    insert: str | None = None  # INSERT ... WITH CHECK
    update: str | None = None  # UPDATE ... USING and WITH CHECK
    delete: str | None = None  # DELETE ... USING
    why: str = ""


PROTECTED: dict[str, Policies] = {}
# Tables with no member data: members may read them (SELECT grant only), never write them.
REFERENCE: dict[str, str] = {}


def protect(*tables: Policies) -> None:
    for policies in tables:
        PROTECTED[policies.table] = policies


def reference(table: str, why: str) -> None:
    REFERENCE[table] = why


def owned(table: str, column: str, *, public_read: bool = False, why: str = "") -> Policies:
    """The member reads and writes only rows whose `column` is them (optionally everyone reads)."""
    mine = f"{column} = {UID}"
    return Policies(
        table, read="true" if public_read else mine, insert=mine, update=mine, delete=mine, why=why
    )


def system_only(table: str, why: str) -> Policies:
    """Members can neither see nor write any row; only the system role (BYPASSRLS) can."""
    return Policies(table, why=why)


def discover() -> None:
    """Import every installed app's `rls` module (each registers its tables)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("rls")


# --- Roles ----------------------------------------------------------------------------------------


def roles() -> dict[str, str]:
    return {
        "app": settings.YALLS_DB_APP_ROLE,
        "member": settings.YALLS_DB_MEMBER_ROLE,
        "system": settings.YALLS_DB_SYSTEM_ROLE,
    }


def _ident(name: str) -> str:
    # Role names come from settings, never from members; still refuse anything but a plain name.
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"not a plain role name: {name!r}")
    return name


_ROLE_ATTRIBUTES = {
    "app": "LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT NOCREATEDB NOCREATEROLE",
    "member": "NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
    "system": "NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE",
}


# (can login, inherits, bypasses RLS, superuser, creates databases, creates roles)
_EXPECTED_ATTRIBUTES = {
    "app": (True, False, False, False, False, False),
    "member": (False, True, False, False, False, False),
    "system": (False, True, True, False, False, False),
}


def _ensure_roles(cursor) -> None:
    """Cluster-wide, so other databases' runs may do this at the same moment: do only what is
    missing and tolerate losing a race."""
    names = roles()
    for kind, name in names.items():
        cursor.execute(
            "SELECT rolcanlogin, rolinherit, rolbypassrls, rolsuper, rolcreatedb, rolcreaterole "
            "FROM pg_roles WHERE rolname = %s",
            [name],
        )
        row = cursor.fetchone()
        verb = "CREATE" if row is None else "ALTER"
        if row is not None and tuple(row) == _EXPECTED_ATTRIBUTES[kind]:
            continue
        try:
            with _savepoint(cursor):
                cursor.execute(f"{verb} ROLE {_ident(name)} {_ROLE_ATTRIBUTES[kind]}")
        except Exception:  # done meanwhile by another run ("tuple concurrently updated")
            log.info("role %s changed concurrently", name)
    # The system role reads connection statistics (/ops, the realtime listener's checks) of
    # sessions that logged in as the app role.
    cursor.execute("SELECT pg_has_role(%s, 'pg_read_all_stats', 'USAGE')", [names["system"]])
    if not cursor.fetchone()[0]:
        try:
            with _savepoint(cursor):
                cursor.execute(f"GRANT pg_read_all_stats TO {_ident(names['system'])}")
        except Exception:  # granted meanwhile by another run
            log.info("pg_read_all_stats granted concurrently")
    password = settings.DATABASE_APP_PASSWORD
    if password:
        cursor.execute(f"ALTER ROLE {_ident(names['app'])} PASSWORD %s", [password])
    for kind in ("member", "system"):
        cursor.execute(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s",
            [names[kind], names["app"]],
        )
        if not cursor.fetchone():
            try:
                with _savepoint(cursor):
                    # SET but not INHERIT: the app role reaches these privileges only by SET ROLE.
                    cursor.execute(
                        f"GRANT {_ident(names[kind])} TO {_ident(names['app'])} "
                        "WITH INHERIT FALSE, SET TRUE"
                    )
            except Exception:  # granted meanwhile by another run
                log.info("role %s granted concurrently", names[kind])


class _savepoint:
    def __init__(self, cursor):
        self.cursor = cursor

    def __enter__(self):
        self.cursor.execute("SAVEPOINT rls_role")

    def __exit__(self, exc_type, exc, tb):
        self.cursor.execute(
            "ROLLBACK TO SAVEPOINT rls_role" if exc else "RELEASE SAVEPOINT rls_role"
        )
        return False


def _grants_sql() -> str:
    r = roles()
    member, system, app = _ident(r["member"]), _ident(r["system"]), _ident(r["app"])
    return f"""
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app};
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    GRANT USAGE ON SCHEMA public TO {member}, {system};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {member};
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {system};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {member}, {system};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {member};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {system};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {member}, {system};
    CREATE SCHEMA IF NOT EXISTS app;
    REVOKE ALL ON SCHEMA app FROM PUBLIC;
    GRANT USAGE ON SCHEMA app TO {member}, {system};
    """


# Helper functions the policies call. SECURITY DEFINER (owned by the owner) so a policy can ask
# about another table without recursing into that table's own policies.
_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION app.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.user_id', true), '')::uuid
$$;
CREATE OR REPLACE FUNCTION app.manages_entity(entity uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT entity IS NOT NULL AND app.uid() IS NOT NULL AND (
        EXISTS (SELECT 1 FROM entities_entity e WHERE e.id = entity AND e.owner_id = app.uid())
        OR EXISTS (
            SELECT 1 FROM entities_entitymember m
            WHERE m.entity_id = entity AND m.member_id = app.uid() AND m.role IN ('owner', 'manager')
        )
    )
$$;
-- Staff powers (moderators review links, admins grant badges) are the acting member's role.
CREATE OR REPLACE FUNCTION app.has_role(VARIADIC wanted text[]) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM accounts_user u WHERE u.id = app.uid() AND u.is_active AND u.role = ANY(wanted)
    )
$$;
CREATE OR REPLACE FUNCTION app.may_write_post(post uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM social_post p
        WHERE p.id = post AND (p.author_id = app.uid() OR app.manages_entity(p.as_entity_id))
    )
$$;
CREATE OR REPLACE FUNCTION app.owns_email_address(address integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM account_emailaddress a WHERE a.id = address AND a.user_id = app.uid()
    )
$$;
-- A member cannot promote themself: role changes need the system context.
CREATE OR REPLACE FUNCTION app.user_role_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role IS DISTINCT FROM OLD.role AND current_user = '{member}' THEN
        RAISE EXCEPTION 'a member cannot change a role' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""

# Jobs are deferred from members' requests; the defer function runs as its owner so members need
# no rights on the job tables themselves.
_DEFINER_FUNCTIONS = ("procrastinate_defer_jobs_v1",)


def _policy_sql(policies: Policies) -> list[str]:
    t = policies.table
    member = _ident(roles()["member"])
    sql = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
    ]
    if policies.read:
        sql.append(
            f"CREATE POLICY member_read ON {t} FOR SELECT TO {member} USING ({policies.read})"
        )
    if policies.insert:
        sql.append(
            f"CREATE POLICY member_insert ON {t} FOR INSERT TO {member} "
            f"WITH CHECK ({policies.insert})"
        )
    if policies.update:
        sql.append(
            f"CREATE POLICY member_update ON {t} FOR UPDATE TO {member} "
            f"USING ({policies.update}) WITH CHECK ({policies.update})"
        )
    if policies.delete:
        sql.append(
            f"CREATE POLICY member_delete ON {t} FOR DELETE TO {member} USING ({policies.delete})"
        )
    return sql


def reconcile(sender=None, using: str = "default", **kwargs) -> None:
    """After every migrate, as the owner: roles, grants, helpers and every declared policy."""
    from django.db import connections, transaction

    connection = connections[using]
    if connection.settings_dict.get("USER") != settings.DATABASE_OWNER["USER"]:
        return  # e.g. the post_migrate signal a test flush sends: not the owner, nothing to do
    discover()
    r = roles()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _ensure_roles(cursor)
        cursor.execute(_grants_sql())
        cursor.execute(_FUNCTIONS_SQL.replace("{member}", _ident(r["member"])))
        existing = _existing_tables(cursor)
        for table in REFERENCE:
            if table in existing:
                cursor.execute(
                    f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {_ident(r['member'])}"
                )
        cursor.execute("SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'")
        for table, policy in cursor.fetchall():
            cursor.execute(f'DROP POLICY "{policy}" ON {table}')
        for policies in PROTECTED.values():
            if policies.table in existing:
                for statement in _policy_sql(policies):
                    cursor.execute(statement)
        if "accounts_user" in existing:
            cursor.execute(
                "DROP TRIGGER IF EXISTS user_role_guard ON accounts_user; "
                "CREATE TRIGGER user_role_guard BEFORE UPDATE ON accounts_user "
                "FOR EACH ROW EXECUTE FUNCTION app.user_role_guard()"
            )
        for name in _DEFINER_FUNCTIONS:
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname = %s", [name]
            )
            for (signature,) in cursor.fetchall():
                cursor.execute(
                    f"ALTER FUNCTION {signature} SECURITY DEFINER SET search_path = public, pg_temp"
                )


def _existing_tables(cursor) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    )
    return {row[0] for row in cursor.fetchall()}


def uncovered_tables(cursor) -> list[str]:
    """Tables in the catalogue that are neither protected (RLS enabled and forced, as declared)
    nor reviewed reference tables. Must be empty."""
    discover()
    cursor.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
    )
    bad = []
    for table, enabled, forced in cursor.fetchall():
        if table in REFERENCE:
            continue
        if table not in PROTECTED or not (enabled and forced):
            bad.append(table)
    return bad


# --- Kept for the migrations written before the policies became code ----------------------------


def create_member_role_sql() -> str:
    role = settings.YALLS_DB_MEMBER_ROLE  # from settings, not from members
    return f"""
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END
    $$;
    GRANT USAGE ON SCHEMA public TO {role};
    """


def enable_rls(table: str, owner_column: str = "user_id") -> migrations.RunSQL:
    """Historical: the post_migrate reconcile now replaces these policies with the declared ones."""
    predicate = f"{owner_column} = nullif(current_setting('app.user_id', true), '')::uuid"
    return migrations.RunSQL(
        sql=f"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS member_owns_row ON {table};
        CREATE POLICY member_owns_row ON {table} USING ({predicate}) WITH CHECK ({predicate});
        """,
        reverse_sql=f"""
        DROP POLICY IF EXISTS member_owns_row ON {table};
        ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
        """,
    )


# --- Core's own tables ----------------------------------------------------------------------------

reference("django_migrations", "migration bookkeeping")
reference("django_content_type", "model names")
reference("auth_permission", "permission names")
reference("auth_group", "group names (unused)")
reference("auth_group_permissions", "group permissions (unused)")
reference("flags_flag", "flag definitions: every request evaluates them")
protect(
    system_only("django_session", "session secrets; the session store uses the system context"),
    Policies(
        "django_admin_log",
        read=f"user_id = {UID}",
        insert=f"user_id = {UID}",
        why="admin's own log entries",
    ),
    Policies(
        "audit_auditevent",
        read="app.has_role('admin')",
        why="the audit log: admins read it; audit_record appends as the system",
    ),
    owned("idempotency_idempotencykey", "member_id", why="a member's API idempotency keys"),
    system_only("flags_experimentexposure", "experiment analytics, written as the system"),
    system_only("flags_experimentconversion", "experiment analytics, written as the system"),
    system_only("ops_jobfailure", "job failures (ops)"),
    system_only("webhooks_webhookendpoint", "inbound webhook endpoints"),
    system_only("webhooks_webhooksecret", "webhook signing secrets"),
    system_only("webhooks_webhookdelivery", "received webhook payloads"),
    system_only("procrastinate_jobs", "the job queue: members defer through a definer function"),
    system_only("procrastinate_events", "job events"),
    system_only("procrastinate_periodic_defers", "periodic job bookkeeping"),
    system_only("procrastinate_workers", "worker heartbeats"),
    Policies(
        "core_handle",
        read="true",
        why="the handle registry: public names, claimed through handle_claim as the system",
    ),
)
