"""Who hears about a social event, and what it says: follows, favorites, reposts, mentions and
cross-post approvals, sent through the one send path (`notifications.services.notify`).

Each function is called from inside the service's own transaction (so a rolled-back write sends
nothing). The send service drops self-notifications, applies blocks, mutes, preferences, quiet
hours and the cap; the dedupe keys here make a repeated event (favorite, unfavorite, favorite)
one notification, and the group keys fold "Maya and 11 others favorited your post".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.entities.models import Entity, EntityMember
from yalls.notifications.services import notify
from yalls.social.models import Favorite, Follow, Post, PostMention, PostTarget

EXCERPT = 140
MANAGING_ROLES = (EntityMember.Role.OWNER, EntityMember.Role.MANAGER)


def _name(member: User) -> str:
    return member.display_name or f"@{member.handle}"


def _voice(post: Post, author: User) -> str:
    """Who a post speaks as: the entity it was posted as, else its author."""
    entity = post.as_entity if post.as_entity_id else None
    return entity.display_name if entity is not None else _name(author)


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _active(member_id) -> User | None:
    return User.objects.filter(pk=member_id, is_active=True).first()


def _post_url(post_id) -> str:
    return f"/p/{post_id}"


def follow_created(*, follow: Follow, follower: User) -> None:
    """A member followed: tell them; an entity followed: tell its owner."""
    if follow.target_kind == Follow.TargetKind.MEMBER:
        recipient = _active(follow.target_id)
        title, link = f"{_name(follower)} followed you", f"/@{follower.handle}"
    else:
        entity = Entity.objects.filter(pk=follow.target_id).first()
        recipient = _active(entity.owner_id) if entity is not None else None
        title = f"{_name(follower)} followed {entity.display_name}" if entity else ""
        link = f"/@{follower.handle}"
    if recipient is None:
        return
    notify(
        recipient=recipient,
        kind="social.follow",
        title=title,
        link=link,
        actor=follower,
        target_type=follow.target_kind,
        target_id=str(follow.target_id),
        dedupe_key=f"follow:{follower.pk}:{follow.target_id}",
        group_key=f"follow:{follow.target_kind}:{follow.target_id}",
    )


def favorite_added(*, member: User, kind: str, ref_id, owner_id) -> None:
    """A post favorited: its author hears; an entity favorited: its owner."""
    if kind == Favorite.Kind.POST:
        post = Post.objects.select_related("as_entity").filter(pk=ref_id).first()
        if post is None:
            return
        what = "your post" if not post.as_entity_id else f"{post.as_entity.display_name}'s post"
        title, link, body = f"{_name(member)} favorited {what}", _post_url(ref_id), post.body
    elif kind == Favorite.Kind.ENTITY:
        entity = Entity.objects.filter(pk=ref_id).first()
        if entity is None:
            return
        title, link, body = (
            f"{_name(member)} favorited {entity.display_name}",
            f"/@{entity.handle}",
            "",
        )
    else:
        return  # events, horses and listings tell their owners once those areas send notices
    recipient = _active(owner_id)
    if recipient is None:
        return
    notify(
        recipient=recipient,
        kind="social.favorite",
        title=title,
        body=_excerpt(body),
        link=link,
        actor=member,
        target_type=kind,
        target_id=str(ref_id),
        dedupe_key=f"favorite:{member.pk}:{ref_id}",
        group_key=f"favorite:{kind}:{ref_id}",
    )


def repost_created(*, repost: Post, original: Post, actor: User) -> None:
    """The original's author hears that it was reposted."""
    recipient = _active(original.author_id)
    if recipient is None:
        return
    notify(
        recipient=recipient,
        kind="social.repost",
        title=_("%(voice)s reposted your post") % {"voice": _voice(repost, actor)},
        body=_excerpt(repost.body or original.body),
        link=_post_url(repost.pk),
        actor=actor,
        target_type="post",
        target_id=str(original.pk),
        dedupe_key=f"repost:{actor.pk}:{original.pk}",
        group_key=f"repost:post:{original.pk}",
    )


def mentions_published(*, post: Post) -> None:
    """Each member (or entity owner) mentioned in a published post that they can see hears once
    per post — an edit that adds a mention tells only the newcomer."""
    from yalls.social.selectors.visibility import can_see_post

    if post.state != Post.State.PUBLISHED or post.deleted_at is not None:
        return
    author = post.author
    mentions = list(PostMention.objects.filter(post=post))
    if not mentions:
        return
    entities = {
        e.pk: e
        for e in Entity.objects.filter(
            pk__in=[m.ref_id for m in mentions if m.kind != "member"], archived_at__isnull=True
        )
    }
    for mention in mentions:
        if mention.kind == "member":
            recipient, what = _active(mention.ref_id), "you"
        else:
            entity = entities.get(mention.ref_id)
            if entity is None:
                continue
            recipient, what = _active(entity.owner_id), entity.display_name
        if recipient is None or not can_see_post(recipient, post):
            continue
        notify(
            recipient=recipient,
            kind="social.mention",
            title=_("%(voice)s mentioned %(what)s") % {"voice": _voice(post, author), "what": what},
            body=_excerpt(post.body),
            link=_post_url(post.pk),
            actor=author,
            target_type="post",
            target_id=str(post.pk),
            dedupe_key=f"mention:{post.pk}:{mention.ref_id}",
        )


def _managers(entity_id) -> list[User]:
    ids = EntityMember.objects.filter(entity_id=entity_id, role__in=MANAGING_ROLES).values_list(
        "member_id", flat=True
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


def approvals_requested(*, targets: Iterable[PostTarget], author: User) -> None:
    """A post asks to appear on entities the author doesn't run: their owners and managers hear."""
    for target in targets:
        if target.status != PostTarget.Status.PENDING:
            continue
        entity = target.entity
        post = target.post
        for manager in _managers(entity.pk):
            notify(
                recipient=manager,
                kind="social.approval_requested",
                title=_("%(voice)s asked to post on %(display_name)s")
                % {"voice": _voice(post, author), "display_name": entity.display_name},
                body=_excerpt(post.body),
                link=f"/entities/{entity.handle}/approvals",
                actor=author,
                target_type="post_target",
                target_id=str(target.pk),
                dedupe_key=f"approval_requested:{target.pk}",
            )


def approval_decided(*, target: PostTarget, actor: User) -> None:
    """The post's author hears whether an entity took their cross-post."""
    recipient = _active(target.post.author_id)
    if recipient is None:
        return
    verdict = "approved" if target.status == PostTarget.Status.APPROVED else "declined"
    notify(
        recipient=recipient,
        kind="social.approval_decided",
        title=_("%(display_name)s %(verdict)s your post")
        % {"display_name": target.entity.display_name, "verdict": verdict},
        body=_excerpt(target.post.body),
        link=_post_url(target.post_id),
        actor=actor,
        target_type="post_target",
        target_id=str(target.pk),
        dedupe_key=f"approval_decided:{target.pk}",
        payload={"decision": verdict, "entity": target.entity.handle},
    )
