"""Engagement on the web: favorite and follow buttons (with and without htmx), the pin board on
the profile (editor and read-only), the favorites tab, and /settings/privacy."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import EntityFactory, MemberFactory
from yalls.social.models import Block, Favorite, Follow, Mute, Pin, Post
from yalls.social.services import engagement as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice():
    return MemberFactory(handle="alice", display_name="Alice Rider")


@pytest.fixture
def bob():
    return MemberFactory(handle="bob", display_name="Bob Breeder")


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_favorite_button_on_entity_page_without_js(alice, bob):
    farm = EntityFactory(actor=bob, display_name="Oak Farm")
    client = logged_in(alice)
    page = client.get(f"/@{farm.handle}").content.decode()
    assert 'aria-pressed="false"' in page and "Favorite<span" in page
    response = client.post(
        "/favorites/toggle", {"kind": "entity", "id": farm.pk, "next": f"/@{farm.handle}"}
    )
    assert response.status_code == 302 and response["Location"] == f"/@{farm.handle}"
    assert Favorite.objects.filter(member=alice, kind="entity", ref_id=farm.pk).exists()
    page = client.get(f"/@{farm.handle}").content.decode()
    assert (
        f'id="favorite-entity-{farm.pk}" class="btn btn-sm favorite-button btn-primary" aria-pressed="true"'
        in page
    )


def test_horse_pages_favorite_as_horse(alice, bob):
    horse = EntityFactory(actor=bob, kind="horse")
    page = logged_in(alice).get(f"/@{horse.handle}").content.decode()
    assert 'name="kind" value="horse"' in page


def test_favorite_toggle_with_htmx_returns_the_button(alice, bob):
    farm = EntityFactory(actor=bob)
    response = logged_in(alice).post(
        "/favorites/toggle",
        {"kind": "entity", "id": farm.pk, "label": "Oak"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<form class="favorite-form"') and 'aria-pressed="true"' in html
    assert "Added to your favorites" in html


def test_favorite_toggle_refusals(alice, bob):
    client = logged_in(alice)
    assert client.post("/favorites/toggle", {"kind": "entity", "id": "nope"}).status_code == 404
    htmx = client.post(
        "/favorites/toggle", {"kind": "planet", "id": bob.pk}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 200 and 'role="alert"' in htmx.content.decode()
    assert client.get("/favorites/toggle").status_code == 405
    assert Client().post("/favorites/toggle", {"kind": "entity", "id": bob.pk}).status_code == 302
    assert not Favorite.objects.exists()
    # an open redirect in `next` is ignored
    farm = EntityFactory(actor=bob)
    response = client.post(
        "/favorites/toggle", {"kind": "entity", "id": farm.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_follow_controls_follow_and_count(alice, bob):
    client = logged_in(alice)
    page = client.get("/@bob").content.decode()
    assert "0 followers" in page
    response = client.post(
        "/follows/toggle",
        {"target_kind": "member", "target": bob.pk, "action": "follow"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "1 follower<" in html
    # After following, the button says "Following" (and offers to unfollow), not "Follow ✓".
    assert "data-following" in html and "Following</span>" in html and "Unfollow" in html
    assert 'name="action" value="unfollow"' in html
    assert Follow.objects.filter(follower=alice).count() == 1
    client.post(
        "/follows/toggle", {"target_kind": "member", "target": bob.pk, "action": "unfollow"}
    )
    assert not Follow.objects.exists()


def test_block_from_profile_then_profile_shows_nothing_to_interact_with(alice, bob):
    client = logged_in(alice)
    client.post("/blocks/toggle", {"target": bob.pk, "action": "block", "next": "/@bob"})
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()
    mine = client.get("/@bob").content.decode()
    assert "Unblock<span" in mine and "Follow<span" not in mine
    theirs = logged_in(bob).get("/@alice").content.decode()
    assert "Follow<span" not in theirs and "Unblock" not in theirs and "Block<span" not in theirs


def test_mute_from_profile(alice, bob):
    client = logged_in(alice)
    client.post("/mutes/toggle", {"target_kind": "member", "target": bob.pk, "action": "mute"})
    assert Mute.objects.filter(muter=alice).exists()
    assert "Unmute<span" in client.get("/@bob").content.decode()


def test_pin_board_owner_editor_and_visitor_read_only(alice, bob):
    post = Post.objects.create(
        author=alice, body="Clear round!", state="published", published_at=timezone.now()
    )
    client = logged_in(alice)
    empty = client.get("/@alice").content.decode()
    assert "Nothing pinned yet" in empty and "Add a pin" in empty
    client.post("/me/pins/add", {"kind": "post", "post": post.pk, "title": ""})
    client.post("/me/pins/add", {"kind": "link", "title": "Shop", "url": "https://shop.example"})
    bad = client.post(
        "/me/pins/add",
        {"kind": "link", "title": "Bad", "url": "http://x.org", "next": "/@alice"},
        follow=True,
    )
    # The form comes back open, with what was typed and the reason under the link field.
    html = bad.content.decode()
    assert '<details class="details pins-add" open>' in html
    assert 'value="Bad"' in html and 'value="http://x.org"' in html
    assert '<option value="link" selected>' in html
    assert 'id="pin-url-error"' in html and 'aria-invalid="true"' in html
    assert "data-focus-first-error" in html
    assert bad.redirect_chain[-1][0].endswith("#pin-add-form")
    # ...once: the next visit shows a fresh, closed form.
    again = client.get("/@alice").content.decode()
    assert 'pins-add" open' not in again and 'value="http://x.org"' not in again
    assert [p.title for p in Pin.objects.filter(member=alice)] == ["Clear round!", "Shop"]
    owner = client.get("/@alice").content.decode()
    assert "data-pins-board" in owner and "pins.js" in owner and "Move down" in owner
    visitor = logged_in(bob).get("/@alice").content.decode()
    assert "Clear round!" in visitor and "data-pins-board" not in visitor
    assert "Move down" not in visitor and "pins.js" not in visitor
    shop = Pin.objects.get(title="Shop")
    client.post(f"/me/pins/{shop.pk}/move", {"direction": "up"})
    assert [p.title for p in Pin.objects.filter(member=alice)] == ["Shop", "Clear round!"]
    client.post(f"/me/pins/{shop.pk}/remove")
    assert [p.title for p in Pin.objects.filter(member=alice)] == ["Clear round!"]
    assert logged_in(bob).post(f"/me/pins/{shop.pk}/remove").status_code == 404


def test_favorites_tab_groups_by_kind_and_pages(alice, bob):
    farm = EntityFactory(actor=bob, display_name="Oak Farm")
    horse = EntityFactory(actor=bob, kind="horse", display_name="Storm")
    posts = [
        Post.objects.create(
            author=bob, body=f"post {i}", state="published", published_at=timezone.now()
        )
        for i in range(8)
    ]
    services.favorite_toggle(member=alice, kind="entity", ref_id=farm.pk)
    services.favorite_toggle(member=alice, kind="horse", ref_id=horse.pk)
    for post in posts:
        services.favorite_toggle(member=alice, kind="post", ref_id=post.pk)
    client = logged_in(bob)
    page = client.get("/@alice?tab=favorites").content.decode()
    assert 'id="fav-post"' in page and 'id="fav-entity"' in page and 'id="fav-horse"' in page
    assert "Oak Farm" in page and "Storm" in page and "post 7" in page and "post 1" not in page
    older = page.split("cursor_post=")[1].split("#")[0]
    second = client.get(f"/@alice?tab=favorites&cursor_post={older}").content.decode()
    assert "post 1" in second and "post 7" not in second
    empty = logged_in(bob).get("/@bob?tab=favorites").content.decode()
    assert "No favorites yet" in empty
    assert client.get("/@alice?tab=favorites&cursor_post=garbage").status_code == 200


def test_settings_privacy_lists_and_undoes(alice, bob):
    farm = EntityFactory(actor=bob, display_name="Oak Farm")
    client = logged_in(alice)
    empty = client.get("/settings/privacy").content.decode()
    assert "No one blocked" in empty and "Nothing muted" in empty and "Nothing hidden" in empty
    assert 'aria-current="page">Privacy' in empty
    services.block_create(member=alice, target=bob.pk)
    services.mute_create(member=alice, target_kind="entity", target=farm.pk)
    page = client.get("/settings/privacy").content.decode()
    assert "@bob" in page and "Oak Farm" in page
    client.post(
        "/blocks/toggle", {"target": bob.pk, "action": "unblock", "next": "/settings/privacy"}
    )
    client.post("/mutes/toggle", {"target_kind": "entity", "target": farm.pk, "action": "unmute"})
    assert not Block.objects.exists() and not Mute.objects.exists()
    assert Client().get("/settings/privacy").status_code == 302
