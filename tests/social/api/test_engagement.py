"""/api/v1 favorites, pins, follows, blocks, mutes, hides — through real requests (so under the
member's RLS context), problem+json on bad input, nothing written on refusal."""

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import EntityFactory, MemberFactory
from yalls.social.models import Block, Favorite, Follow, Hide, Mute, Pin, Post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_post(author, **kwargs) -> Post:
    return Post.objects.create(
        author=author,
        body=kwargs.pop("body", "Hello paddock"),
        state=Post.State.PUBLISHED,
        published_at=timezone.now(),
        **kwargs,
    )


@pytest.fixture
def alice():
    return MemberFactory(handle="alice")


@pytest.fixture
def bob():
    return MemberFactory(handle="bob")


@pytest.fixture
def api(alice):
    client = Client(HTTP_ACCEPT="application/json")
    client.force_login(alice)
    return client


def call(client, method, path, body=None, raw=None, **headers):
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return getattr(client, method)(
        f"/api/v1{path}", data=data, content_type="application/json", **headers
    )


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


# --- favorites ---------------------------------------------------------------------------------


def rate_limit_profile(method, path, user):
    from django.test import RequestFactory

    from yalls.core.ratelimit.profiles import profile_for

    request = getattr(RequestFactory(), method)(path)
    request.user = user
    return profile_for(request).name


def test_toggle_twice_and_check(api, alice, bob):
    farm = EntityFactory(actor=bob)
    body = {"kind": "entity", "id": str(farm.pk)}
    first = call(api, "post", "/favorites/toggle", body)
    assert first.status_code == 200 and first.json()["favorited"] is True
    assert rate_limit_profile("post", "/api/v1/favorites/toggle", alice) == "high"
    assert rate_limit_profile("post", "/api/v1/favorites/check", alice) == "high"
    assert rate_limit_profile("get", "/api/v1/favorites", alice) == "high"
    assert rate_limit_profile("post", "/favorites/toggle", alice) == "high"  # the web form too
    assert call(api, "post", "/favorites/toggle", body).json()["favorited"] is False
    assert call(api, "post", "/favorites/toggle", {**body, "favorited": True}).json()["favorited"]
    check = call(api, "post", "/favorites/check", {"kind": "entity", "ids": [str(farm.pk), "nope"]})
    assert check.json() == {str(farm.pk): True, "nope": False}


def test_check_101_ids_is_422(api):
    response = call(
        api,
        "post",
        "/favorites/check",
        {"kind": "post", "ids": [str(uuid.uuid4()) for _ in range(101)]},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body,status",
    [
        ({"kind": "entity", "id": str(uuid.uuid4())}, 404),
        ({"kind": "planet", "id": str(uuid.uuid4())}, 422),
        ({"kind": "entity", "id": "not-a-uuid"}, 422),
        ({"kind": "entity"}, 422),
        ({"kind": "entity", "id": str(uuid.uuid4()), "extra": 1}, 422),
    ],
)
def test_bad_favorite_input_is_4xx_and_writes_nothing(api, body, status):
    response = call(api, "post", "/favorites/toggle", body)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert not Favorite.objects.exists()


def test_malformed_json_is_400(api):
    response = call(api, "post", "/favorites/toggle", raw="{not json")
    problem(response, 400, "request.malformed_json")


def test_anonymous_is_401(bob):
    response = call(Client(), "post", "/favorites/toggle", {"kind": "entity", "id": str(bob.pk)})
    problem(response, 401, "auth.required")


def test_favorites_list_pages_with_cursor(api, alice, bob):
    posts = [make_post(bob, body=f"p{i}") for i in range(5)]
    for post in posts:
        call(api, "post", "/favorites/toggle", {"kind": "post", "id": str(post.pk)})
    page = call(api, "get", "/favorites?kind=post&limit=2").json()
    assert [i["title"] for i in page["items"]] == ["p4", "p3"]
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = call(api, "get", f"/favorites?kind=post&limit=2&cursor={page['next_cursor']}").json()
        seen += [i["id"] for i in page["items"]]
    assert seen == [str(p.pk) for p in reversed(posts)]
    other = call(api, "get", "/favorites?kind=post&member=bob").json()
    assert other["items"] == []
    problem(call(api, "get", "/favorites?kind=post&cursor=%%%"), 400, "pagination.bad_cursor")


def test_idempotency_key_replays_the_first_answer(api, bob):
    farm = EntityFactory(actor=bob)
    body = {"kind": "entity", "id": str(farm.pk)}
    first = call(api, "post", "/favorites/toggle", body, HTTP_IDEMPOTENCY_KEY="fav-1")
    second = call(api, "post", "/favorites/toggle", body, HTTP_IDEMPOTENCY_KEY="fav-1")
    assert (
        first.json() == second.json() == {"kind": "entity", "id": str(farm.pk), "favorited": True}
    )
    assert Favorite.objects.count() == 1


# --- pins --------------------------------------------------------------------------------------


def test_put_pins_twice_same_board_then_get(api, alice):
    post = make_post(alice, body="My best round")
    body = {
        "pins": [
            {"kind": "post", "position": 1, "ref_id": str(post.pk)},
            {"kind": "link", "position": 2, "title": "Shop", "url": "https://shop.example"},
        ]
    }
    first = call(api, "put", "/me/pins", body)
    assert first.status_code == 200, first.content
    second = call(api, "put", "/me/pins", body)
    assert first.json() == second.json()
    assert Pin.objects.count() == 2
    got = call(api, "get", "/me/pins").json()
    assert [(p["position"], p["title"]) for p in got["pins"]] == [(1, "My best round"), (2, "Shop")]


