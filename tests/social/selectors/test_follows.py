"""Follower and following lists on every profile, and the home page's "who to follow"
suggestions (members and entities near what the member follows or owns)."""

import pytest
from django.test import Client

from tests.factories import EntityFactory, MemberFactory
from yalls.social.selectors import follows as selectors
from yalls.social.services import engagement as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kinds(entity_kinds):
    pass


def follow(member, target):
    kind = "member" if hasattr(target, "email") else "entity"
    services.follow_create(member=member, target_kind=kind, target=target.pk)


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_followers_and_following_lists_on_a_member_profile():
    maya = MemberFactory(handle="maya_f", display_name="Maya Lopez")
    liam = MemberFactory(handle="liam_f", display_name="Liam Chen")
    farm = EntityFactory(actor=maya, handle="oak_farm_f", display_name="Oak Farm")
    follow(liam, maya)
    follow(liam, farm)

    followers = Client().get("/@maya_f/followers")
    assert followers.status_code == 200
    assert "Liam Chen" in followers.content.decode()

    following = Client().get("/@liam_f/following").content.decode()
    assert "Maya Lopez" in following and "Oak Farm" in following

    entity_followers = Client().get("/@oak_farm_f/followers").content.decode()
    assert "Liam Chen" in entity_followers
    assert Client().get("/@oak_farm_f/following").status_code == 404  # entities follow no one
    assert Client().get("/@nobody_here/followers").status_code == 404

    # Every profile links to the lists: the counts on Maya's own profile and Liam's.
    mine = logged_in(maya).get("/@maya_f").content.decode()
    assert 'href="/@maya_f/followers"' in mine and 'href="/@maya_f/following"' in mine
    theirs = logged_in(maya).get("/@liam_f").content.decode()
    assert 'href="/@liam_f/following"' in theirs


def test_blocked_members_are_left_out_of_follower_lists():
    maya = MemberFactory(handle="maya_b")
    liam = MemberFactory(handle="liam_b", display_name="Liam Blocked")
    ana = MemberFactory(handle="ana_b")
    follow(liam, maya)
    services.block_create(member=ana, target=liam.pk)
    assert "Liam Blocked" not in logged_in(ana).get("/@maya_b/followers").content.decode()
    assert "Liam Blocked" in Client().get("/@maya_b/followers").content.decode()


def test_who_to_follow_starts_from_what_my_follows_follow():
    me = MemberFactory(handle="me_s")
    friend = MemberFactory(handle="friend_s", display_name="Friend Rider")
    owner = MemberFactory(handle="owner_s")
    barn = EntityFactory(actor=owner, handle="big_barn_s", display_name="Big Barn", kind="farm")
    other = MemberFactory(handle="other_s", display_name="Other Rider")
    follow(me, friend)
    follow(friend, barn)
    follow(friend, other)

    suggestions = selectors.who_to_follow(me)
    shown = {(s.kind, s.target.pk): s.reason for s in suggestions}
    assert shown[("entity", barn.pk)] == "Followed by Friend Rider"
    assert shown[("member", other.pk)] == "Followed by Friend Rider"
    assert ("member", friend.pk) not in shown  # already followed
    assert ("member", me.pk) not in shown


def test_who_to_follow_suggests_entities_of_the_kinds_i_own_and_leaves_out_blocks_and_mine():
    me = MemberFactory(handle="me_k")
    mine = EntityFactory(actor=me, handle="my_horse_k", kind="horse")
    owner = MemberFactory(handle="owner_k")
    horse = EntityFactory(actor=owner, handle="other_horse_k", kind="horse")
    blocker = MemberFactory(handle="blocker_k")
    blocked_horse = EntityFactory(actor=blocker, handle="blocked_horse_k", kind="horse")
    services.block_create(member=blocker, target=me.pk)

    ids = {s.target.pk for s in selectors.who_to_follow(me)}
    assert horse.pk in ids
    assert mine.pk not in ids and blocked_horse.pk not in ids


def test_a_new_member_is_offered_popular_entities_on_the_home_page():
    owner = MemberFactory(handle="owner_p")
    barn = EntityFactory(actor=owner, handle="popular_barn", display_name="Popular Barn")
    for n in range(2):
        follow(MemberFactory(handle=f"fan_{n}_p"), barn)
    newcomer = MemberFactory(handle="new_p")
    home = logged_in(newcomer).get("/").content.decode()
    assert "Who to follow" in home and "Popular Barn" in home and "Popular on yalls" in home

    logged_in(newcomer).post(
        "/follows/toggle",
        {"target_kind": "entity", "target": barn.pk, "action": "follow", "next": "/"},
    )
    assert barn.pk not in {s.target.pk for s in selectors.who_to_follow(newcomer)}
