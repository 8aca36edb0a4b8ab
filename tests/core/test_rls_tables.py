"""Row-level security, table by table, generated from the schema so a new table cannot escape.

One world per module: member B has rows in every table; member A has nothing but a user row.
Under A's member role, for every table: B's private rows are invisible, and no row of B's (of
any kind) can be updated or deleted. The catalogue check fails for any table that is neither
protected (RLS enabled and forced, policies declared in an app's rls.py) nor a reviewed read-only
reference table.
"""

import uuid

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from yalls.core import rls
from yalls.core.db_context import member_context, system_context
from yalls.entities.kinds import entity_kinds_ensure

# Marked so the test database is set up (each test then runs in a savepoint of the world's
# transaction).
pytestmark = pytest.mark.django_db

A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000000a")
B = uuid.UUID("bbbbbbbb-0000-4000-8000-00000000000b")
C = uuid.UUID("cccccccc-0000-4000-8000-00000000000c")
ENTITY = uuid.UUID("eeeeeeee-0000-4000-8000-00000000000e")
ENTITY_2 = uuid.UUID("eeeeeeee-0000-4000-8000-00000000002e")
PUBLISHED, DRAFT, SCHEDULED = (uuid.UUID(f"dddddddd-0000-4000-8000-00000000000{n}") for n in "123")


def _tables_known_at_collection() -> list[str]:
    """Every model's table plus the tables declared outside models (Procrastinate's own)."""
    rls.discover()
    names = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(names | set(rls.PROTECTED) | set(rls.REFERENCE))


TABLES = _tables_known_at_collection()

_USER = (
    "INSERT INTO accounts_user (id, password, email, handle, display_name, bio, avatar, timezone,"
    " locale, role, is_active, token_version, date_joined) VALUES"
    " (%s, '!', %s, %s, %s, '', '', 'UTC', 'en', 'member', true, 0, now())"
)

