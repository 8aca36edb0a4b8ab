"""Who stands how to whom: follows, blocks, mutes and hides, read by posts, feeds and pages.

Blocks, mutes and hides live under row-level security (social migration 0002): inside a request a
member sees only their own mutes and hides, and only the blocks they are a party to. Every helper
here asks about the acting member, so that is exactly what it needs; called from a job (system
context) it sees everything. Asking about two *other* members from a request would silently
answer "not blocked" — don't: ask about the viewer.
"""

from uuid import UUID

from django.db.models import Q

from yalls.social.models import Block, Follow, Mute

MemberId = UUID | str


def is_blocked_between(a_id: MemberId | None, b_id: MemberId | None) -> bool:
    """True when either member blocked the other (blocks work both ways)."""
    if not a_id or not b_id or str(a_id) == str(b_id):
        return False
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def blocked_ids(member_id: MemberId | None) -> set[UUID]:
    """Every member this one blocked or was blocked by: neither side sees the other."""
    if not member_id:
        return set()
    rows = Block.objects.filter(Q(blocker_id=member_id) | Q(blocked_id=member_id)).values_list(
        "blocker_id", "blocked_id"
    )
    mine = UUID(str(member_id))
    return {other for pair in rows for other in pair if other != mine}


def blocks_made(member_id: MemberId) -> list[Block]:
    """The blocks this member made (the settings page lists them; blocks *received* are never
    listed)."""
    return list(
        Block.objects.filter(blocker_id=member_id).select_related("blocked").order_by("-created_at")
    )


def is_muted(member_id: MemberId | None, target_kind: str, target_id: MemberId) -> bool:
    if not member_id:
        return False
    return Mute.objects.filter(
        muter_id=member_id, target_kind=target_kind, target_id=target_id
    ).exists()


def follows(member, kind: str, target_id: MemberId) -> bool:
    """Does `member` follow the member or entity (`kind`) with this id?"""
    if member is None or not getattr(member, "is_authenticated", False):
        return False
    return Follow.objects.filter(
        follower_id=member.pk, target_kind=kind, target_id=target_id
    ).exists()


def follower_count(kind: str, target_id: MemberId) -> int:
    return Follow.objects.filter(target_kind=kind, target_id=target_id).count()


def following_count(member_id: MemberId) -> int:
    return Follow.objects.filter(follower_id=member_id).count()


def profile_hidden_from(viewer, member) -> bool:
    """Should `viewer` get the neutral "not available" page instead of `member`'s profile? Yes when
    `member` blocked `viewer` (the page says nothing about why). The blocker still sees the profile,
    without interaction controls, so they can lift the block from it."""
    viewer_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
    return (
        bool(viewer_id)
        and Block.objects.filter(blocker_id=member.pk, blocked_id=viewer_id).exists()
    )


def notification_holds(*, actor_id, recipient_ids, always_delivered: bool) -> dict:
    """The notifications audience filter (registered in SocialConfig.ready()): recipients who
    blocked the actor or were blocked by them hear nothing; those who muted the actor hear only
    what is always delivered (security notices)."""
    from yalls.notifications.models import Notification

    ids = list(recipient_ids)
    held = {}
    if not always_delivered:
        muted = Mute.objects.filter(
            muter_id__in=ids, target_kind=Follow.TargetKind.MEMBER, target_id=actor_id
        ).values_list("muter_id", flat=True)
        held.update(dict.fromkeys(muted, Notification.HeldReason.MUTED))
    pairs = Block.objects.filter(
        Q(blocker_id=actor_id, blocked_id__in=ids) | Q(blocker_id__in=ids, blocked_id=actor_id)
    ).values_list("blocker_id", "blocked_id")
    actor = UUID(str(actor_id))
    held.update(
        dict.fromkeys(
            (other for pair in pairs for other in pair if other != actor),
            Notification.HeldReason.BLOCKED,
        )
    )
    return held
