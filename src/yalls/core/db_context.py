"""The database context every request-scoped query runs under (row-level security).

The app logs in as a role that can do nothing by itself (`settings.YALLS_DB_APP_ROLE`). Each
checkout of a connection starts in the system role (`core.db_roles.enter_system_role`). Inside
a request the transaction switches, for that transaction only, to the member role
`settings.YALLS_DB_MEMBER_ROLE` and sets `app.user_id` to the acting member (empty when
anonymous): RLS policies then narrow every table to what that member may see and write, so a
query that forgot its filter still cannot reach another member's rows. `RESET ROLE` inside it
leads back to the app role, which has no privileges. Jobs, migrations and the authentication
flows (which must read a not-yet-signed-in member's credentials) run in the explicit system
context: the system role, which bypasses RLS but owns nothing.
"""

from contextlib import contextmanager
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import connection, transaction

from yalls.core.request_context import hash_member_id, member_hash_var

# Authentication flows: they look up credentials of a member who is not signed in yet.
SYSTEM_CONTEXT_PATH_PREFIXES = (
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/",
    "/accounts/2fa/authenticate/",
)

# Must answer even when the database does not (the health check reports that itself).
NO_CONTEXT_PATHS = frozenset({"/health", "/health/"})


def _set(user_id: str, role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.user_id', %s, true), set_config('role', %s, true)",
            [user_id, role],
        )


def _transaction_failed() -> bool:
    raw = connection.connection
    return raw is not None and raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR


def _current() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting('app.user_id', true), ''), current_user, session_user"
        )
        user_id, role, session_user = cursor.fetchone()
    return user_id, ("none" if role == session_user else role)


def _stack() -> list[tuple[str, str]]:
    """The contexts open on this connection, innermost last (to restore without asking)."""
    return connection.__dict__.setdefault("_yalls_db_contexts", [])


@contextmanager
def _context(user_id: str, role: str):
    # The outermost context owns its transaction: SET LOCAL ends with it, nothing to restore.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        stack = _stack()
        previous = None if outermost else (stack[-1] if stack else _current())
        _set(user_id, role)
        stack.append((user_id, role))
        try:
            yield
        finally:
            stack.pop()
            # After a failed statement the transaction rolls back anyway, and SET LOCAL with it;
            # restoring then would only raise a second error over the first.
            if previous is not None and not connection.needs_rollback and not _transaction_failed():
                _set(*previous)


def in_member_context() -> bool:
    stack = _stack()
    return bool(stack) and stack[-1][1] == settings.YALLS_DB_MEMBER_ROLE


def member_context(member_id: UUID | str | None):
    """Run the block as this member (None = anonymous) under RLS."""
    return _context(str(member_id or ""), settings.YALLS_DB_MEMBER_ROLE)


def system_context():
    """Run the block as the system (jobs, credential checks, writes for other members): RLS does
    not apply. Set explicitly, so it holds even if the session's role was reset."""
    return _context("", settings.YALLS_DB_SYSTEM_ROLE)


def current_member_id() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.user_id', true), '')")
        return cursor.fetchone()[0]


class DbContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in NO_CONTEXT_PATHS:
            return self.get_response(request)
        if request.path.startswith(SYSTEM_CONTEXT_PATH_PREFIXES):
            with system_context():
                return self.get_response(request)
        user = getattr(request, "user", None)
        member_id = user.pk if user is not None and user.is_authenticated else None
        if member_id:
            member_hash_var.set(hash_member_id(member_id))
        with member_context(member_id):
            return self.get_response(request)