# B's rows everywhere (and the odd row of nobody's), written as the system.
WORLD = [
    (
        "INSERT INTO core_handle (id, handle, skeleton, kind, owner_id, created_at)"
        " VALUES (gen_random_uuid(), 'rls_b', 'rls_b', 'member', %s, now())",
        [B],
    ),
    (
        "INSERT INTO entities_entity (id, handle, display_name, bio, avatar, metadata, created_at,"
        " updated_at, owner_id, kind_id) VALUES (%s, 'rls_farm', 'Farm', '', '', '{}', now(), now(),"
        " %s, (SELECT slug FROM entities_entitykind ORDER BY position LIMIT 1)),"
        " (%s, 'rls_farm2', 'Farm 2', '', '', '{}', now(), now(), %s,"
        " (SELECT slug FROM entities_entitykind ORDER BY position LIMIT 1))",
        [ENTITY, B, ENTITY_2, C],
    ),
    (
        "INSERT INTO entities_entitymember (role, created_at, entity_id, member_id)"
        " VALUES ('owner', now(), %s, %s)",
        [ENTITY, B],
    ),
    ("INSERT INTO entities_horse VALUES (%s, '', '', '', NULL, '')", [ENTITY]),
    (
        "INSERT INTO entities_entitycontact (entity_id, street, city, region, postal_code, country,"
        " phone, website, map_url, opening_hours, services, cover, updated_at) VALUES"
        " (%s, '', '', '', '', '', '', '', '', '', '{}', '', now())",
        [ENTITY],
    ),
    (
        "INSERT INTO entities_entityphoto (id, entity_id, image, width, height, alt_text,"
        " created_at) VALUES (gen_random_uuid(), %s, 'p.webp', 1, 1, '', now())",
        [ENTITY],
    ),
    (
        "INSERT INTO entities_edge (id, type, parent_role, allow_crosspost, auto_propagate, status,"
        " created_at, source_id, target_id, created_by_id) VALUES"
        " (gen_random_uuid(), 'partners', '', false, false, 'pending', now(), %s, %s, %s),"
        " (gen_random_uuid(), 'sponsors', '', false, false, 'accepted', now(), %s, %s, %s)",
        [ENTITY, ENTITY_2, B, ENTITY, ENTITY_2, B],
    ),
    (
        'INSERT INTO account_emailaddress (email, verified, "primary", user_id)'
        " VALUES ('b@rls.test', true, true, %s)",
        [B],
    ),
    (
        "INSERT INTO account_emailconfirmation (created, sent, key, email_address_id)"
        " SELECT now(), now(), 'rls-key', id FROM account_emailaddress WHERE user_id = %s",
        [B],
    ),
    (
        "INSERT INTO accounts_badge VALUES ('rls-badge', 'RLS', '') ON CONFLICT DO NOTHING",
        [],
    ),
    (
        "INSERT INTO accounts_memberbadge (granted_at, badge_id, member_id)"
        " VALUES (now(), 'rls-badge', %s)",
        [B],
    ),
    (
        "INSERT INTO accounts_linkedaccount (id, provider, url, status, proof_url, last_error,"
        " created_at, member_id) VALUES (gen_random_uuid(), 'website', 'https://b.test', 'pending',"
        " '', '', now(), %s), (gen_random_uuid(), 'github', 'https://github.com/b', 'verified', '',"
        " '', now(), %s)",
        [B, B],
    ),
    ("INSERT INTO accounts_privateprofile VALUES (%s, '+1 555', NULL, '', now())", [B]),
    (
        "INSERT INTO accounts_refreshtoken (id, family_id, token_hash, user_agent, created_at,"
        " expires_at, user_id) VALUES (gen_random_uuid(), gen_random_uuid(), 'h', '', now(), now(),"
        " %s)",
        [B],
    ),
    (
        "INSERT INTO usersessions_usersession (created_at, ip, last_seen_at, session_key,"
        " user_agent, data, user_id) VALUES (now(), '127.0.0.1', now(), 'rls-b', '', '{}', %s)",
        [B],
    ),
    (
        "INSERT INTO mfa_authenticator (type, data, user_id, created_at)"
        " VALUES ('totp', '{}', %s, now())",
        [B],
    ),
    (
        "INSERT INTO audit_auditevent (id, actor_id, actor_label, action, target_type, target_id,"
        " metadata, request_id, ip_hash, created_at) VALUES (gen_random_uuid(), %s, '@b', 'x', '',"
        " '', '{}', '', '', now())",
        [B],
    ),
    (
        "INSERT INTO django_session VALUES ('rls-session-b', 'data', now() + interval '1 day')",
        [],
    ),
    (
        "INSERT INTO django_admin_log (action_time, object_repr, action_flag, change_message,"
        " user_id) VALUES (now(), 'x', 1, '', %s)",
        [B],
    ),
    (
        "INSERT INTO flags_flag (key, description, enabled, kill_switch, rollout_bp, bucketing,"
        " environments, roles, tiers, cohorts, allow_list, deny_list, variants, payload, created_at,"
        " updated_at) VALUES ('rls-flag', '', true, false, 10000, 'member', '{}', '{}', '{}', '{}',"
        " '{}', '{}', '{}', NULL, now(), now()) ON CONFLICT DO NOTHING",
        [],
    ),
    (
        "INSERT INTO flags_experimentexposure (subject_id, variant, created_at, flag_id)"
        " VALUES (%s, 'a', now(), 'rls-flag')",
        [str(B)],
    ),
    (
        "INSERT INTO flags_experimentconversion (subject_id, event, variant, created_at, flag_id)"
        " VALUES (%s, 'e', 'a', now(), 'rls-flag')",
        [str(B)],
    ),
    (
        "INSERT INTO idempotency_idempotencykey (scope, key, route, method, path, fingerprint,"
        " state, response_headers, created_at, locked_at, expires_at, member_id) VALUES ('m', 'k',"
        " 'r', 'POST', '/', 'f', 'done', '{}', now(), now(), now(), %s)",
        [B],
    ),
    (
        "INSERT INTO notifications_notification (id, kind, category, lane, priority, title, body,"
        " link, payload, actor_ids, count, target_type, target_id, group_key, dedupe_key,"
        " held_reason, visible_at, created_at, updated_at, recipient_id, folded_keys) VALUES"
        " (gen_random_uuid(), 'system.alert', 'system', 'priority', 1, 't', '', '', '{}', '[]', 1,"
        " '', '', '', '', '', now(), now(), now(), %s, '[]')",
        [B],
    ),
    (
        "INSERT INTO notifications_preference (member_id, quiet_start, quiet_end, quiet_enabled,"
        " daily_cap, in_app, email, push, categories_off, digest_hour, digest_frequency,"
        " updated_at, email_categories_off) VALUES (%s, '22:00', '07:00', false, 10, true, true,"
        " true, '[]', 8, 'daily', now(), '[]') ON CONFLICT DO NOTHING",
        [B],
    ),
    (
        "INSERT INTO notifications_digestrun (period_key, notification_count, created_at,"
        " member_id) VALUES ('2026-01-01', 0, now(), %s)",
        [B],
    ),
    (
        "INSERT INTO webhooks_webhookendpoint VALUES ('rls-hook', 'generic', '', true, now())"
        " ON CONFLICT DO NOTHING",
        [],
    ),
    (
        "INSERT INTO webhooks_webhooksecret (secret, created_at, endpoint_id) VALUES ('s', now(), 'rls-hook')",
        [],
    ),
    (
        "INSERT INTO webhooks_webhookdelivery (id, webhook_id, event_type, payload, status, error,"
        " received_at, endpoint_id) VALUES (gen_random_uuid(), 'w', '', '{}', 'received', '',"
        " now(), 'rls-hook')",
        [],
    ),
    ("INSERT INTO procrastinate_jobs (queue_name, task_name, args) VALUES ('q', 'rls', '{}')", []),
    (
        "INSERT INTO ops_jobfailure (job_id, attempt, task_name, queue_name, error_type,"
        " error_message, traceback, created_at)"
        " SELECT max(id), 1, 't', 'q', 'E', '', '', now() FROM procrastinate_jobs",
        [],
    ),
    (
        "INSERT INTO procrastinate_periodic_defers (task_name, defer_timestamp) VALUES ('rls', 1)",
        [],
    ),
    ("INSERT INTO procrastinate_workers DEFAULT VALUES", []),
    ("INSERT INTO auth_group (name) VALUES ('rls-group')", []),
    (
        "INSERT INTO auth_group_permissions (group_id, permission_id)"
        " SELECT g.id, (SELECT min(id) FROM auth_permission) FROM auth_group g"
        " WHERE g.name = 'rls-group'",
        [],
    ),
    (
        "INSERT INTO social_post (id, body, visibility, state, created_at, updated_at, author_id,"
        " as_entity_id) VALUES (%s, 'hi', 'public', 'published', now(), now(), %s, NULL),"
        " (%s, 'draft', 'public', 'draft', now(), now(), %s, %s),"
        " (%s, 'later', 'public', 'scheduled', now(), now(), %s, NULL)",
        [PUBLISHED, B, DRAFT, B, ENTITY, SCHEDULED, B],
    ),
]
for _post in (PUBLISHED, DRAFT):
    WORLD += [
        (
            "INSERT INTO social_postrevision (body, created_at, post_id) VALUES ('x', now(), %s)",
            [_post],
        ),
        (
            "INSERT INTO social_postmedia (id, kind, file, thumbnail, width, height, alt_text,"
            " position, post_id) VALUES (gen_random_uuid(), 'image', 'f', 't', 1, 1, '', 1, %s)",
            [_post],
        ),
        (
            "INSERT INTO social_postmention (handle, kind, ref_id, post_id)"
            " VALUES ('rls_c', 'member', %s, %s)",
            [C, _post],
        ),
        ("INSERT INTO social_posttag (tag, post_id) VALUES ('rls', %s)", [_post]),
        (
            "INSERT INTO social_postlinkpreview (post_id, url, status, title, description,"
            " site_name, fetched_at) VALUES (%s, 'https://b.test', 'ok', '', '', '', now())",
            [_post],
        ),
        (
            "INSERT INTO social_posttarget (id, status, reason, depth, created_at, entity_id, post_id)"
            " VALUES (gen_random_uuid(), 'approved', '', 0, now(), %s, %s)",
            [ENTITY_2, _post],
        ),
    ]
