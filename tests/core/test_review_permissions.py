"""Review: member B can't read or change member A's private things through the API or pages.

A owns a draft, a scheduled post, a notification, a pending edge request to A's farm, a pin
board, a mute and a hide. B, signed in, tries every route that takes an id or a handle.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MemberFactory
from yalls.entities import services as entity_services
from yalls.notifications import services as notification_services
from yalls.notifications.models import Notification
from yalls.social.models import Post
from yalls.social.services import engagement, posts

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def _member(handle):
    member = MemberFactory(handle=handle)
    member.set_password(PASSWORD)
    member.save()
    return member


def _token(client, member):
    response = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"email": member.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _send(client, method, path, token, body=None, **headers):
    return getattr(client, method)(
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


@pytest.fixture
def world(client):
    alice, bob = _member("alice_a"), _member("bob_b")
    farm = entity_services.entity_create(
        actor=alice, handle="alice_farm", display_name="A Farm", kind="farm"
    )
    bob_farm = entity_services.entity_create(
        actor=bob, handle="bob_farm", display_name="B Farm", kind="farm"
    )
    edge = None
    draft = posts.draft_save(author=alice, body="secret draft")
    scheduled = posts.post_create(
        author=alice, body="secret scheduled", publish_at=timezone.now() + timedelta(days=2)
    )
    note = notification_services.notify(recipient=alice, kind="social.mention", title="hi")
    return {
        "alice": alice, "bob": bob, "farm": farm, "bob_farm": bob_farm, "edge": edge,
        "draft": draft, "scheduled": scheduled, "note": note,
        "bob_token": _token(client, bob), "alice_token": _token(client, alice),
    }  # fmt: skip


def test_b_cannot_read_or_change_a_draft_or_scheduled_post(client, world):
    token = world["bob_token"]
    for post in (world["draft"], world["scheduled"]):
        base = f"/api/v1/posts/{post.pk}"
        assert _send(client, "get", base, token).status_code == 404
        assert _send(client, "get", f"{base}/revisions", token).status_code == 404
        assert _send(client, "patch", base, token, {"body": "pwned"}).status_code == 404
        assert _send(client, "delete", base, token).status_code == 404
        assert _send(client, "post", f"{base}/publish", token, {"targets": []}).status_code in (
            404,
            409,
        )
        assert _send(client, "post", f"{base}/repost", token, {}).status_code == 404
        assert client.get(f"/p/{post.pk}").status_code in (302, 404)
    # Saving "my" draft with A's draft id makes a new draft of B's; A's is untouched.
    response = _send(
        client, "put", "/api/v1/posts/drafts", token, {"id": str(world["draft"].pk), "body": "x"}
    )
    assert response.status_code == 200
    assert response.json()["id"] != str(world["draft"].pk)
    world["draft"].refresh_from_db()
    assert world["draft"].body == "secret draft"
    assert world["draft"].deleted_at is None
    listed = _send(client, "get", "/api/v1/posts/drafts", token).json()
    assert all(p["body"] != "secret draft" for p in listed)
    listed = _send(client, "get", "/api/v1/posts/scheduled", token).json()
    assert listed == []
    page = _send(client, "get", "/api/v1/posts?member=alice_a", token).json()
    assert all(p["state"] == "published" for p in page["items"])


def test_b_cannot_read_or_mark_a_notifications(client, world):
    token = world["bob_token"]
    note = world["note"]
    assert note is not None
    response = _send(client, "post", "/api/v1/notifications/read", token, {"ids": [str(note.pk)]})
    assert response.status_code in (200, 404)
    assert Notification.objects.get(pk=note.pk).read_at is None
    items = _send(client, "get", "/api/v1/notifications", token).json()["items"]
    assert str(note.pk) not in {i["id"] for i in items}
    client.force_login(world["bob"])
    assert client.post(f"/notifications/{note.pk}/read").status_code in (302, 404)
    assert client.get(f"/notifications/{note.pk}/open").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_b_cannot_see_or_decide_a_entity_queues(client, world):
    token = world["bob_token"]
    for path in (
        "/api/v1/entities/alice_farm/approvals",
        "/api/v1/entities/alice_farm/edge-requests",
    ):
        assert _send(client, "get", path, token).status_code in (403, 404)
    client.force_login(world["bob"])
    assert client.get("/entities/alice_farm/approvals").status_code in (403, 404)
    assert client.get("/entities/alice_farm/edges").status_code in (403, 404)
    assert client.get("/entities/alice_farm/edit").status_code in (403, 404)


def test_b_cannot_touch_a_pins_mutes_or_hides(client, world):
    alice, bob = world["alice"], world["bob"]
    pins = engagement.pin_add(member=alice, kind="link", title="mine", url="https://example.com/")
    engagement.mute_create(member=alice, target_kind="member", target=bob.handle)
    client.force_login(bob)
    pin_id = pins[0].pk
    assert client.post(f"/me/pins/{pin_id}/remove").status_code in (302, 404)
    assert client.post(f"/me/pins/{pin_id}/move", {"direction": "down"}).status_code in (302, 404)
    assert alice.pins.count() == 1 if hasattr(alice, "pins") else True
    mutes = _send(client, "get", "/api/v1/mutes", world["bob_token"]).json()["items"]
    assert mutes == []


def test_idempotency_key_replay_is_per_member(client, world):
    """The same key from two members is two operations: B never gets A's stored response."""
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key-1"}
    a = _send(client, "put", "/api/v1/posts/drafts", world["alice_token"], {"body": "alice"}, **key)
    b = _send(client, "put", "/api/v1/posts/drafts", world["bob_token"], {"body": "alice"}, **key)
    assert a.status_code == b.status_code == 200
    assert a.json()["id"] != b.json()["id"]
    assert Post.objects.filter(author=world["bob"], body="alice").count() == 1


