"""Every write of posts: create (now, as a draft, or scheduled), edit with history, soft delete,
scheduled publishing and reposts. Targets and propagation live in `targets`, media in `media`.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.handles import handle_resolve
from yalls.core.identifiers import uuid_parse
from yalls.entities.models import Entity
from yalls.social import errors
from yalls.social.models import (
    Post,
    PostMention,
    PostRevision,
    PostTag,
)
from yalls.social.selectors.posts import post_deletable_by
from yalls.social.services import notices
from yalls.social.services import targets as target_services
from yalls.social.services.media import media_prepare, media_write
from yalls.social.text import mentions_find, tags_find

log = logging.getLogger(__name__)

MAX_BODY = 5000
SCHEDULE_MIN_AHEAD = timedelta(minutes=1)
SCHEDULE_MAX_AHEAD = timedelta(days=365)


# --- Small shared checks --------------------------------------------------------------------------


def _body_clean(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if "\x00" in body:
        raise DomainError(
            errors.POST_BODY_TOO_LONG, _("Text can't contain NUL characters."), field="body"
        )
    if len(body) > MAX_BODY:
        raise DomainError(
            errors.POST_BODY_TOO_LONG,
            _("A post is at most %(max_body)s characters (this one has %(count)s).")
            % {"max_body": format(MAX_BODY, ","), "count": format(len(body), ",")},
            field="body",
        )
    return body


def _visibility_clean(visibility: str | None) -> str:
    visibility = visibility or Post.Visibility.PUBLIC
    if visibility not in Post.Visibility.values:
        raise DomainError(
            errors.POST_VISIBILITY_INVALID,
            _("Visibility is public, followers or members."),
            field="visibility",
        )
    return visibility


# --- Mentions and tags ----------------------------------------------------------------------------


def _text_index(post: Post) -> None:
    """(Re)store the post's resolved @mentions and #tags from its body."""
    PostMention.objects.filter(post=post).delete()
    PostTag.objects.filter(post=post).delete()
    seen_refs = set()
    for handle in mentions_find(post.body):
        claim = handle_resolve(handle)
        if claim is None or claim.owner_id in seen_refs:
            continue
        seen_refs.add(claim.owner_id)
        PostMention.objects.create(
            post=post, handle=claim.handle, kind=claim.kind, ref_id=claim.owner_id
        )
    PostTag.objects.bulk_create([PostTag(post=post, tag=tag) for tag in tags_find(post.body)])


# --- Scheduling -----------------------------------------------------------------------------------


