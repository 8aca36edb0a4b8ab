"""The social events send through the one send path: follow, favorite, repost, mention,
cross-post approval asked and decided, link verified. Each tells the right person once, never
the actor, and a repeated event (toggle twice, edit, re-check) does not notify again."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import EntityFactory, MemberFactory
from yalls.accounts.linked_accounts import providers, services
from yalls.core.db_context import system_context
from yalls.core.errors import DomainError
from yalls.entities.models import EntityMember
from yalls.notifications.models import Notification
from yalls.social.models import PostTarget
from yalls.social.services import engagement, posts, targets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def maya():
    return MemberFactory(handle="maya_rides", display_name="Maya Lopez")


@pytest.fixture
def liam():
    return MemberFactory(handle="liam_tack", display_name="Liam Tack")


def sent(kind=None, **filters) -> list[Notification]:
    with system_context():
        qs = Notification.objects.all()
        if kind:
            qs = qs.filter(kind=kind)
        return list(qs.filter(**filters).order_by("created_at"))


def test_follow_member_and_entity(maya, liam):
    engagement.follow_create(member=liam, target_kind="member", target="maya_rides")
    (n,) = sent("social.follow")
    assert n.recipient_id == maya.pk and n.actor_id == liam.pk
    assert n.title == "Liam Tack followed you" and n.link == "/@liam_tack" and n.lane == "social"
    # unfollow + follow again: no second notification
    engagement.follow_remove(member=liam, target_kind="member", target="maya_rides")
    engagement.follow_create(member=liam, target_kind="member", target="maya_rides")
    assert len(sent("social.follow")) == 1
    farm = EntityFactory(actor=maya, handle="oak_farm", display_name="Oak Farm")
    engagement.follow_create(member=liam, target_kind="entity", target="oak_farm")
    entity_follow = sent("social.follow", target_type="entity")
    assert [(x.recipient_id, x.title) for x in entity_follow] == [
        (maya.pk, "Liam Tack followed Oak Farm")
    ]
    assert entity_follow[0].target_id == str(farm.pk)
    # following your own entity tells nobody
    engagement.follow_create(member=maya, target_kind="entity", target="oak_farm")
    assert not sent("social.follow", actor=maya)


def test_favorite_post_and_entity_once_and_grouped(maya, liam):
    post = posts.post_create(author=maya, body="Foal born tonight")
    for _ in range(3):  # favorite, unfavorite, favorite
        engagement.favorite_toggle(member=liam, kind="post", ref_id=post.pk)
    (n,) = sent("social.favorite")
    assert n.recipient_id == maya.pk and n.title == "Liam Tack favorited your post"
    assert n.link == f"/p/{post.pk}" and n.body == "Foal born tonight"
    # a second member folds into the same entry
    ava = MemberFactory(display_name="Ava Stone")
    engagement.favorite_toggle(member=ava, kind="post", ref_id=post.pk)
    (grouped,) = sent("social.favorite")
    assert grouped.count == 2 and grouped.title.startswith("Ava Stone and 1 other")
    # my own post: nothing
    engagement.favorite_toggle(member=maya, kind="post", ref_id=post.pk)
    assert not sent(recipient=maya, actor=maya)
    farm = EntityFactory(actor=maya, display_name="Oak Farm")
    engagement.favorite_toggle(member=liam, kind="entity", ref_id=farm.pk)
    (entity_fav,) = sent("social.favorite", target_type="entity")
    assert entity_fav.recipient_id == maya.pk and entity_fav.title == "Liam Tack favorited Oak Farm"


def test_refused_favorite_sends_nothing(maya, liam):
    post = posts.post_create(author=maya, body="hi")
    engagement.block_create(member=maya, target="liam_tack")
    with pytest.raises(DomainError):  # refused (not found or forbidden: the block hides it)
        engagement.favorite_toggle(member=liam, kind="post", ref_id=post.pk)
    assert not sent("social.favorite")


def test_repost_tells_the_original_author(maya, liam):
    original = posts.post_create(author=maya, body="Show results are in")
    repost, created = posts.repost_create(actor=liam, post=original, caption="Congrats!")
    assert created
    (n,) = sent("social.repost")
    assert n.recipient_id == maya.pk and n.title == "Liam Tack reposted your post"
    assert n.link == f"/p/{repost.pk}" and n.target_id == str(original.pk)
    posts.repost_create(actor=liam, post=original)  # the same repost again
    assert len(sent("social.repost")) == 1
    # reposting a repost credits the original's author, not the reposter
    ava = MemberFactory()
    posts.repost_create(actor=ava, post=repost)
    assert {n.recipient_id for n in sent("social.repost")} == {maya.pk}


def test_mentions_member_and_entity_owner_once(maya, liam):
    EntityFactory(actor=maya, handle="oak_farm", display_name="Oak Farm")
    post = posts.post_create(author=liam, body="Thanks @maya_rides and @oak_farm! @liam_tack")
    got = sorted((n.recipient_id, n.title) for n in sent("social.mention"))
    assert got == sorted(
        [(maya.pk, "Liam Tack mentioned you"), (maya.pk, "Liam Tack mentioned Oak Farm")]
    )
    assert all(n.lane == "priority" and n.link == f"/p/{post.pk}" for n in sent("social.mention"))
    # editing the post: only a newly mentioned member hears
    ava = MemberFactory(handle="ava_stone")
    posts.post_update(actor=liam, post=post, body="Thanks @maya_rides, @oak_farm and @ava_stone")
    assert [n.recipient_id for n in sent("social.mention")].count(maya.pk) == 2
    assert [n.recipient_id for n in sent("social.mention")].count(ava.pk) == 1


def test_mention_in_a_scheduled_post_waits_for_publishing(maya, liam):
    from datetime import timedelta

    from django.utils import timezone

    posts.post_create(
        author=liam, body="Soon, @maya_rides", publish_at=timezone.now() + timedelta(hours=1)
    )
    assert not sent("social.mention")
    assert posts.posts_publish_due(now=timezone.now() + timedelta(hours=2)) == 1
    (n,) = sent("social.mention")
    assert n.recipient_id == maya.pk


def test_mention_in_a_post_they_cannot_see_stays_quiet(maya, liam):
    posts.post_create(author=liam, body="Followers only, @maya_rides", visibility="followers")
    assert not sent("social.mention")


def test_crosspost_approval_asked_and_decided(maya, liam):
    ava = MemberFactory(handle="ava_stone")
    brand = EntityFactory(actor=maya, handle="stranger_brand", display_name="Stranger Brand")
    EntityMember.objects.create(entity=brand, member=ava, role="manager")
    editor = MemberFactory()
    EntityMember.objects.create(entity=brand, member=editor, role="editor")
    post = posts.post_create(author=liam, body="New saddles", targets=["stranger_brand"])
    asked = sent("social.approval_requested")
    assert {n.recipient_id for n in asked} == {maya.pk, ava.pk}  # owners and managers, not editors
    assert all(
        n.title == "Liam Tack asked to post on Stranger Brand"
        and n.link == "/entities/stranger_brand/approvals"
        and n.lane == "priority"
        for n in asked
    )
    target = PostTarget.objects.get(post=post, entity=brand)
    targets.target_decide(actor=ava, entity=brand, target_id=target.pk, approve=True)
    (decided,) = sent("social.approval_decided")
    assert decided.recipient_id == liam.pk and decided.actor_id == ava.pk
    assert decided.title == "Stranger Brand approved your post"
    assert decided.payload["decision"] == "approved"


def test_crosspost_declined_and_own_entities_ask_nobody(maya, liam):
    brand = EntityFactory(actor=maya, handle="stranger_brand", display_name="Stranger Brand")
    EntityFactory(actor=liam, handle="liams_shop")
    post = posts.post_create(
        author=liam, body="x", as_entity="liams_shop", targets=["stranger_brand"]
    )
    # Approved at once on my own entity (no request to myself); the stranger's owner is asked.
    assert [n.recipient_id for n in sent("social.approval_requested")] == [maya.pk]
    target = PostTarget.objects.get(post=post, entity=brand)
    targets.target_decide(
        actor=maya, entity=brand, target_id=target.pk, approve=False, reason="Off topic here"
    )
    # The author hears only once the manager's undo window has passed: a delayed job does it.
    assert sent("social.approval_decided") == []
    with connection.cursor() as cursor:
        # Against the app's clock, not the database's (tests may run at a chosen instant).
        cursor.execute(
            "SELECT args, scheduled_at > %s FROM procrastinate_jobs WHERE task_name LIKE %s",
            [timezone.now(), "%target_rejection_announce"],
        )
        ((args, later),) = cursor.fetchall()
    args = json.loads(args) if isinstance(args, str) else args
    assert later and args["target_id"] == str(target.pk) and args["reason"] == "Off topic here"
    assert targets.target_rejection_announce(**args) is True  # what the worker runs
    (decided,) = sent("social.approval_decided")
    assert decided.title == "Stranger Brand declined your post"
    assert decided.body.startswith("Reason: Off topic here")


def test_an_undone_rejection_is_never_announced(maya, liam):
    brand = EntityFactory(actor=maya, handle="undo_brand", display_name="Undo Brand")
    post = posts.post_create(author=liam, body="x", targets=["undo_brand"])
    target = PostTarget.objects.get(post=post, entity=brand)
    targets.target_decide(actor=maya, entity=brand, target_id=target.pk, approve=False)
    targets.target_reject_undo(actor=maya, entity=brand, target_id=target.pk, now=timezone.now())
    target.refresh_from_db()
    assert target.status == "pending" and target.decided_at is None
    args = {"target_id": str(target.pk), "actor_id": str(maya.pk), "reason": ""}
    assert targets.target_rejection_announce(**args) is False
    assert sent("social.approval_decided") == []
    # The window is judged from the decision's own instant: inside it undo works, past it undo is
    # refused (the author has been told).
    decided = datetime(2026, 11, 1, 8, 59, 55, tzinfo=UTC)
    targets.target_decide(actor=maya, entity=brand, target_id=target.pk, approve=False, now=decided)
    target.refresh_from_db()
    assert target.decided_at == decided
    late = decided + timedelta(seconds=targets.REJECT_UNDO_SECONDS + 1)
    with pytest.raises(DomainError) as caught:
        targets.target_reject_undo(actor=maya, entity=brand, target_id=target.pk, now=late)
    assert caught.value.code == "target.undo_expired"
    in_time = decided + timedelta(seconds=targets.REJECT_UNDO_SECONDS - 1)
    targets.target_reject_undo(actor=maya, entity=brand, target_id=target.pk, now=in_time)
    target.refresh_from_db()
    assert target.status == "pending"


def _page_linking_back(member):
    html = f'<a rel="me" href="{providers.profile_url(member)}">me</a>'

    def fetch(url, **kwargs):
        return SimpleNamespace(status=200, content_type="text/html", url=url, text=lambda: html)

    return fetch


def test_link_verified_by_the_check_once(maya):
    link = services.linked_account_save(member=maya, provider="website", url="https://oak.example/")
    assert (
        services.linked_account_check(link_id=str(link.pk), fetch=_page_linking_back(maya))
        == "verified"
    )
    (n,) = sent("accounts.link_verified")
    assert n.recipient_id == maya.pk and n.title == "Your Website link is verified"
    assert n.link == "/settings/links" and n.lane == "system" and n.actor_id is None
    services.linked_account_recheck(member=maya, provider="website")
    services.linked_account_check(link_id=str(link.pk), fetch=_page_linking_back(maya))
    assert len(sent("accounts.link_verified")) == 1  # the same address again is not news


def test_link_verified_by_a_moderator(maya):
    moderator = MemberFactory(role="moderator")
    link = services.linked_account_save(
        member=maya,
        provider="instagram",
        url="https://www.instagram.com/maya",
        proof_url="https://www.instagram.com/p/proof",
    )
    services.linked_account_review(moderator=moderator, link=link, approve=True)
    (n,) = sent("accounts.link_verified")
    assert n.recipient_id == maya.pk and n.actor_id == moderator.pk
    assert n.title == "Your Instagram link is verified"


def test_rolled_back_event_sends_nothing(maya, liam):
    from django.db import transaction

    post = posts.post_create(author=maya, body="hi")
    with pytest.raises(RuntimeError), transaction.atomic():
        engagement.favorite_toggle(member=liam, kind="post", ref_id=post.pk)
        raise RuntimeError("the request failed later")
    assert not sent("social.favorite")


def test_events_from_a_request_context_under_rls(maya, liam):
    """Requests run as the acting member under row-level security; the notice still reaches the
    other member (the send path writes in the system context) and they see it in theirs."""
    from yalls.core.db_context import member_context
    from yalls.notifications import selectors
    from yalls.notifications.services import preferences_update

    preferences_update(member=maya, quiet_enabled=False)  # not dependent on the time of day
    post = posts.post_create(author=maya, body="hi")
    with member_context(liam.pk):
        engagement.favorite_toggle(member=liam, kind="post", ref_id=post.pk)
        posts.post_create(author=liam, body="Look @maya_rides")
        assert selectors.unread_counts(maya)["total"] == 0  # not liam's to see
    with member_context(maya.pk):
        counts = selectors.unread_counts(maya)
    assert len(sent(recipient=maya)) == 2
    assert counts == {"priority": 1, "social": 1, "system": 0, "total": 2}
