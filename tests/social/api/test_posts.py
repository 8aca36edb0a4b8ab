"""/api/v1/posts and /api/v1/entities/{handle}/approvals: the API a member's app would use,
including bad input (problem+json, nothing written) and the permission codes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import PASSWORD, EntityFactory, MemberFactory
from tests.social.services.test_posts import make_edge, png, row_counts
from yalls.social.models import Post, PostTarget

pytestmark = pytest.mark.django_db

BASE = "/api/v1/posts"


@pytest.fixture(autouse=True)
def _setup(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def send(client, method, path, body=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(path, data=data, content_type="application/json", **headers)


def token_for(client, member) -> str:
    response = send(
        client, "post", "/api/v1/auth/token", {"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT="application/json")


@pytest.fixture
def maya(client):
    member = MemberFactory(
        handle="maya_rides", display_name="Maya Lopez", timezone_name="America/Denver"
    )
    foal = EntityFactory(
        actor=member, handle="little_thunder", display_name="Little Thunder", kind="horse"
    )
    sire = EntityFactory(
        actor=member, handle="thunder_road", display_name="Thunder Road", kind="horse"
    )
    make_edge(foal, sire, "offspring_of", propagate=True, parent_role="sire")
    return member, token_for(client, member)


def test_create_get_list_as_entity_with_propagation(client, maya):
    _member, token = maya
    response = send(
        client,
        "post",
        BASE,
        {"body": "Hello @maya_rides #Spring", "as_entity": "little_thunder"},
        token,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["as_entity"]["handle"] == "little_thunder"
    assert body["tags"] == ["spring"] and body["mentions"] == ["maya_rides"]
    assert '<a class="mention" href="/@maya_rides">@maya_rides</a>' in body["body_html"]
    assert {(t["entity"], t["reason"]) for t in body["targets"]} == {
        ("little_thunder", "author_entity"), ("thunder_road", "auto_propagated:offspring_of"),
    }  # fmt: skip
    anonymous = Client(HTTP_ACCEPT="application/json")
    got = anonymous.get(f"{BASE}/{body['id']}")
    assert got.status_code == 200 and got.json()["body"] == "Hello @maya_rides #Spring"
    listing = anonymous.get(BASE, {"entity": "thunder_road"}).json()
    assert [p["id"] for p in listing["items"]] == [body["id"]]
    listing = anonymous.get(BASE, {"member": "maya_rides"}).json()
    assert [p["id"] for p in listing["items"]] == [body["id"]]


def test_list_pagination_cursor(client, maya):
    _member, token = maya
    ids = [send(client, "post", BASE, {"body": f"post {i}"}, token).json()["id"] for i in range(5)]
    first = client.get(BASE, {"member": "maya_rides", "limit": 2}).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2] and first["next_cursor"]
    second = client.get(
        BASE, {"member": "maya_rides", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [p["id"] for p in second["items"]] == ids[::-1][2:4]
    assert_problem(
        client.get(BASE, {"member": "maya_rides", "cursor": "!!"}), 400, "pagination.bad_cursor"
    )
    assert_problem(client.get(BASE), 400, "request.bad")


def test_bad_input_is_problem_json_and_writes_nothing(client, maya):
    _member, token = maya
    before = row_counts()
    assert_problem(
        send(client, "post", BASE, {"body": "x" * 6000}, token), 400, "post.body_too_long"
    )
    assert_problem(
        send(client, "post", BASE, {"body": "hi", "targets": ["ghost_entity"]}, token),
        400,
        "target.unknown",
    )
    assert_problem(
        send(client, "post", BASE, {"body": "hi", "visibility": "everyone"}, token),
        422,
        "request.validation_failed",
    )
    assert_problem(
        send(client, "post", BASE, {"body": "hi", "colour": "red"}, token),
        422,
        "request.validation_failed",
    )
    assert_problem(
        send(client, "post", BASE, {"body": "hi", "publish_at": "2001-01-01T10:00"}, token),
        400,
        "post.publish_at_invalid",
    )
    response = client.post(
        BASE,
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_problem(response, 400, "request.malformed_json")
    assert_problem(send(client, "post", BASE, {"body": "hi"}), 401, "auth.required")
    assert row_counts() == before


def test_media_on_draft_limits_and_types(client, maya):
    _member, token = maya
    draft = send(client, "put", f"{BASE}/drafts", {"body": "with photos"}, token).json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.post(
        f"{BASE}/{draft['id']}/media",
        {"images": [png("a.png"), png("b.png")], "alt_texts": ["A", "B"]},
        **headers,
    )
    assert response.status_code == 200, response.content
    assert [m["alt_text"] for m in response.json()["media"]] == ["A", "B"]
    before = row_counts()
    eleven = [png(f"{i}.png", (8, 8)) for i in range(9)]  # 2 already + 9 = 11
    assert_problem(
        client.post(f"{BASE}/{draft['id']}/media", {"images": eleven}, **headers),
        400,
        "post.too_many_images",
    )
    text = SimpleUploadedFile("notes.jpg", b"plain text pretending", content_type="image/jpeg")
    assert_problem(
        client.post(f"{BASE}/{draft['id']}/media", {"images": [text]}, **headers),
        400,
        "image.invalid",
    )
    assert row_counts() == before
    published = send(client, "post", f"{BASE}/{draft['id']}/publish", {}, token)
    assert published.status_code == 200, published.content
    assert published.json()["state"] == "published" and len(published.json()["media"]) == 2
    assert_problem(
        send(client, "post", f"{BASE}/{draft['id']}/publish", {}, token), 409, "post.not_draft"
    )


def test_drafts_upsert(client, maya):
    _member, token = maya
    first = send(client, "put", f"{BASE}/drafts", {"body": "a"}, token).json()
    second = send(client, "put", f"{BASE}/drafts", {"id": first["id"], "body": "ab"}, token).json()
    assert first["id"] == second["id"] and second["body"] == "ab"
    assert [d["id"] for d in send(client, "get", f"{BASE}/drafts", None, token).json()] == [
        first["id"]
    ]
    # Someone else's draft is invisible.
    assert client.get(f"{BASE}/{first['id']}").status_code == 404


def test_schedule_in_my_timezone(client, maya):
    _member, token = maya
    from datetime import timedelta

    from django.utils import timezone

    too_far = (timezone.now() + timedelta(days=370)).date().isoformat()
    response = send(client, "post", BASE, {"body": "soon", "publish_at": f"{too_far}T09:00"}, token)
    assert_problem(response, 400, "post.publish_at_invalid")  # more than a year ahead

    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = send(client, "post", BASE, {"body": "soon", "publish_at": f"{day}T09:00"}, token)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "scheduled"
    assert body["publish_at"].startswith(f"{day}T16:00") or body["publish_at"].startswith(
        f"{day}T15:00"
    )  # MST/MDT
    assert [p["id"] for p in send(client, "get", f"{BASE}/scheduled", None, token).json()] == [
        body["id"]
    ]


def test_edit_delete_permissions(client, maya):
    _member, token = maya
    post = send(client, "post", BASE, {"body": "v1"}, token).json()
    other = MemberFactory()
    other_token = token_for(client, other)
    assert_problem(
        send(client, "patch", f"{BASE}/{post['id']}", {"body": "mine now"}, other_token),
        404,
        "post.not_found",
    )
    assert_problem(
        send(client, "delete", f"{BASE}/{post['id']}", None, other_token), 403, "post.not_author"
    )
    edited = send(client, "patch", f"{BASE}/{post['id']}", {"body": "v2"}, token)
    assert edited.status_code == 200 and edited.json()["edited_at"]
    assert [
        r["body"] for r in send(client, "get", f"{BASE}/{post['id']}/revisions", None, token).json()
    ] == ["v1"]
    assert send(client, "delete", f"{BASE}/{post['id']}", None, token).status_code == 204
    assert_problem(client.get(f"{BASE}/{post['id']}"), 404, "post.not_found")
    assert Post.objects.filter(pk=post["id"], deleted_at__isnull=False).exists()


def test_post_as_entity_not_managed_is_refused(client, maya):
    stranger = MemberFactory()
    token = token_for(client, stranger)
    before = row_counts()
    body = assert_problem(
        send(client, "post", BASE, {"body": "hi", "as_entity": "little_thunder"}, token),
        403,
        "post.not_allowed_as_entity",
    )
    assert body["errors"][0]["field"] == "as_entity"
    assert row_counts() == before


def test_repost_twice_returns_existing_and_attribution(client, maya):
    _member, token = maya
    original = send(
        client, "post", BASE, {"body": "Open day", "as_entity": "little_thunder"}, token
    ).json()
    liam = MemberFactory(handle="liam_tack", display_name="Liam Chen")
    liam_token = token_for(client, liam)
    first = send(
        client, "post", f"{BASE}/{original['id']}/repost", {"caption": "Go see him"}, liam_token
    )
    assert first.status_code == 201, first.content
    again = send(client, "post", f"{BASE}/{original['id']}/repost", {}, liam_token)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert [a["handle"] for a in first.json()["attribution"]] == ["liam_tack", "little_thunder"]
    assert client.get(f"{BASE}/{original['id']}").json()["repost_count"] == 1
    assert_problem(
        send(client, "post", f"{BASE}/00000000-0000-0000-0000-000000000000/repost", {}, liam_token),
        404,
        "post.not_found",
    )


def test_approvals_queue_approve_reject_and_permissions(client, maya):
    _member, token = maya
    owner = MemberFactory()
    brand = EntityFactory(actor=owner, handle="big_brand", kind="brand")
    post = send(
        client, "post", BASE, {"body": "Love this brand", "targets": ["big_brand"]}, token
    ).json()
    assert [t["status"] for t in post["targets"]] == ["pending"]
    owner_token = token_for(client, owner)
    queue = send(client, "get", "/api/v1/entities/big_brand/approvals", None, owner_token).json()
    assert [item["post"]["id"] for item in queue["items"]] == [post["id"]]
    target_id = queue["items"][0]["id"]
    assert_problem(
        send(client, "get", "/api/v1/entities/big_brand/approvals", None, token),
        403,
        "target.not_manager",
    )
    assert_problem(
        send(
            client, "post", f"/api/v1/entities/big_brand/approvals/{target_id}/approve", None, token
        ),
        403,
        "target.not_manager",
    )
    assert PostTarget.objects.get(pk=target_id).status == "pending"
    approved = send(
        client,
        "post",
        f"/api/v1/entities/big_brand/approvals/{target_id}/approve",
        None,
        owner_token,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert_problem(
        send(
            client,
            "post",
            f"/api/v1/entities/big_brand/approvals/{target_id}/reject",
            None,
            owner_token,
        ),
        409,
        "target.already_decided",
    )
    assert [p["id"] for p in client.get(BASE, {"entity": "big_brand"}).json()["items"]] == [
        post["id"]
    ]
    assert brand


def test_composer_and_preview(client, maya):
    _member, token = maya
    composer = send(client, "get", f"{BASE}/composer", None, token).json()
    assert [e["handle"] for e in composer["mine"]] == ["little_thunder", "thunder_road"]
    preview = send(
        client,
        "post",
        f"{BASE}/preview",
        {"body": "<b>hi</b> #x", "as_entity": "little_thunder"},
        token,
    ).json()
    assert "&lt;b&gt;" in preview["body_html"] and 'href="/search?q=%23x"' in preview["body_html"]
    assert [p["entity"] for p in preview["propagates_to"]] == ["thunder_road"]


def test_crosspost_flag_off_refuses_target_lists(client, maya, monkeypatch):

    _member, token = maya
    EntityFactory(handle="other_place")
    from yalls.social.services import targets as target_services

    monkeypatch.setattr(target_services, "crosspost_enabled", lambda m: False)
    assert_problem(
        send(client, "post", BASE, {"body": "hi", "targets": ["other_place"]}, token),
        400,
        "post.crosspost_disabled",
    )
    assert send(client, "get", f"{BASE}/composer", None, token).json()["crosspost_enabled"] is False


def test_approval_by_a_third_party_still_respects_the_authors_blocks(client, maya):
    """The approver runs under RLS and can't read a block between two other members; propagation
    must still see it."""
    from yalls.social.models import Block

    member, token = maya
    owner, sub_owner = MemberFactory(), MemberFactory()
    brand = EntityFactory(actor=owner, handle="block_brand", kind="brand")
    sub = EntityFactory(actor=sub_owner, handle="block_sub", kind="brand")
    open_sub = EntityFactory(actor=owner, handle="open_sub", kind="brand")
    make_edge(brand, sub, "brand_of", propagate=True)
    make_edge(brand, open_sub, "partners", propagate=True)
    Block.objects.create(blocker=sub_owner, blocked=member)
    post = send(client, "post", BASE, {"body": "hi", "targets": ["block_brand"]}, token).json()
    target_id = post["targets"][0]["id"]
    owner_token = token_for(client, owner)
    response = send(
        client,
        "post",
        f"/api/v1/entities/block_brand/approvals/{target_id}/approve",
        None,
        owner_token,
    )
    assert response.status_code == 200, response.content
    reached = set(
        PostTarget.objects.filter(post_id=post["id"]).values_list("entity__handle", flat=True)
    )
    assert reached == {"block_brand", "open_sub"}
    assert sub


def test_list_query_count_does_not_grow_with_posts(client, maya):
    from yalls.social.services import posts as services

    member, token = maya
    other = MemberFactory()

    def seed(n):
        for i in range(n):
            original = services.post_create(
                author=other, body=f"original {i} @maya_rides #tag", images=[png(size=(20, 20))]
            )
            services.repost_create(actor=member, post=original, caption="nice #x")
            services.post_create(author=member, body=f"mine {i} #t", as_entity="little_thunder")

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = send(client, "get", f"{BASE}?member=maya_rides&kind=reposts", None, token)
            assert response.status_code == 200
            response = send(client, "get", f"{BASE}?member=maya_rides", None, token)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    seed(2)
    few = count_queries()
    seed(6)
    assert count_queries() == few


def test_openapi_lists_the_posts_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/posts/{post_id}/media" in paths
    assert "/api/v1/entities/{handle}/approvals/{target_id}/approve" in paths