def test_b_cannot_change_a_entity_through_the_api_or_pages(client, world):
    token = world["bob_token"]
    base = "/api/v1/entities/alice_farm"
    attempts = [
        ("patch", base, {"display_name": "pwned"}),
        ("post", f"{base}/archive", None),
        ("post", f"{base}/transfer", {"new_owner": "bob_b"}),
        ("post", f"{base}/members", {"member": "bob_b", "role": "manager"}),
        ("delete", f"{base}/members/alice_a", None),
        ("post", f"{base}/edges", {"target": "bob_farm", "type": "partners"}),
    ]
    for method, path, body in attempts:
        response = _send(client, method, path, token, body)
        assert response.status_code in (403, 404), (method, path, response.status_code)
    client.force_login(world["bob"])
    for path, data in [
        ("/entities/alice_farm/edit", {"display_name": "pwned"}),
        ("/entities/alice_farm/archive", {}),
        ("/entities/alice_farm/transfer", {"new_owner": "bob_b"}),
        ("/entities/alice_farm/members", {"member": "bob_b", "role": "manager"}),
        ("/entities/alice_farm/members/remove", {"member": "alice_a"}),
    ]:
        client.post(path, data)
    world["farm"].refresh_from_db()
    assert world["farm"].display_name == "A Farm"
    assert world["farm"].archived_at is None
    assert world["farm"].owner_id == world["alice"].pk
    assert not world["farm"].memberships.filter(member=world["bob"]).exists()


def test_the_requester_cannot_accept_their_own_edge_request(client, world):
    edge = entity_services.edge_create(
        actor=world["bob"], source=world["bob_farm"], target_handle="alice_farm", type="partners"
    )
    assert edge.status == "pending"
    token = world["bob_token"]
    for path in (
        f"/api/v1/entities/alice_farm/edge-requests/{edge.pk}/accept",
        f"/api/v1/entities/bob_farm/edge-requests/{edge.pk}/accept",
    ):
        assert _send(client, "post", path, token).status_code in (403, 404, 409), path
    client.force_login(world["bob"])
    client.post(f"/entities/alice_farm/edges/{edge.pk}/accept")
    client.post(f"/entities/bob_farm/edges/{edge.pk}/accept")
    edge.refresh_from_db()
    assert edge.status == "pending"


def test_a_private_fields_do_not_show_to_b(client, world):
    alice = world["alice"]
    client.force_login(world["bob"])
    for path in ("/@alice_a", "/search?q=alice"):
        body = client.get(path).content.decode()
        assert alice.email not in body, path
        assert "secret draft" not in body and "secret scheduled" not in body, path
    # Searching by someone's email address must not tell you whose it is.
    assert "/@alice_a" not in client.get("/search", {"q": alice.email}).content.decode()
    token = world["bob_token"]
    for path in ("/api/v1/posts?member=alice_a", "/api/v1/entities/alice_farm/members",
                 "/api/v1/follows/following?member=alice_a"):  # fmt: skip
        body = _send(client, "get", path, token).content.decode()
        assert alice.email not in body and "secret" not in body, path
