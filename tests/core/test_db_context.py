"""Row-level security: under member A's context an unfiltered query shows none of B's private rows."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.factories import MemberFactory
from yalls.accounts.models import PrivateProfile, RefreshToken, User
from yalls.core.db_context import current_member_id, member_context, system_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_members():
    a, b = MemberFactory(), MemberFactory()
    for member, n in ((a, 1), (b, 2)):
        PrivateProfile.objects.create(user=member, phone=f"+1 555 000 000{n}")
        RefreshToken.objects.create(
            user=member, token_hash=f"{n}" * 64, expires_at=timezone.now() + timedelta(days=1)
        )
        UserSession.objects.create(
            user=member, session_key=f"session-{n}", ip="127.0.0.1", user_agent="test"
        )
        Authenticator.objects.create(
            user=member, type=Authenticator.Type.TOTP, data={"secret": f"secret-{n}"}
        )
    return a, b


@pytest.mark.parametrize("model", [PrivateProfile, RefreshToken, UserSession, Authenticator])
def test_member_sees_only_own_private_rows(two_members, model):
    a, b = two_members
    with member_context(a.pk):
        rows = list(model.objects.all())  # deliberately unfiltered
    assert {row.user_id for row in rows} == {a.pk}
    with system_context():
        assert {row.user_id for row in model.objects.all()} == {a.pk, b.pk}


@pytest.mark.parametrize("model", [PrivateProfile, RefreshToken, UserSession, Authenticator])
def test_anonymous_context_sees_no_private_rows(two_members, model):
    with member_context(None):
        assert model.objects.count() == 0


def test_member_cannot_write_rows_for_someone_else(two_members):
    a, b = two_members
    with member_context(a.pk):
        updated = RefreshToken.objects.filter(user=b).update(revoked_at=timezone.now())
    assert updated == 0
    assert RefreshToken.objects.get(user=b).revoked_at is None


def test_member_cannot_insert_rows_owned_by_someone_else(two_members):
    from django.db import DatabaseError, transaction

    a, b = two_members
    with pytest.raises(DatabaseError), member_context(a.pk), transaction.atomic():
        RefreshToken.objects.create(user=b, token_hash="f" * 64, expires_at=timezone.now())


def test_context_is_restored_after_the_block(two_members):
    a, _ = two_members
    with member_context(a.pk):
        assert current_member_id() == str(a.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "yalls_member"
    assert current_member_id() == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "yalls_member"


def test_requests_run_in_the_member_context(client, two_members):
    """A web request by A reads the sessions table through RLS: only A's rows."""
    a, _ = two_members
    client.force_login(a)
    response = client.get("/settings/security/sessions")
    assert response.status_code == 200
    devices = [s["ip"] for s in response.context["sessions"]]
    assert UserSession.objects.filter(user=a).count() == len(devices)


def test_a_failed_statement_surfaces_as_itself_and_the_context_still_resets(two_members):
    from django.db import ProgrammingError

    a, _ = two_members
    with pytest.raises(ProgrammingError), member_context(a.pk), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert current_member_id() == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "yalls_member"


def _one(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_app_logs_in_as_a_role_that_owns_nothing_and_can_do_nothing_itself(db):
    session_user, current = _one("SELECT session_user, current_user")
    assert (session_user, current) == ("yalls_app", "yalls_system")
    assert _one(
        "SELECT rolsuper, rolbypassrls, rolinherit, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = session_user"
    ) == (False, False, False, False, False)
    assert _one("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'yalls_member'") == (
        False,
        False,
    )
    assert _one(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname IN ('yalls_app', 'yalls_member', 'yalls_system')"
    ) == (0,)
    assert _one(
        "SELECT has_table_privilege('yalls_app', 'accounts_user', 'SELECT'), "
        "has_schema_privilege('yalls_system', 'public', 'CREATE')"
    ) == (False, False)


def test_reset_role_inside_a_member_transaction_leads_to_a_role_that_can_do_nothing(two_members):
    a, _ = two_members
    with member_context(a.pk):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("RESET ROLE")
            cursor.execute("UPDATE accounts_user SET display_name = 'owned'")
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT count(*) FROM accounts_privateprofile")
    assert not User.objects.filter(display_name="owned").exists()


def test_what_the_wall_does_not_defend_sql_injection_can_set_a_granted_role(two_members):
    """Documented limit (docs/security.md): the login role may SET ROLE to any role granted to
    it, so injected SQL could leave the member role. The wall defends against forgotten filters
    and buggy queries, not against arbitrary SQL."""
    a, _ = two_members
    with member_context(a.pk):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE yalls_system")
        assert _one("SELECT current_user") == ("yalls_system",)


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_at_the_login_role_is_back_in_the_system_role_at_next_checkout():
    with member_context(None), connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # session-level: outlives the member transaction
    assert _one("SELECT current_user") == ("yalls_app",)
    connection.close()  # back to the pool; the next checkout starts over
    assert _one("SELECT current_user") == ("yalls_system",)
    with system_context():
        assert _one("SELECT current_user") == ("yalls_system",)
