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
from yalls.core.i18n import in_language_of
from yalls.entities import selectors as entity_selectors
from yalls.entities.models import Entity, EntityMember
from yalls.notifications.services import notify
from yalls.social.models import Favorite, Follow, Post, PostMention, PostTarget

EXCERPT = 140
MANAGING_ROLES = entity_selectors.MANAGING_ROLES


def _language_of(recipient: User):
    """Notification texts are stored as sent, so they are written in the recipient's language,
    not in the language of whoever caused them."""
    return in_language_of(recipient)


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
    entity = None
    if follow.target_kind == Follow.TargetKind.MEMBER:
        recipient = _active(follow.target_id)
    else:
        entity = Entity.objects.filter(pk=follow.target_id).first()
        recipient = _active(entity.owner_id) if entity is not None else None
    if recipient is None:
        return
    link = f"/@{follower.handle}"
    with _language_of(recipient):
        if entity is None:
            title = _("%(name)s followed you") % {"name": _name(follower)}
        else:
            title = _("%(name)s followed %(entity)s") % {
                "name": _name(follower),
                "entity": entity.display_name,
            }
        _follow_notify(follow, follower, recipient, title, link)


def _follow_notify(follow: Follow, follower: User, recipient: User, title: str, link: str) -> None:
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
        entity, link, body = None, _post_url(ref_id), post.body
    elif kind == Favorite.Kind.ENTITY:
        entity = Entity.objects.filter(pk=ref_id).first()
        if entity is None:
            return
        post, link, body = None, f"/@{entity.handle}", ""
    else:
        return  # events, horses and listings tell their owners once those areas send notices
    recipient = _active(owner_id)
    if recipient is None:
        return
    with _language_of(recipient):
        if post is not None and not post.as_entity_id:
            title = _("%(name)s favorited your post") % {"name": _name(member)}
        elif post is not None:
            title = _("%(name)s favorited %(entity)s's post") % {
                "name": _name(member),
                "entity": post.as_entity.display_name,
            }
        else:
            title = _("%(name)s favorited %(entity)s") % {
                "name": _name(member),
                "entity": entity.display_name,
            }
        _favorite_notify(member, kind, ref_id, recipient, title, body, link)


def _favorite_notify(member, kind, ref_id, recipient, title, body, link) -> None:
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
    with _language_of(recipient):
        _repost_notify(repost, original, actor, recipient)


def _repost_notify(repost: Post, original: Post, actor: User, recipient: User) -> None:
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
        entity = None
        if mention.kind == "member":
            recipient = _active(mention.ref_id)
        else:
            entity = entities.get(mention.ref_id)
            if entity is None:
                continue
            recipient = _active(entity.owner_id)
        if recipient is None or not can_see_post(recipient, post):
            continue
        with _language_of(recipient):
            _mention_notify(post, author, mention, recipient, entity)


def _mention_notify(post: Post, author: User, mention, recipient: User, entity) -> None:
    voice = _voice(post, author)
    if entity is None:
        title = _("%(voice)s mentioned you") % {"voice": voice}
    else:
        title = _("%(voice)s mentioned %(entity)s") % {
            "voice": voice,
            "entity": entity.display_name,
        }
    notify(
        recipient=recipient,
        kind="social.mention",
        title=title,
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
            with _language_of(manager):
                _approval_request_notify(target, post, author, entity, manager)


def _approval_request_notify(target, post, author, entity, manager) -> None:
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


def approval_decided(*, target: PostTarget, actor: User, reason: str = "") -> None:
    """The post's author hears whether an entity took their cross-post (and why not, when the
    manager gave a reason)."""
    recipient = _active(target.post.author_id)
    if recipient is None:
        return
    verdict = "approved" if target.status == PostTarget.Status.APPROVED else "declined"
    with _language_of(recipient):
        title = (
            _("%(entity)s approved your post")
            if verdict == "approved"
            else _("%(entity)s declined your post")
        ) % {"entity": target.entity.display_name}
        body = _excerpt(target.post.body)
        if reason:
            body = _("Reason: %(reason)s") % {"reason": reason} + "\n" + body
        _approval_decided_notify(target, actor, recipient, title, verdict, body)


def _approval_decided_notify(target, actor, recipient, title, verdict, body) -> None:
    notify(
        recipient=recipient,
        kind="social.approval_decided",
        title=title,
        body=body,
        link=_post_url(target.post_id),
        actor=actor,
        target_type="post_target",
        target_id=str(target.pk),
        dedupe_key=f"approval_decided:{target.pk}",
        payload={"decision": verdict, "entity": target.entity.handle},
    )