WORLD += [
    (
        "INSERT INTO social_favorite (id, kind, ref_id, created_at, member_id)"
        " VALUES (gen_random_uuid(), 'post', %s, now(), %s)",
        [PUBLISHED, B],
    ),
    (
        "INSERT INTO social_pin (id, position, kind, url, title, created_at, member_id)"
        " VALUES (gen_random_uuid(), 1, 'link', 'https://b.test', 'b', now(), %s)",
        [B],
    ),
    (
        "INSERT INTO social_follow (target_kind, target_id, created_at, follower_id)"
        " VALUES ('member', %s, now(), %s)",
        [C, B],
    ),
    (
        "INSERT INTO social_block (created_at, blocked_id, blocker_id) VALUES (now(), %s, %s)",
        [C, B],
    ),
    (
        "INSERT INTO social_mute (target_kind, target_id, created_at, muter_id)"
        " VALUES ('member', %s, now(), %s)",
        [C, B],
    ),
    (
        "INSERT INTO social_hide (kind, ref_id, created_at, member_id)"
        " VALUES ('post', %s, now(), %s)",
        [PUBLISHED, B],
    ),
]

# Rows of B's (or nobody's) that A may see: the public part of each partly public table.
PUBLIC_TO_A = {
    "accounts_user": "true",
    "core_handle": "true",
    "entities_entity": "true",
    "entities_entitymember": "true",
    "entities_horse": "true",
    "entities_entitycontact": "true",
    "entities_entityphoto": "true",
    "entities_edge": "status = 'accepted'",
    "accounts_linkedaccount": "status = 'verified'",
    "accounts_memberbadge": "true",
    "accounts_badge": "true",
    "social_post": "state = 'published'",
    "social_favorite": "true",
    "social_pin": "true",
    "social_follow": "true",
    **{
        child: f"post_id = '{PUBLISHED}'"
        for child in (
            "social_postrevision",
            "social_postmedia",
            "social_postmention",
            "social_posttag",
            "social_posttarget",
            "social_postlinkpreview",
        )
    },
}


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Written once for the module (as the system) in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                entity_kinds_ensure()
                with system_context(), connection.cursor() as cursor:
                    for member, handle in ((A, "rls_a"), (B, "rls_b"), (C, "rls_c")):
                        cursor.execute(_USER, [member, f"{handle}@rls.test", handle, handle])
                    for sql, params in WORLD:
                        cursor.execute(sql, params)
                yield
                raise _Rollback
        except _Rollback:
            pass


