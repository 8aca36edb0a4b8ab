"""Posts services: create, mentions/tags, targets and approvals, propagation, reposts, edits,
deletes, drafts, scheduling, media, and the permission codes."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import EntityFactory, MemberFactory
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.entities.models import Edge, EntityMember
from yalls.social.models import (
    Block,
    Post,
    PostMedia,
    PostMention,
    PostRevision,
    PostTag,
    PostTarget,
)
from yalls.social.selectors import posts as selectors
from yalls.social.services import media as media_services
from yalls.social.services import posts as services
from yalls.social.services import targets as target_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def make_edge(
    source,
    target,
    type="partners",
    *,
    crosspost=False,
    propagate=False,
    status="accepted",
    parent_role="",
):
    return Edge.objects.create(
        source=source, target=target, type=type, allow_crosspost=crosspost, auto_propagate=propagate,
        status=status, parent_role=parent_role,
    )  # fmt: skip


def png(name="photo.png", size=(800, 600)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def row_counts() -> dict:
    return {
        "posts": Post.objects.count(),
        "targets": PostTarget.objects.count(),
        "media": PostMedia.objects.count(),
        "mentions": PostMention.objects.count(),
        "tags": PostTag.objects.count(),
    }


@pytest.fixture
def family():
    """Maya owns a foal with sire and dam (offspring_of edges that auto-propagate)."""
    maya = MemberFactory(handle="maya_rides", display_name="Maya Lopez")
    foal = EntityFactory(
        actor=maya, handle="little_thunder", display_name="Little Thunder", kind="horse"
    )
    sire = EntityFactory(
        actor=maya, handle="thunder_road", display_name="Thunder Road", kind="horse"
    )
    dam = EntityFactory(
        actor=maya, handle="moonlight_belle", display_name="Moonlight Belle", kind="horse"
    )
    make_edge(foal, sire, "offspring_of", propagate=True, parent_role="sire")
    make_edge(foal, dam, "offspring_of", propagate=True, parent_role="dam")
    return maya, foal, sire, dam


def test_post_as_foal_propagates_to_sire_and_dam(family):
    maya, _foal, sire, dam = family
    post = services.post_create(
        author=maya, body="First gallop! #foals", as_entity="little_thunder"
    )
    targets = {t.entity.handle: t for t in post.targets.select_related("entity")}
    assert set(targets) == {"little_thunder", "thunder_road", "moonlight_belle"}
    assert targets["little_thunder"].reason == "author_entity"
    assert targets["thunder_road"].reason == "auto_propagated:offspring_of"
    assert targets["thunder_road"].source_target_id == targets["little_thunder"].id
    assert targets["thunder_road"].depth == 1
    assert all(t.status == "approved" for t in targets.values())
    assert list(selectors.posts_of_entity(None, sire)) == [post]
    assert list(selectors.posts_of_entity(None, dam)) == [post]
    assert list(post.tags.values_list("tag", flat=True)) == ["foals"]


def test_propagation_preview_names_the_entities(family):
    maya, *_ = family
    preview = target_services.propagation_preview(author=maya, as_entity="little_thunder")
    assert sorted(h.entity.handle for h in preview["propagates_to"]) == [
        "moonlight_belle",
        "thunder_road",
    ]
    assert Post.objects.count() == 0


def test_mentions_are_resolved_and_tags_lowercased(family):
    maya, *_ = family
    liam = MemberFactory(handle="liam_tack")
    post = services.post_create(
        author=maya, body="Thanks @liam_tack and @Thunder_Road and @nobody_here #Barrels #barrels"
    )
    assert {(m.handle, m.kind) for m in post.mentions.all()} == {
        ("liam_tack", "member"),
        ("thunder_road", "entity"),
    }
    assert post.mentions.get(handle="liam_tack").ref_id == liam.pk
    assert list(post.tags.values_list("tag", flat=True)) == ["barrels"]


def test_targets_managed_crosspost_and_pending():
    liam = MemberFactory()
    maya = MemberFactory()
    mine = EntityFactory(actor=liam, handle="bit_and_bridle")
    managed = EntityFactory(actor=maya, handle="managed_by_liam")
    EntityMember.objects.create(entity=managed, member=liam, role="manager")
    partner = EntityFactory(actor=maya, handle="partner_shop")
    make_edge(mine, partner, crosspost=True)
    stranger = EntityFactory(actor=maya, handle="stranger_brand")
    post = services.post_create(
        author=liam, body="New saddles", as_entity="bit_and_bridle",
        targets=["managed_by_liam", "@partner_shop", "stranger_brand"],
    )  # fmt: skip
    got = {t.entity.handle: (t.status, t.reason) for t in post.targets.select_related("entity")}
    assert got == {
        "bit_and_bridle": ("approved", "author_entity"),
        "managed_by_liam": ("approved", "managed"),
        "partner_shop": ("approved", "edge_crosspost"),
        "stranger_brand": ("pending", "requested"),
    }
    assert list(selectors.posts_of_entity(None, stranger)) == []
    queue = list(selectors.approval_queue(maya, stranger))
    assert [t.post_id for t in queue] == [post.pk]
    target_services.target_decide(actor=maya, entity=stranger, target_id=queue[0].pk, approve=True)
    assert list(selectors.posts_of_entity(None, stranger)) == [post]
    with pytest.raises(Conflict) as exc:
        target_services.target_decide(
            actor=maya, entity=stranger, target_id=queue[0].pk, approve=False
        )
    assert exc.value.code == "target.already_decided"


def test_approval_propagates_from_the_approved_entity():
    liam, owner = MemberFactory(), MemberFactory()
    brand = EntityFactory(actor=owner, handle="big_brand", kind="brand")
    sub = EntityFactory(actor=owner, handle="big_brand_youth", kind="brand")
    make_edge(brand, sub, "brand_of", propagate=True)
    post = services.post_create(author=liam, body="Review of the new bridle", targets=["big_brand"])
    assert post.targets.get().status == "pending"
    target_services.target_decide(
        actor=owner, entity=brand, target_id=post.targets.get().pk, approve=True
    )
    sub_target = post.targets.get(entity=sub)
    assert sub_target.reason == "auto_propagated:brand_of" and sub_target.status == "approved"


def test_rejected_target_does_not_show_or_propagate():
    liam, owner = MemberFactory(), MemberFactory()
    brand = EntityFactory(actor=owner, handle="nope_brand", kind="brand")
    sub = EntityFactory(actor=owner, kind="brand")
    make_edge(brand, sub, "brand_of", propagate=True)
    post = services.post_create(author=liam, body="hello", targets=["nope_brand"])
    target_services.target_decide(
        actor=owner, entity=brand, target_id=post.targets.get().pk, approve=False
    )
    assert post.targets.count() == 1
    assert list(selectors.posts_of_entity(None, brand)) == []


def test_posting_as_entity_you_dont_manage_is_refused(family):
    _, _foal, *_ = family
    stranger = MemberFactory()
    before = row_counts()
    with pytest.raises(Forbidden) as exc:
        services.post_create(author=stranger, body="hi", as_entity="little_thunder")
    assert exc.value.code == "post.not_allowed_as_entity"
    assert row_counts() == before


def test_editor_may_post_as_entity_but_not_approve(family):
    _maya, foal, *_ = family
    editor = MemberFactory()
    EntityMember.objects.create(entity=foal, member=editor, role="editor")
    post = services.post_create(author=editor, body="Groomed!", as_entity="little_thunder")
    assert post.targets.count() == 3
    other = MemberFactory()
    pending = services.post_create(author=other, body="Cute foal", targets=["little_thunder"])
    with pytest.raises(Forbidden) as exc:
        target_services.target_decide(
            actor=editor, entity=foal, target_id=pending.targets.get().pk, approve=True
        )
    assert exc.value.code == "target.not_manager"
    with pytest.raises(Forbidden) as exc:
        selectors.approval_queue(editor, foal)
    assert exc.value.code == "target.not_manager"


def test_unknown_target_writes_nothing():
    member = MemberFactory()
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="hi", targets=["no_such_entity"])
    assert exc.value.code == "target.unknown" and exc.value.field == "targets"
    assert row_counts() == before


def test_body_too_long_and_empty():
    member = MemberFactory()
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="x" * 6000)
    assert exc.value.code == "post.body_too_long"
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="   ")
    assert exc.value.code == "post.empty"
    assert Post.objects.count() == 0
    assert services.post_create(author=member, body="x" * 5000).body == "x" * 5000


def test_images_checked_thumbnailed_and_limited():
    member = MemberFactory()
    post = services.post_create(
        author=member, body="", images=[png(), png("b.png")], image_alts=["A bay colt"]
    )
    media = list(post.media.all())
    assert [m.kind for m in media] == ["image", "image"] and media[0].alt_text == "A bay colt"
    assert media[0].thumbnail and media[0].width == 800
    from PIL import Image

    with media[0].thumbnail.open() as f, Image.open(f) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == 640
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.post_create(
            author=member, body="too many", images=[png(f"{i}.png", (10, 10)) for i in range(11)]
        )
    assert exc.value.code == "post.too_many_images"
    text = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="fake image", images=[png(), text])
    assert exc.value.code == "image.invalid"
    assert row_counts() == before


def test_video_by_magic_bytes():
    member = MemberFactory()
    mp4 = SimpleUploadedFile(
        "clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, content_type="video/mp4"
    )
    post = services.post_create(author=member, body="clip", video=mp4)
    assert post.media.get().kind == "video"
    fake = SimpleUploadedFile("clip.mp4", b"hello world, not a video", content_type="video/mp4")
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="clip", video=fake)
    assert exc.value.code == "post.video_invalid"
    assert media_services.video_kind(b"\x1a\x45\xdf\xa3" + b"\x00" * 12) == "webm"


def test_edit_keeps_history_and_delete_is_soft():
    member = MemberFactory()
    post = services.post_create(author=member, body="first #one")
    services.post_update(actor=member, post=post, body="second #two")
    post.refresh_from_db()
    assert post.body == "second #two" and post.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "first #one"
    ]
    assert list(post.tags.values_list("tag", flat=True)) == ["two"]
    other = MemberFactory()
    with pytest.raises(Forbidden) as exc:
        services.post_update(actor=other, post=post, body="hacked")
    assert exc.value.code == "post.not_author"
    with pytest.raises(Forbidden):
        services.post_delete(actor=other, post=post)
    services.post_delete(actor=member, post=post)
    post.refresh_from_db()
    assert post.deleted_at is not None and Post.objects.filter(pk=post.pk).exists()
    with pytest.raises(NotFound):
        selectors.access_post(member, post.pk)


def test_reposts_chain_count_and_idempotency():
    willow_owner, maya, liam = (
        MemberFactory(),
        MemberFactory(display_name="Maya"),
        MemberFactory(display_name="Liam"),
    )
    farm = EntityFactory(
        actor=willow_owner, handle="willow_creek", display_name="Willow Creek Farm"
    )
    original = services.post_create(
        author=willow_owner, body="Open day Saturday", as_entity="willow_creek"
    )
    maya_repost, created = services.repost_create(actor=maya, post=original, caption="Going!")
    assert (
        created
        and maya_repost.repost_of_id == original.pk
        and maya_repost.reposted_from_id == original.pk
    )
    liam_repost, created = services.repost_create(actor=liam, post=maya_repost, caption="Me too")
    assert (
        created
        and liam_repost.repost_of_id == original.pk
        and liam_repost.reposted_from_id == maya_repost.pk
    )
    again, created = services.repost_create(actor=liam, post=original)
    assert not created and again.pk == liam_repost.pk
    chain = selectors.attribution_chain(liam_repost)
    assert [p.pk for p in chain] == [liam_repost.pk, maya_repost.pk, original.pk]
    cards = selectors.cards_prepare(None, [original, liam_repost])
    assert cards[0].repost_count == 2 and cards[1].repost_count == 2
    services.post_delete(actor=willow_owner, post=original)
    liam_repost = Post.objects.get(pk=liam_repost.pk)
    card = selectors.cards_prepare(None, [liam_repost])[0]
    assert card.original_removed
    with pytest.raises(Conflict) as exc:
        services.repost_create(actor=MemberFactory(), post=maya_repost)
    assert exc.value.code == "post.original_removed"
    assert farm  # the farm page still lists nothing deleted
    assert list(selectors.posts_of_entity(None, farm)) == []


def test_cannot_repost_what_you_cannot_see():
    author, stranger = MemberFactory(), MemberFactory()
    post = services.post_create(author=author, body="friends only", visibility="followers")
    with pytest.raises(NotFound):
        services.repost_create(actor=stranger, post=post)
    blocked = MemberFactory()
    public = services.post_create(author=author, body="public")
    Block.objects.create(blocker=author, blocked=blocked)
    with pytest.raises(NotFound):
        services.repost_create(actor=blocked, post=public)


def test_propagation_skips_blocked_owner():
    maya, sire_owner = MemberFactory(), MemberFactory()
    foal = EntityFactory(actor=maya, kind="horse")
    sire = EntityFactory(actor=sire_owner, kind="horse")
    make_edge(foal, sire, "offspring_of", propagate=True, parent_role="sire")
    Block.objects.create(blocker=sire_owner, blocked=maya)
    post = services.post_create(author=maya, body="hi", as_entity=foal)
    assert list(post.targets.values_list("entity_id", flat=True)) == [foal.pk]


def test_drafts_upsert_and_publish_from_draft():
    member = MemberFactory()
    draft = services.draft_save(author=member, body="half a tho")
    same = services.draft_save(author=member, body="half a thought", draft_id=str(draft.pk))
    assert same.pk == draft.pk and Post.objects.filter(state="draft").count() == 1
    assert services.draft_save(author=member, body="x", draft_id="garbage").pk != draft.pk
    assert not selectors.posts_of_member(None, member).exists()
    post = services.post_create(author=member, body="a whole thought", draft=draft)
    assert post.pk == draft.pk and post.state == "published"
    assert list(selectors.posts_of_member(None, member)) == [post]


def test_schedule_in_member_timezone_and_job_publishes_once():
    member = MemberFactory(timezone_name="America/Denver")
    local = (
        (timezone.now() + timedelta(days=2))
        .astimezone(timezone.get_fixed_timezone(0))
        .replace(tzinfo=None)
    )
    local = local.replace(hour=9, minute=30, second=0, microsecond=0)
    post = services.post_create(author=member, body="Later", publish_at=local)
    assert post.state == "scheduled"
    from zoneinfo import ZoneInfo

    expected = local.replace(tzinfo=ZoneInfo("America/Denver")).astimezone(ZoneInfo("UTC"))
    assert post.publish_at == expected
    assert not selectors.posts_of_member(None, member).exists()
    assert services.posts_publish_due(now=expected - timedelta(seconds=1)) == 0
    from yalls.social.tasks import posts_publish_scheduled

    tick = int((expected + timedelta(minutes=1)).timestamp())
    assert posts_publish_scheduled(tick) == 1
    assert posts_publish_scheduled(tick) == 0  # the second run finds nothing left to publish
    post.refresh_from_db()
    assert post.state == "published" and post.published_at == expected
    assert AuditEvent.objects.filter(action="post.published", target_id=str(post.pk)).count() == 1
    assert list(selectors.posts_of_member(None, member)) == [post]


def test_schedule_in_the_past_is_refused():
    member = MemberFactory()
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="x", publish_at=datetime(2020, 1, 1, 9, 0))
    assert exc.value.code == "post.publish_at_invalid"
    assert Post.objects.count() == 0


def test_crosspost_flag_off_refuses_targets(monkeypatch):
    member = MemberFactory()
    entity = EntityFactory()
    monkeypatch.setattr(target_services, "crosspost_enabled", lambda m: False)
    with pytest.raises(DomainError) as exc:
        services.post_create(author=member, body="x", targets=[entity.handle])
    assert exc.value.code == "post.crosspost_disabled"


def test_visibility_rules():
    from yalls.social.models import Follow
    from yalls.social.selectors.visibility import can_see_post

    author, follower, stranger, farmhand = (
        MemberFactory(),
        MemberFactory(),
        MemberFactory(),
        MemberFactory(),
    )
    farm = EntityFactory(actor=author)
    EntityMember.objects.create(entity=farm, member=farmhand, role="editor")
    Follow.objects.create(follower=follower, target_kind="member", target_id=author.pk)
    followers = services.post_create(author=author, body="f", visibility="followers")
    members = services.post_create(author=author, body="m", visibility="members", as_entity=farm)
    assert can_see_post(follower, followers) and not can_see_post(stranger, followers)
    assert not can_see_post(None, followers)
    assert can_see_post(farmhand, members) and not can_see_post(follower, members)
    assert can_see_post(author, members)


def test_demo_world_posts_propagate_and_wait(settings):
    from yalls.demo.world import seed_world

    seed_world()
    assert seed_world()["posts"] == 0  # idempotent
    foal_post = Post.objects.get(as_entity__handle="little_thunder")
    assert set(foal_post.targets.values_list("entity__handle", flat=True)) == {
        "little_thunder", "thunder_road", "moonlight_belle",
    }  # fmt: skip
    repost = Post.objects.get(repost_of=foal_post)
    assert repost.author.handle == "liam_tack" and repost.body
    assert PostTarget.objects.filter(entity__handle="willow_creek", status="pending").count() == 1


@pytest.mark.clock
def test_scheduling_is_judged_at_the_given_now_in_the_authors_zone():
    author = MemberFactory(timezone_name="America/Denver")
    # 2026-11-01 is the day Denver falls back: 09:00 local is 16:00 UTC (15:00 the day before).
    now = datetime.fromisoformat("2026-11-01T14:00:00+00:00")
    post = services.post_create(
        author=author, body="farrier at nine", publish_at=datetime(2026, 11, 1, 9, 0), now=now
    )
    assert post.state == Post.State.SCHEDULED
    assert post.publish_at == datetime.fromisoformat("2026-11-01T16:00:00+00:00")
    with pytest.raises(DomainError) as refused:
        services.post_create(
            author=author, body="too late", publish_at=datetime(2026, 11, 1, 9, 0),
            now=now + timedelta(hours=2, seconds=30),
        )  # fmt: skip
    assert refused.value.code == "post.publish_at_invalid"
