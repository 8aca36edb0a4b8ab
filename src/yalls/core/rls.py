"""Row-level security building blocks: the member role, its grants, and per-table policies.

A private table gets `enable_rls("table", "user_id")` in a migration: only rows whose owner column
equals the `app.user_id` of the current database context are visible or writable to the member
role. The owner role (system context) is not subject to RLS.
"""

from django.conf import settings
from django.db import migrations


def _role() -> str:
    return settings.YALLS_DB_MEMBER_ROLE


def create_member_role_sql() -> str:
    role = _role()  # from settings, not from members
    return f"""
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
    END
    $$;
    GRANT {role} TO CURRENT_USER;
    GRANT USAGE ON SCHEMA public TO {role};
    """


def grant_sql() -> str:
    role = _role()
    return f"""
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
    """


def grant_member_role(sender, using="default", **kwargs) -> None:
    """After every migrate: the member role may use every table; RLS policies narrow the rows."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [_role()])
        if cursor.fetchone():
            cursor.execute(grant_sql())


def enable_rls(table: str, owner_column: str = "user_id") -> migrations.RunSQL:
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
