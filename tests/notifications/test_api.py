"""/api/v1/notifications through real requests (the member's RLS context): lists by lane with a
cursor, unread counts, mark read, mark all read per lane, preferences; bad input is
problem+json and writes nothing."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory
from tests.notifications import core_helpers
from tests.notifications.core_helpers import prefs
from yalls.notifications.models import Notification, Preference
from yalls.notifications.services import notify

bell = core_helpers.bell  # a shared fixture
pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return MemberFactory(handle="alice", password=None, timezone_name="America/Denver")


@pytest.fixture
def bob(db):
    return MemberFactory(handle="bob", password=None)


@pytest.fixture
def api(alice):
    client = Client(HTTP_ACCEPT="application/json")
    client.force_login(alice)
    return client


def call(client, method, path, body=None):
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(
        f"/api/v1/notifications{path}", data=data, content_type="application/json"
    )


def seed(alice, bob):
    """Shown: 3 social, 2 system, 1 priority; plus one held by a mute (never listed)."""
    prefs(alice, quiet_enabled=False)
    now = timezone.now() - timedelta(minutes=10)
    for i in range(3):
        notify(
            recipient=alice,
            kind="social.follow",
            title=f"follow {i}",
            actor=MemberFactory(password=None),
            now=now + timedelta(seconds=i),
        )
    for i in range(2):
        notify(
            recipient=alice,
            kind="system.alert",
            title=f"alert {i}",
            now=now + timedelta(seconds=10 + i),
        )
    notify(
        recipient=alice,
        kind="social.mention",
        title="mention",
        actor=bob,
        now=now + timedelta(seconds=20),
    )
    Preference.objects.filter(member_id=alice.pk).update(categories_off=["orders"])
    notify(recipient=alice, kind="orders.paid", title="held", now=now)


def test_unauthenticated_is_401(client):
    response = client.get("/api/v1/notifications/unread-counts", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_counts_and_lists_by_lane_with_a_cursor(api, alice, bob):
    seed(alice, bob)
    counts = call(api, "get", "/unread-counts").json()
    assert counts == {"priority": 1, "social": 3, "system": 2, "total": 6}

    page = call(api, "get", "?lane=social&limit=2").json()
    assert [i["title"] for i in page["items"]] == ["follow 2", "follow 1"] and page["next_cursor"]
    rest = api.get(
        "/api/v1/notifications", {"lane": "social", "limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [i["title"] for i in rest["items"]] == ["follow 0"] and rest["next_cursor"] is None
    everything = call(api, "get", "").json()["items"]
    assert len(everything) == 6 and "held" not in {i["title"] for i in everything}
    assert everything[0]["actor_handle"] == "bob" and everything[0]["lane"] == "priority"


def test_mark_read_only_touches_own_rows(api, alice, bob, bell, django_capture_on_commit_callbacks):
    seed(alice, bob)
    theirs = notify(recipient=bob, kind="system.alert", title="bob's")
    mine = list(
        Notification.objects.filter(recipient=alice, held_reason="").values_list("id", flat=True)[
            :2
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = call(api, "post", "/read", {"ids": [str(i) for i in mine] + [str(theirs.pk)]})
    assert response.status_code == 200
    assert response.json()["marked"] == 2 and response.json()["unread"]["total"] == 4
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert bell == [str(alice.pk)]


def test_mark_all_read_per_lane(api, alice, bob):
    seed(alice, bob)
    response = call(api, "post", "/read-all", {"lane": "social"})
    assert response.json()["marked"] == 3
    assert response.json()["unread"] == {"priority": 1, "social": 0, "system": 2, "total": 3}
    assert call(api, "post", "/read-all", {}).json()["unread"]["total"] == 0
    # The held item stays unread: it was never shown.
    assert Notification.objects.get(recipient=alice, held_reason="opted_out").read_at is None


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/read", {"ids": []}, 422, "request.validation_failed"),
        ("/read", {"ids": ["nope"]}, 422, "request.validation_failed"),  # documented as UUIDs
        ("/read", {"ids": [str(uuid.uuid4())] * 501}, 422, "request.validation_failed"),
        ("/read", {"ids": [str(uuid.uuid4())], "extra": 1}, 422, "request.validation_failed"),
        ("/read-all", {"lane": "spam"}, 422, "request.validation_failed"),
    ],
)
def test_bad_mark_read_input(api, alice, bob, path, body, status, code):
    seed(alice, bob)
    response = call(api, "post", path, body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response["Content-Type"] == "application/problem+json"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_bad_list_input(api):
    assert call(api, "get", "?lane=spam").status_code == 422
    assert call(api, "get", "?limit=1000").status_code == 422
    response = call(api, "get", "?cursor=garbage")
    assert response.status_code == 400 and response.json()["code"] == "pagination.bad_cursor"


def test_preferences_defaults_then_update(api, alice):
    body = call(api, "get", "/preferences").json()
    assert body == {
        "quiet_enabled": True, "quiet_start": "22:00", "quiet_end": "08:00",
        "daily_cap": 10, "in_app": True, "email": False, "categories_off": [],
        "email_categories_off": [], "digest_hour": 9, "digest_frequency": "daily",
        "timezone": "America/Denver",
    }  # fmt: skip
    assert not Preference.objects.exists()  # reading does not write
    response = call(api, "patch", "/preferences", {
        "quiet_start": "23:30", "daily_cap": 25, "email": True,
        "categories_off": ["social", "ai"], "digest_frequency": "weekly",
    })  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["quiet_start"], body["daily_cap"], body["categories_off"]) == (
        "23:30",
        25,
        ["social", "ai"],
    )
    saved = Preference.objects.get(member_id=alice.pk)
    assert (saved.email, saved.digest_frequency, saved.quiet_end.hour) == (True, "weekly", 8)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"daily_cap": 101}, 422, "daily_cap"),
        ({"daily_cap": -1}, 422, "daily_cap"),
        ({"digest_hour": 24}, 422, "digest_hour"),
        ({"quiet_start": "25:00"}, 422, "quiet_start"),  # the documented HH:MM pattern
        ({"quiet_start": "7pm"}, 422, "quiet_start"),
        ({"quiet_start": "08:00"}, 400, "quiet_end"),  # same as the end: an empty window
        ({"categories_off": ["spam"]}, 422, "categories_off.0"),
        ({"digest_frequency": "hourly"}, 422, "digest_frequency"),
        ({"push": True}, 422, "push"),
        ({"email": None}, 400, "email"),
    ],
)
def test_bad_preferences_are_field_errors_and_write_nothing(api, alice, body, status, field):
    response = call(api, "patch", "/preferences", {"daily_cap": 5, **body})
    assert response.status_code == status, response.json()
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert field in {e["field"] for e in problem.get("errors", [])}
    assert not Preference.objects.exists()  # daily_cap=5 was not written either


def test_query_counts_do_not_grow_with_the_page(api, alice, bob, django_assert_max_num_queries):
    seed(alice, bob)
    for path in ("?limit=20", "/unread-counts"):
        with django_assert_max_num_queries(20) as few:  # ~14 are the session and RLS context
            assert call(api, "get", path).status_code == 200
        for i in range(30):
            notify(
                recipient=alice,
                kind="system.alert",
                title=f"more {i}",
                actor=MemberFactory(password=None),
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert call(api, "get", path).status_code == 200


def test_the_release_job_function(alice, bell, django_capture_on_commit_callbacks):
    from yalls.notifications.tasks import notifications_quiet_release

    row = notify(recipient=alice, kind="system.alert", title="x")
    Notification.objects.filter(pk=row.pk).update(
        held_reason="quiet_hours", visible_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_quiet_release(int(timezone.now().timestamp())) == 1
    assert bell[-1] == str(alice.pk)
