"""The one visibility rule in lists: posts a member hid are gone from every list they see
(profile, reposts, entity page, #tag search, the API), reposts of them too; mutes drop a member's
or entity's posts from lists that mix authors; opening a hidden post still works."""

import pytest
from django.test import Client

from tests.factories import EntityFactory, MemberFactory
from yalls.social.selectors import posts as post_selectors
from yalls.social.selectors.visibility import can_see_post, visible_posts
from yalls.social.services import engagement
from yalls.social.services import posts as post_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    viewer = MemberFactory(handle="vera_views")
    author = MemberFactory(handle="ada_author")
    farm = EntityFactory(actor=author, handle="ada_farm")
    hidden = post_services.post_create(author=author, body="Muddy paddock #mud")
    kept = post_services.post_create(author=author, body="Clean tack #mud")
    on_farm = post_services.post_create(author=author, body="Farm news #mud", as_entity=farm.handle)
    reposter = MemberFactory(handle="rex_reposts")
    repost, _created = post_services.repost_create(actor=reposter, post=hidden)
    engagement.hide_create(member=viewer, kind="post", ref_id=hidden.pk)
    return {
        "viewer": viewer, "author": author, "farm": farm, "hidden": hidden, "kept": kept,
        "on_farm": on_farm, "reposter": reposter, "repost": repost,
    }  # fmt: skip


def _ids(qs):
    return {p.pk for p in qs}


def test_a_hidden_post_leaves_every_list_of_the_hider(world):
    viewer, author = world["viewer"], world["author"]
    hidden = world["hidden"].pk
    assert hidden not in _ids(post_selectors.posts_of_member(viewer, author))
    assert world["kept"].pk in _ids(post_selectors.posts_of_member(viewer, author))
    assert hidden not in _ids(post_selectors.posts_tagged(viewer, "#mud"))
    # A repost of a hidden post is the hidden post again.
    reposts = post_selectors.reposts_of_member(viewer, world["reposter"])
    assert world["repost"].pk not in _ids(reposts)
    # Everyone else still sees it, and the hider can still open it.
    other = MemberFactory()
    assert hidden in _ids(post_selectors.posts_of_member(other, author))
    assert world["repost"].pk in _ids(post_selectors.reposts_of_member(other, world["reposter"]))
    assert can_see_post(viewer, world["hidden"])
    engagement.hide_remove(member=viewer, kind="post", ref_id=hidden)
    assert hidden in _ids(post_selectors.posts_of_member(viewer, author))


def test_hidden_posts_leave_the_pages_and_the_api(world):
    viewer, hidden = world["viewer"], world["hidden"]
    client = Client()
    client.force_login(viewer)
    assert "Clean tack" in client.get("/@ada_author").content.decode()
    assert "Muddy paddock" not in client.get("/@ada_author").content.decode()
    assert "Muddy paddock" not in client.get("/search", {"q": "#mud"}).content.decode()
    listed = client.get("/api/v1/posts", {"member": "ada_author"}).json()["items"]
    assert str(hidden.pk) not in {item["id"] for item in listed} and listed


def test_mutes_drop_authors_from_lists_that_mix_authors(world):
    viewer, author, farm = world["viewer"], world["author"], world["farm"]
    engagement.mute_create(member=viewer, target_kind="entity", target=farm)
    assert world["on_farm"].pk not in _ids(post_selectors.posts_of_entity(viewer, farm))
    assert world["on_farm"].pk not in _ids(post_selectors.posts_tagged(viewer, "mud"))
    engagement.mute_create(member=viewer, target_kind="member", target=author)
    assert not _ids(post_selectors.posts_tagged(viewer, "mud")) - {world["repost"].pk}
    # The muted member's own profile still lists their posts: opening it is asking for them.
    assert world["kept"].pk in _ids(post_selectors.posts_of_member(viewer, author))
    # Mutes change nothing for anyone else.
    assert world["on_farm"].pk in _ids(post_selectors.posts_of_entity(MemberFactory(), farm))


def test_anonymous_lists_are_unchanged(world):
    assert world["hidden"].pk in _ids(visible_posts(None))