def publish_at_clean(
    value: datetime | None, *, member: User, now: datetime | None = None
) -> datetime | None:
    """A naive time is read in the member's timezone; the result is UTC, at least a minute and at
    most a year ahead."""
    if value is None:
        return None
    if timezone.is_naive(value):
        try:
            zone = zoneinfo.ZoneInfo(member.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        value = timezone.make_aware(value, zone)
    value = value.astimezone(zoneinfo.ZoneInfo("UTC"))
    now = now or timezone.now()
    if value < now + SCHEDULE_MIN_AHEAD:
        raise DomainError(
            errors.POST_PUBLISH_AT_INVALID,
            _("Pick a time at least a minute from now."),
            field="publish_at",
        )
    if value > now + SCHEDULE_MAX_AHEAD:
        raise DomainError(
            errors.POST_PUBLISH_AT_INVALID, _("Schedule at most a year ahead."), field="publish_at"
        )
    return value


# --- Posts ----------------------------------------------------------------------------------------


@transaction.atomic
def post_create(
    *,
    author: User,
    body: str = "",
    as_entity: str | Entity | None = None,
    visibility: str = Post.Visibility.PUBLIC,
    targets: Sequence[str] = (),
    images: Sequence = (),
    image_alts: Sequence[str] = (),
    video=None,
    publish_at: datetime | None = None,
    draft: Post | None = None,
    now: datetime | None = None,
) -> Post:
    """Publish a post now, or schedule it (`publish_at`; naive = the author's timezone). With
    `draft`, that draft row becomes the post (keeping its media). Everything is checked before
    anything is written; media files are written last."""
    now = now or timezone.now()
    if draft is not None:
        draft = (
            Post.objects.select_for_update()
            .filter(pk=draft.pk, author=author, state=Post.State.DRAFT, deleted_at__isnull=True)
            .first()
        )
        if draft is None:
            raise NotFound(errors.POST_NOT_FOUND, _("That draft doesn't exist (any more)."))
    body = _body_clean(body)
    visibility = _visibility_clean(visibility)
    entity, plans = target_services.post_targets_plan(
        author=author, as_entity=as_entity, handles=targets
    )
    when = publish_at_clean(publish_at, member=author, now=now)
    prepared, video_ready = media_prepare(draft, images, image_alts, video)
    has_media = (
        bool(prepared) or video_ready is not None or (draft is not None and draft.media.exists())
    )
    if not body and not has_media:
        raise DomainError(
            errors.POST_EMPTY, _("Write something or add a photo or video."), field="body"
        )

    post = draft or Post(author=author)
    post.body, post.visibility, post.as_entity = body, visibility, entity
    if when is not None:
        post.state, post.publish_at, post.published_at, post.created_at = (
            Post.State.SCHEDULED,
            when,
            None,
            now,
        )
    else:
        # created_at is when the post went public: a draft published today sorts as today's post.
        post.state, post.publish_at, post.published_at, post.created_at = (
            Post.State.PUBLISHED,
            None,
            now,
            now,
        )
    post.save()
    _text_index(post)
    targets = target_services.targets_write(post, plans, actor=author)
    media_write(post, prepared, video_ready)
    audit_record(
        actor=author,
        action="post.scheduled" if when else "post.created",
        target_type="post",
        target_id=post.pk,
        metadata={
            "as_entity": entity.handle if entity else None,
            "targets": [p.entity.handle for p in plans],
        },
    )
    notices.approvals_requested(targets=targets, author=author)
    notices.mentions_published(post=post)  # a scheduled post's mentions go out when it publishes
    link_preview_defer(post)
    return post


@transaction.atomic
def draft_save(
    *,
    author: User,
    body: str = "",
    as_entity: str | None = None,
    visibility: str = Post.Visibility.PUBLIC,
    draft_id: UUID | str | None = None,
) -> Post:
    """Upsert the member's draft (the composer autosaves every few seconds). Lenient on purpose:
    an entity the author can't post as is dropped rather than refused, so typing is never lost."""
    body = _body_clean(body)
    visibility = _visibility_clean(visibility)
    entity = None
    if as_entity:
        try:
            entity = target_services.as_entity_clean(
                author, as_entity, target_services.member_roles(author)
            )
        except DomainError:
            entity = None
    draft = None
    if uuid_parse(draft_id) is not None:
        draft = (
            Post.objects.select_for_update()
            .filter(
                pk=uuid_parse(draft_id),
                author=author,
                state=Post.State.DRAFT,
                deleted_at__isnull=True,
            )
            .first()
        )
    if draft is None:
        draft = Post(author=author, state=Post.State.DRAFT)
    draft.body, draft.visibility, draft.as_entity = body, visibility, entity
    draft.save()
    return draft


def _require_author(actor: User, post: Post, *, allow_entity_managers: bool = False) -> None:
    if post.author_id == actor.pk:
        return
    if allow_entity_managers and post_deletable_by(actor, post):
        return
    raise Forbidden(errors.POST_NOT_AUTHOR, _("Only the author can do that."))


@transaction.atomic
def post_update(
    *, actor: User, post: Post, body: str | None = None, visibility: str | None = None
) -> Post:
    """Edit body and/or visibility. A published post keeps its previous body as a revision."""
    # Checked before the lock too: under RLS, FOR UPDATE skips a row the member may not write, so
    # locking first would answer "does not exist" (a 500) instead of "not the author".
    _require_author(actor, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.deleted_at is not None:
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    _require_author(actor, post)
    changed = []
    if body is not None:
        body = _body_clean(body)
        if not body and not post.is_repost and not post.media.exists():
            raise DomainError(
                errors.POST_EMPTY, _("A post needs text, a photo or a video."), field="body"
            )
        if body != post.body:
            if post.state != Post.State.DRAFT:
                PostRevision.objects.create(post=post, body=post.body)
            post.body = body
            changed.append("body")
    if visibility is not None:
        visibility = _visibility_clean(visibility)
        if visibility != post.visibility:
            post.visibility = visibility
            changed.append("visibility")
    if not changed:
        return post
    if post.state != Post.State.DRAFT:
        post.edited_at = timezone.now()
    post.save()
    if "body" in changed:
        _text_index(post)
        notices.mentions_published(post=post)  # only newly mentioned people hear (dedupe)
        link_preview_defer(post)
    audit_record(
        actor=actor,
        action="post.edited",
        target_type="post",
        target_id=post.pk,
        metadata={"fields": changed},
    )
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """Soft delete: the row stays (reposts show "original removed"), nobody sees it any more. The
    author may delete; so may the owners and managers of the entity it was posted as."""
    _require_author(actor, post, allow_entity_managers=True)  # before the lock, as in post_update
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_author(actor, post, allow_entity_managers=True)
    if post.deleted_at is not None:
        return post
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at", "updated_at"])
    audit_record(actor=actor, action="post.deleted", target_type="post", target_id=post.pk)
    return post


def posts_publish_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Publish the scheduled posts whose time has come. Safe to run twice or concurrently: rows
    are claimed with SKIP LOCKED and flipped only while still `scheduled`."""
    now = now or timezone.now()
    published = 0
    with transaction.atomic():
        due = list(
            Post.objects.select_for_update(skip_locked=True)
            .filter(state=Post.State.SCHEDULED, publish_at__lte=now, deleted_at__isnull=True)
            .order_by("publish_at")[:limit]
        )
        for post in due:
            flipped = Post.objects.filter(pk=post.pk, state=Post.State.SCHEDULED).update(
                state=Post.State.PUBLISHED, published_at=post.publish_at, created_at=post.publish_at
            )
            if flipped:
                published += 1
                post.state = Post.State.PUBLISHED
                notices.mentions_published(post=post)
                link_preview_defer(post)
                audit_record(
                    actor=None, action="post.published", target_type="post", target_id=post.pk
                )
    return published


# --- Reposts --------------------------------------------------------------------------------------


@transaction.atomic
def repost_create(
    *,
    actor: User,
    post: Post,
    caption: str = "",
    targets: Sequence[str] = (),
    as_entity: str | None = None,
) -> tuple[Post, bool]:
    """Repost what you can see, with an optional caption and cross-post targets. Returns (repost,
    created): reposting the same original twice returns the existing repost."""
    from yalls.social.selectors.visibility import can_see_post

    if not can_see_post(actor, post) or post.state != Post.State.PUBLISHED:
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    original = Post.objects.get(pk=post.repost_of_id or post.pk)  # fresh: it may be gone since
    if original.deleted_at is not None:
        raise Conflict(errors.POST_REPOST_ORIGINAL_REMOVED, _("The original post was removed."))
    existing = Post.objects.filter(
        author=actor, repost_of=original, deleted_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    caption = _body_clean(caption)
    entity, plans = target_services.post_targets_plan(
        author=actor, as_entity=as_entity, handles=targets
    )
    now = timezone.now()
    repost = Post(
        author=actor, as_entity=entity, body=caption, repost_of=original, reposted_from=post,
        # A repost never widens who sees the original.
        visibility=original.visibility, state=Post.State.PUBLISHED, published_at=now, created_at=now,
    )  # fmt: skip
    try:
        with transaction.atomic():
            repost.save()
    except IntegrityError:  # a concurrent repost by the same member won
        existing = Post.objects.filter(
            author=actor, repost_of=original, deleted_at__isnull=True
        ).first()
        if existing is None:
            raise
        return existing, False
    _text_index(repost)
    targets = target_services.targets_write(repost, plans, actor=actor)
    audit_record(
        actor=actor, action="post.reposted", target_type="post", target_id=repost.pk,
        metadata={"original": str(original.pk), "reposted_from": str(post.pk)},
    )  # fmt: skip
    notices.repost_created(repost=repost, original=original, actor=actor)
    notices.approvals_requested(targets=targets, author=actor)
    notices.mentions_published(post=repost)
    return repost, True


# --- Link previews -------------------------------------------------------------------------------
# Imported here so this section stays a self-contained append.
from yalls.social.models import PostLinkPreview  # noqa: E402
from yalls.social.text import urls_find  # noqa: E402


def link_preview_defer(post: Post) -> None:
    """After a published post's body is saved: fetch the card of its first https address in a job
    (never in the request). Nothing to do for drafts, scheduled posts or posts without a link."""
    if post.state != Post.State.PUBLISHED or not _preview_url(post.body):
        return
    from yalls.social.tasks import post_link_preview_fetch

    post_link_preview_fetch.defer(post_id=str(post.pk))


def _preview_url(body: str) -> str:
    """The first https address in the body (the safe fetcher speaks https only)."""
    return next((u for u in urls_find(body) if u.lower().startswith("https://")), "")


def link_preview_fetch(*, post_id, fetch=None, now=None) -> PostLinkPreview | None:
    """Fetch and store the card of the post's first https address. Safe to run twice or after an
    edit: the row follows the current body (and goes when the link does)."""
    from yalls.accounts.safe_fetch import FetchError, safe_fetch
    from yalls.social.link_preview import page_preview

    fetch = fetch or safe_fetch
    post = Post.objects.filter(pk=uuid_parse(post_id), deleted_at__isnull=True).first()
    if post is None:
        return None
    url = _preview_url(post.body)
    if not url:
        PostLinkPreview.objects.filter(post=post).delete()
        return None
    preview = None
    try:
        result = fetch(url)
        if result.status == 200 and result.content_type in ("text/html", "application/xhtml+xml"):
            preview = page_preview(result.text())
    except FetchError as exc:
        log.info("link preview of %s failed: %s", url, exc.reason)
    fields = {
        "url": url,
        "status": PostLinkPreview.Status.READY if preview else PostLinkPreview.Status.FAILED,
        "title": preview.title if preview else "",
        "description": preview.description if preview else "",
        "site_name": preview.site_name if preview else "",
        "fetched_at": now or timezone.now(),
    }
    row, _created = PostLinkPreview.objects.update_or_create(post=post, defaults=fields)
    return row