def _count(table: str, where: str = "true") -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608 - catalogue names
        return cursor.fetchone()[0]


def _first_column(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name = %s ORDER BY ordinal_position LIMIT 1",
            [table],
        )
        return cursor.fetchone()[0]


def _rows_changed(statement: str) -> int:
    """Run a write as A and undo it; a refusal (permission denied, policy) counts as 0 rows."""
    try:
        with member_context(A), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            changed = cursor.rowcount
            transaction.set_rollback(True)
    except DatabaseError:
        return 0
    return changed


def test_every_table_in_the_catalogue_is_protected_or_reviewed(world):
    with connection.cursor() as cursor:
        assert rls.uncovered_tables(cursor) == []
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        catalogue = {row[0] for row in cursor.fetchall()}
    assert set(TABLES) <= catalogue  # nothing declared for a table that does not exist
    assert catalogue <= set(TABLES), "a table without a model or a declaration: declare it"


@pytest.mark.parametrize("table", TABLES)
def test_member_a_cannot_see_or_touch_member_bs_rows(world, table):
    with system_context():
        total = _count(table)
        public = _count(table, PUBLIC_TO_A.get(table, "false"))
    assert total > 0, f"the world has no row in {table}: the test would prove nothing"
    own = 1 if table == "accounts_user" else 0  # A's only row anywhere
    column = _first_column(table)
    update = f"UPDATE {table} SET {column} = {column}"  # noqa: S608 - catalogue names
    delete = f"DELETE FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608 - catalogue names
    if table in rls.REFERENCE:
        with member_context(A):
            assert _count(table) == total  # readable reference data
        assert _rows_changed(update) == 0
        assert _rows_changed(delete) == 0
        return
    with member_context(A):
        visible = _count(table)
    assert visible == public + (own if table not in PUBLIC_TO_A else 0)
    assert _rows_changed(update) == own
    assert _rows_changed(delete) <= own


def test_drafts_and_scheduled_posts_are_private_to_the_author_and_entity_managers(world):
    with member_context(A):
        assert {str(p) for p in _ids("social_post")} == {str(PUBLISHED)}
    with member_context(B):
        assert {str(p) for p in _ids("social_post")} == {str(PUBLISHED), str(DRAFT), str(SCHEDULED)}
    with system_context(), connection.cursor() as cursor:  # C joins B's farm as a manager
        cursor.execute(
            "INSERT INTO entities_entitymember (role, created_at, entity_id, member_id)"
            " VALUES ('manager', now(), %s, %s)",
            [ENTITY, C],
        )
    try:
        with member_context(C):
            assert str(DRAFT) in {str(p) for p in _ids("social_post")}  # posted as the farm
            assert str(SCHEDULED) not in {str(p) for p in _ids("social_post")}  # B's own
    finally:
        with system_context(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM entities_entitymember WHERE member_id = %s", [C])


def test_a_member_cannot_promote_themself(world):
    with pytest.raises(DatabaseError), member_context(A), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET role = 'admin' WHERE id = %s", [A])
    with system_context():
        assert _count("accounts_user", f"id = '{A}' AND role = 'member'") == 1


def _ids(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 - a constant
        return [row[0] for row in cursor.fetchall()]