def test_put_with_one_bad_pin_writes_nothing(api, alice, bob):
    call(api, "put", "/me/pins", {"pins": [{"kind": "achievement", "position": 1, "title": "A"}]})
    bobs = make_post(bob)
    response = call(
        api,
        "put",
        "/me/pins",
        {
            "pins": [
                {"kind": "achievement", "position": 1, "title": "B"},
                {"kind": "post", "position": 2, "ref_id": str(bobs.pk)},
            ]
        },
    )
    body = problem(response, 403, "pin.not_yours")
    assert body["errors"][0]["field"] == "pins.1.ref_id"
    assert list(Pin.objects.values_list("title", flat=True)) == ["A"]


@pytest.mark.parametrize(
    "pins,code",
    [
        (
            # Bounds the OpenAPI document states are the parser's (the service's own codes for
            # them are tested in services/test_engagement.py).
            [{"kind": "achievement", "position": n, "title": f"t{n}"} for n in range(1, 10)],
            "request.validation_failed",
        ),
        ([{"kind": "link", "position": 1, "title": "x", "url": "ftp://x.org"}], "pin.url_invalid"),
        ([{"kind": "achievement", "position": 12, "title": "x"}], "request.validation_failed"),
    ],
)
def test_pin_validation_codes(api, pins, code):
    response = call(api, "put", "/me/pins", {"pins": pins})
    assert response.status_code in (403, 422)
    assert response.json()["code"] == code
    assert not Pin.objects.exists()


# --- follows, blocks, mutes, hides -------------------------------------------------------------


def test_follow_lists_and_unfollow(api, alice, bob):
    farm = EntityFactory(actor=bob)
    created = call(api, "post", "/follows", {"target_kind": "member", "target": "bob"})
    assert created.status_code == 201 and created.json()["follower_count"] == 1
    call(api, "post", "/follows", {"target_kind": "entity", "target": farm.handle})
    followers = call(api, "get", "/follows/followers?target_kind=member&target=bob").json()
    assert [f["handle"] for f in followers["items"]] == ["alice"]
    following = call(api, "get", "/follows/following?limit=1").json()
    assert len(following["items"]) == 1 and following["next_cursor"]
    assert call(api, "delete", "/follows/member/bob").status_code == 204
    assert call(api, "delete", "/follows/member/bob").status_code == 204
    assert Follow.objects.count() == 1
    problem(
        call(api, "post", "/follows", {"target_kind": "member", "target": "alice"}),
        422,
        "relation.self",
    )
    problem(
        call(api, "post", "/follows", {"target_kind": "member", "target": "ghost"}),
        404,
        "relation.target_not_found",
    )


def test_block_both_directions_over_http(api, alice, bob):
    bob_client = Client(HTTP_ACCEPT="application/json")
    bob_client.force_login(bob)
    call(bob_client, "post", "/follows", {"target_kind": "member", "target": "alice"})
    call(api, "post", "/follows", {"target_kind": "member", "target": "bob"})
    response = call(api, "post", "/blocks", {"member": "bob"})
    assert response.status_code == 201 and response.json()["handle"] == "bob"
    assert Follow.objects.count() == 0
    problem(
        call(bob_client, "post", "/follows", {"target_kind": "member", "target": "alice"}),
        403,
        "relation.blocked",
    )
    problem(
        call(api, "post", "/follows", {"target_kind": "member", "target": "bob"}),
        403,
        "relation.blocked",
    )
    bobs_farm = EntityFactory(actor=bob)
    problem(
        call(api, "post", "/favorites/toggle", {"kind": "entity", "id": str(bobs_farm.pk)}),
        403,
        "relation.blocked",
    )
    assert [b["handle"] for b in call(api, "get", "/blocks").json()["items"]] == ["bob"]
    assert call(bob_client, "get", "/blocks").json()["items"] == []  # received blocks aren't listed
    assert call(bob_client, "delete", "/blocks/alice").status_code == 204
    assert Block.objects.count() == 1  # bob can't lift alice's block
    assert call(api, "delete", "/blocks/bob").status_code == 204
    assert Block.objects.count() == 0


def test_mute_is_invisible_to_the_muted(api, alice, bob):
    bob_client = Client(HTTP_ACCEPT="application/json")
    bob_client.force_login(bob)
    assert (
        call(api, "post", "/mutes", {"target_kind": "member", "target": "bob"}).status_code == 201
    )
    assert [m["handle"] for m in call(api, "get", "/mutes").json()["items"]] == ["bob"]
    assert call(bob_client, "get", "/mutes").json()["items"] == []
    # bob can still follow alice and sees nothing different
    assert (
        call(
            bob_client, "post", "/follows", {"target_kind": "member", "target": "alice"}
        ).status_code
        == 201
    )
    bob_view = bob_client.get("/@alice").content.decode()
    assert "Unmute" not in bob_view and "muted you" not in bob_view
    assert call(api, "delete", f"/mutes/member/{bob.pk}").status_code == 204
    assert not Mute.objects.exists()


def test_hides(api, bob):
    post = make_post(bob)
    created = call(api, "post", "/hides", {"kind": "post", "id": str(post.pk)})
    assert created.status_code == 201 and created.json()["title"] == "Hello paddock"
    assert [h["id"] for h in call(api, "get", "/hides").json()["items"]] == [str(post.pk)]
    problem(
        call(api, "post", "/hides", {"kind": "event", "id": str(uuid.uuid4())}),
        404,
        "hide.not_found",
    )
    assert call(api, "delete", f"/hides/post/{post.pk}").status_code == 204
    assert not Hide.objects.exists()
