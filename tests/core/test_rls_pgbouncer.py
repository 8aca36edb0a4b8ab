"""The RLS context survives a transaction-pooling PgBouncer: many clients share two server
connections, members' transactions interleave, and none sees another's context or rows."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from tests.factories import MemberFactory
from tests.pgbouncer import PgBouncer
from yalls.core.db_context import member_context, system_context
from yalls.social.models import Post
from yalls.social.services import posts as social_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def bouncer():
    default = settings.DATABASES["default"]
    socket_dir = default["HOST"]
    if not socket_dir.startswith("/"):
        pytest.skip("PgBouncer here fronts the embedded server's unix socket")
    server = PgBouncer(
        socket_dir=socket_dir,
        users=[settings.YALLS_DB_APP_ROLE],
        system_role=settings.YALLS_DB_SYSTEM_ROLE,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def through_bouncer(bouncer):
    """Point the default database at PgBouncer (every thread's connection, the pool included)."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    connection.close_pool()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(bouncer.port)
    try:
        connection.ensure_connection()
        assert connection.connection.info.port == bouncer.port  # really through PgBouncer
        yield bouncer
    finally:
        connections.close_all()
        connection.close_pool()
        settings_dict["HOST"], settings_dict["PORT"] = saved


@pytest.fixture
def two_authors(entity_kinds):
    a, b = MemberFactory(password=None), MemberFactory(password=None)
    drafts = {}
    for member in (a, b):
        with member_context(member.pk):
            drafts[member.pk] = social_services.draft_save(
                author=member, body=f"draft of {member.handle}"
            )
            social_services.post_create(author=member, body=f"hello from {member.handle}")
    return a, b, drafts


def _in_thread(fn):
    """Run fn on its own connection (Django's connections are per thread) and close it after."""

    def run(*args):
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run


def test_interleaved_member_transactions_never_see_each_others_context(
    through_bouncer, two_authors
):
    a, b, drafts = two_authors
    barrier = threading.Barrier(6)

    @_in_thread
    def as_member(member):
        barrier.wait(timeout=10)
        seen = []
        for _ in range(15):
            with member_context(member.pk), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('app.user_id'), current_user,"
                    " (SELECT array_agg(id::text) FROM social_post WHERE state = 'draft'),"
                    " pg_sleep(0.002)::text"
                )
                user_id, role, draft_ids, _ = cursor.fetchone()
                seen.append((user_id, role, tuple(sorted(draft_ids or []))))
            with connection.cursor() as cursor:  # between transactions: the system, nobody
                cursor.execute(
                    "SELECT coalesce(current_setting('app.user_id', true), ''), current_user"
                )
                seen.append(cursor.fetchone())
        return member, seen

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(as_member, [a, b, a, b, a, b]))
    for member, seen in results:
        inside, outside = seen[0::2], seen[1::2]
        assert set(inside) == {(str(member.pk), "yalls_member", (str(drafts[member.pk].pk),))}
        assert {tuple(row) for row in outside} == {("", "yalls_system")}


def test_request_journey_of_two_members_interleaved(through_bouncer, two_authors):
    a, b, drafts = two_authors

    @_in_thread
    def journey(member):
        client = Client(HTTP_ACCEPT="application/json")
        client.force_login(member)
        bodies = []
        for _ in range(5):
            response = client.get("/api/v1/posts/drafts")
            assert response.status_code == 200, response.content
            bodies.append(sorted(post["id"] for post in response.json()))
            response = client.get(f"/api/v1/posts/{drafts[member.pk].pk}")
            assert response.status_code == 200, response.content
            other = b if member == a else a
            response = client.get(f"/api/v1/posts/{drafts[other.pk].pk}")
            assert response.status_code == 404, response.content  # another's draft: no such post
        return member, bodies

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(journey, [a, b, a, b]))
    for member, bodies in results:
        assert bodies == [[str(drafts[member.pk].pk)]] * 5


def test_rls_holds_through_the_pooler(through_bouncer, two_authors):
    a, b, drafts = two_authors
    with member_context(a.pk):
        assert not Post.objects.filter(pk=drafts[b.pk].pk).exists()  # b's draft: invisible
        assert Post.objects.filter(author=b).update(body="defaced") == 0
        assert Post.objects.filter(author=b).delete()[0] == 0
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("RESET ROLE")
        cursor.execute("SELECT count(*) FROM social_post")
    with system_context():
        assert Post.objects.filter(author=b, body="defaced").count() == 0


def test_a_reset_role_does_not_outlive_its_transaction_behind_the_pooler(through_bouncer):
    """A session-level RESET ROLE lands on a shared server connection; PgBouncer's reset query
    puts it back in the system role before anyone else's transaction runs there."""

    @_in_thread
    def reset_then_read(_):
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
        results = []
        for _ in range(10):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                results.append(cursor.fetchone()[0])
        return results

    with ThreadPoolExecutor(max_workers=4) as pool:
        seen = [role for roles in pool.map(reset_then_read, range(8)) for role in roles]
    assert set(seen) == {"yalls_system"}
