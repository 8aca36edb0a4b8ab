"""Every write of posts: create (now, as a draft, or scheduled), edit with history, soft delete,
media, reposts, post targets with their approval, and auto-propagation along entity edges.

Rules (docs/social.md): a target on an entity the author owns or manages is approved at once, so
is one reached by an accepted `allow_crosspost` edge from such an entity; anything else waits in
that entity's approval queue. Once a target is approved, every accepted `auto_propagate` edge from
its entity adds a target on the edge's other end — breadth first, at most PROPAGATION_MAX_DEPTH
hops, never twice on one entity, never onto an entity whose owner and the author block each other.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from yalls.accounts.models import User
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.handles import handle_resolve
from yalls.core.images import ALLOWED_FORMATS, MAX_PIXELS
from yalls.entities.models import Edge, Entity, EntityMember
from yalls.social import errors
from yalls.social.models import (
    Block,
    Post,
    PostMedia,
    PostMention,
    PostRevision,
    PostTag,
    PostTarget,
)
from yalls.social.services import notices
from yalls.social.text import mentions_find, tags_find

log = logging.getLogger(__name__)

MAX_BODY = 5000
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_TARGETS = 20
MAX_ALT_TEXT = 300
FULL_IMAGE_SIZE = 2048  # originals are re-encoded (this bound, EXIF dropped) — no GPS leaks
THUMBNAIL_SIZE = 640
PROPAGATION_MAX_DEPTH = 3
SCHEDULE_MIN_AHEAD = timedelta(minutes=1)
SCHEDULE_MAX_AHEAD = timedelta(days=365)

POSTING_ROLES = frozenset(
    {EntityMember.Role.OWNER, EntityMember.Role.MANAGER, EntityMember.Role.EDITOR}
)
MANAGING_ROLES = frozenset({EntityMember.Role.OWNER, EntityMember.Role.MANAGER})


# --- Small shared checks --------------------------------------------------------------------------


def member_roles(member: User) -> dict[UUID, str]:
    """{entity id: my role} for every live entity I belong to."""
    rows = EntityMember.objects.filter(member=member, entity__archived_at__isnull=True)
    return dict(rows.values_list("entity_id", "role"))


def crosspost_enabled(member: User | None) -> bool:
    """The composer_crosspost flag (a kill switch: off hides the picker and refuses target lists)."""
    from yalls.core.flags import flag_enabled

    return flag_enabled("composer_crosspost", member)


def _entity_by_handle(handle: str, *, code: str, field: str) -> Entity:
    handle = (handle or "").strip().lstrip("@")
    entity = (
        Entity.objects.select_related("owner")
        .filter(handle__iexact=handle, archived_at__isnull=True)
        .first()
        if handle
        else None
    )
    if entity is None:
        raise DomainError(
            code, _("No entity has the handle @%(handle)s.") % {"handle": handle}, field=field
        )
    return entity


def uuid_or_none(value) -> UUID | None:
    try:
        return UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


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


def _as_entity_clean(author: User, as_entity: str | Entity | None, roles: dict) -> Entity | None:
    if as_entity in (None, ""):
        return None
    entity = (
        as_entity
        if isinstance(as_entity, Entity)
        else _entity_by_handle(as_entity, code=errors.POST_ENTITY_UNKNOWN, field="as_entity")
    )
    if roles.get(entity.id) not in POSTING_ROLES:
        raise Forbidden(
            errors.POST_NOT_ALLOWED_AS_ENTITY,
            _("You can post as @%(handle)s only if you own, manage or edit it.")
            % {"handle": entity.handle},
            field="as_entity",
        )
    return entity


def blocked_owner_ids(author_id, owner_ids: Iterable) -> set:
    """Which of these members and the author block each other (either direction).

    Read in the system context: a block row is visible only to its two parties under RLS, and the
    member acting here may be a third one (a manager approving a target whose propagation must
    still respect the author's blocks). Only the yes/no answer leaves this function."""
    from yalls.core.db_context import system_context

    owner_ids = {oid for oid in owner_ids if oid != author_id}
    if not owner_ids:
        return set()
    with system_context():
        rows = Block.objects.filter(
            Q(blocker_id=author_id, blocked_id__in=owner_ids)
            | Q(blocked_id=author_id, blocker_id__in=owner_ids)
        ).values_list("blocker_id", "blocked_id")
        return {b if a == author_id else a for a, b in rows}


# --- Targets: who may post where, and what propagates --------------------------------------------


@dataclass
class TargetPlan:
    """A target the post will get: where, with which status and why."""

    entity: Entity
    status: str
    reason: str
    via_edge: Edge | None = None


def targets_plan(
    *, author: User, as_entity: Entity | None, handles: Sequence[str], roles: dict
) -> list[TargetPlan]:
    """Resolve and classify the requested targets (the as-entity first). Raises on an unknown
    handle or an entity the author may not reach (blocks)."""
    seen: set[UUID] = set()
    entities: list[Entity] = []
    if as_entity is not None:
        entities.append(as_entity)
        seen.add(as_entity.id)
    cleaned = [h.strip().lstrip("@") for h in handles if h and h.strip().lstrip("@")]
    if len(set(h.lower() for h in cleaned)) > MAX_TARGETS:
        raise DomainError(
            errors.POST_TOO_MANY_TARGETS,
            _("Cross-post to at most %(max_targets)s entities.") % {"max_targets": MAX_TARGETS},
            field="targets",
        )
    for handle in cleaned:
        entity = _entity_by_handle(handle, code=errors.TARGET_UNKNOWN, field="targets")
        if entity.id not in seen:
            seen.add(entity.id)
            entities.append(entity)
    blocked = blocked_owner_ids(author.pk, {e.owner_id for e in entities})
    managed = {eid for eid, role in roles.items() if role in MANAGING_ROLES}
    sources = managed | ({as_entity.id} if as_entity is not None else set())
    plans = []
    for entity in entities:
        if entity.owner_id in blocked:
            raise Forbidden(
                errors.TARGET_NOT_ALLOWED,
                _("You can't post to @%(handle)s.") % {"handle": entity.handle},
                field="targets",
            )
        if as_entity is not None and entity.id == as_entity.id:
            plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "author_entity"))
        elif entity.id in managed:
            plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "managed"))
        else:
            edge = (
                Edge.objects.filter(
                    status=Edge.Status.ACCEPTED,
                    allow_crosspost=True,
                    target=entity,
                    source_id__in=sources,
                )
                .order_by("created_at", "id")
                .first()
            )
            if edge is not None:
                plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "edge_crosspost", edge))
            else:
                plans.append(TargetPlan(entity, PostTarget.Status.PENDING, "requested"))
    return plans


@dataclass
class Hop:
    """One auto-propagation step: `edge` carries the post from `from_entity_id` to `entity`."""

    entity: Entity
    edge: Edge
    from_entity_id: UUID
    depth: int


def propagation_walk(
    *,
    author_id,
    seeds: Iterable[tuple[UUID, int]],
    taken: Iterable[UUID],
    max_depth: int = PROPAGATION_MAX_DEPTH,
) -> list[Hop]:
    """Breadth-first over accepted `auto_propagate` edges from the seeds (entity id, depth of its
    target). `taken` are entities the post already has a target on. Terminates on any graph:
    each entity is entered at most once and depth is bounded. One query per level plus one for
    blocks; used both to write targets and, as a dry run, for the composer's hint."""
    taken = set(taken)
    frontier = [(eid, depth) for eid, depth in seeds if depth < max_depth]
    hops: list[Hop] = []
    while frontier:
        depth_of = {eid: depth for eid, depth in frontier}
        edges = list(
            Edge.objects.filter(
                source_id__in=depth_of.keys(),
                status=Edge.Status.ACCEPTED,
                auto_propagate=True,
                target__archived_at__isnull=True,
            )
            .exclude(target_id__in=taken)
            .select_related("target", "target__kind")
            .order_by("created_at", "id")
        )
        blocked = blocked_owner_ids(author_id, {e.target.owner_id for e in edges})
        next_frontier = []
        for edge in edges:
            if edge.target_id in taken or edge.target.owner_id in blocked:
                continue
            taken.add(edge.target_id)
            depth = depth_of[edge.source_id] + 1
            hops.append(Hop(edge.target, edge, edge.source_id, depth))
            if depth < max_depth:
                next_frontier.append((edge.target_id, depth))
        frontier = next_frontier
    return hops


def _propagate(post: Post, approved: Sequence[PostTarget]) -> list[PostTarget]:
    """Write the auto-propagated targets that follow from newly approved ones."""
    if not approved:
        return []
    taken = set(PostTarget.objects.filter(post=post).values_list("entity_id", flat=True))
    hops = propagation_walk(
        author_id=post.author_id, seeds=[(t.entity_id, t.depth) for t in approved], taken=taken
    )
    by_entity = {t.entity_id: t for t in approved}
    now = timezone.now()
    created = []
    for hop in hops:  # breadth-first: a hop's source target always exists before it
        target = PostTarget.objects.create(
            post=post,
            entity=hop.entity,
            status=PostTarget.Status.APPROVED,
            reason=f"auto_propagated:{hop.edge.type}",
            via_edge=hop.edge,
            source_target=by_entity[hop.from_entity_id],
            depth=hop.depth,
            decided_at=now,
        )
        by_entity[hop.entity.id] = target
        created.append(target)
    return created


def propagation_preview(
    *, author: User, as_entity: str | None, targets: Sequence[str] = ()
) -> dict:
    """The composer's dry run: which targets would be approved or wait, and which entities the post
    would then auto-propagate to (the same walk that writes them). Never writes."""
    roles = member_roles(author)
    entity = _as_entity_clean(author, as_entity, roles)
    plans = targets_plan(author=author, as_entity=entity, handles=targets, roles=roles)
    approved = [p.entity.id for p in plans if p.status == PostTarget.Status.APPROVED]
    hops = propagation_walk(
        author_id=author.pk,
        seeds=[(eid, 0) for eid in approved],
        taken={p.entity.id for p in plans},
    )
    return {"targets": plans, "propagates_to": hops}


def _targets_write(post: Post, plans: Sequence[TargetPlan], *, actor: User) -> list[PostTarget]:
    now = timezone.now()
    rows = []
    for plan in plans:
        approved = plan.status == PostTarget.Status.APPROVED
        rows.append(
            PostTarget.objects.create(
                post=post,
                entity=plan.entity,
                status=plan.status,
                reason=plan.reason,
                via_edge=plan.via_edge,
                decided_by=actor if approved else None,
                decided_at=now if approved else None,
            )
        )
    _propagate(post, [r for r in rows if r.status == PostTarget.Status.APPROVED])
    return rows


# --- Media ----------------------------------------------------------------------------------------


@dataclass
class PreparedImage:
    full: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    alt_text: str


def _image_prepare(upload, *, alt_text: str = "") -> PreparedImage:
    """Check by decoding (not by name or declared type), then re-encode: a bounded WebP original
    without metadata and a THUMBNAIL_SIZE WebP thumbnail."""
    name = getattr(upload, "name", "image")
    if upload.size > MAX_IMAGE_BYTES:
        raise DomainError(
            "image.too_large",
            _("%(name)s: images are at most %(megabytes)s MB.")
            % {"name": name, "megabytes": MAX_IMAGE_BYTES // (1024 * 1024)},
            field="images",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise DomainError(
                    "image.unsupported_type",
                    _("%(name)s: use JPEG, PNG, WebP or GIF.") % {"name": name},
                    field="images",
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(
                    "image.too_large",
                    _("%(name)s has too many pixels.") % {"name": name},
                    field="images",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((FULL_IMAGE_SIZE, FULL_IMAGE_SIZE), Image.Resampling.LANCZOS)
            full = BytesIO()
            image.save(full, format="WEBP", quality=85)
            width, height = image.size
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
            thumb = BytesIO()
            image.save(thumb, format="WEBP", quality=80)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(
            "image.invalid",
            _("%(name)s is not an image we can read.") % {"name": name},
            field="images",
        ) from exc
    return PreparedImage(
        ContentFile(full.getvalue()),
        ContentFile(thumb.getvalue()),
        width,
        height,
        (alt_text or "").strip()[:MAX_ALT_TEXT],
    )


def video_kind(head: bytes) -> str | None:
    """'mp4' or 'webm' by magic bytes (an ISO BMFF `ftyp` box, or the EBML header), else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def _video_check(upload) -> str:
    if upload.size > MAX_VIDEO_BYTES:
        raise DomainError(
            errors.POST_VIDEO_TOO_LARGE,
            _("A video is at most %(megabytes)s MB.")
            % {"megabytes": MAX_VIDEO_BYTES // (1024 * 1024)},
            field="video",
        )
    upload.seek(0)
    kind = video_kind(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise DomainError(errors.POST_VIDEO_INVALID, _("Use an MP4 or WebM video."), field="video")
    return kind


def _media_prepare(
    post: Post | None, images: Sequence, image_alts: Sequence[str], video
) -> tuple[list, tuple | None]:
    existing_images = existing_videos = 0
    if post is not None:
        existing_images = post.media.filter(kind=PostMedia.Kind.IMAGE).count()
        existing_videos = post.media.filter(kind=PostMedia.Kind.VIDEO).count()
    images = [i for i in images if i]
    if existing_images + len(images) > MAX_IMAGES:
        raise DomainError(
            errors.POST_TOO_MANY_IMAGES,
            _("A post has at most %(max_images)s images.") % {"max_images": MAX_IMAGES},
            field="images",
        )
    if video is not None and existing_videos:
        raise DomainError(
            errors.POST_TOO_MANY_VIDEOS, _("A post has at most one video."), field="video"
        )
    alts = list(image_alts) + [""] * len(images)
    # Multipart form fields aren't checked by the API's JSON schemas: refuse NUL (which PostgreSQL
    # text can't store) here, before any image is decoded or file written.
    if any("\x00" in (alt or "") for alt in alts):
        raise DomainError(
            errors.POST_ALT_TEXT_INVALID,
            _("Alt text can't contain NUL characters."),
            field="alt_texts",
        )
    prepared = [_image_prepare(upload, alt_text=alts[i]) for i, upload in enumerate(images)]
    return prepared, ((video, _video_check(video)) if video is not None else None)


def _media_write(post: Post, prepared: Sequence[PreparedImage], video) -> None:
    """Files are written last, once every check has passed."""
    position = post.media.count()
    for image in prepared:
        media = PostMedia(
            post=post, kind=PostMedia.Kind.IMAGE, width=image.width, height=image.height,
            alt_text=image.alt_text, position=position,
        )  # fmt: skip
        media.file.save("image.webp", image.full, save=False)
        media.thumbnail.save("thumb.webp", image.thumbnail, save=False)
        media.save()
        position += 1
    if video is not None:
        upload, kind = video
        media = PostMedia(post=post, kind=PostMedia.Kind.VIDEO, position=position)
        media.file.save(f"video.{kind}", upload, save=False)
        media.save()


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


def publish_at_clean(value: datetime | None, *, member: User) -> datetime | None:
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
    now = timezone.now()
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
) -> Post:
    """Publish a post now, or schedule it (`publish_at`; naive = the author's timezone). With
    `draft`, that draft row becomes the post (keeping its media). Everything is checked before
    anything is written; media files are written last."""
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
    roles = member_roles(author)
    entity = _as_entity_clean(author, as_entity, roles)
    targets = [t for t in targets if t and t.strip()]
    if targets and not crosspost_enabled(author):
        raise DomainError(
            errors.POST_CROSSPOST_DISABLED,
            _("Cross-posting is switched off right now."),
            field="targets",
        )
    plans = targets_plan(author=author, as_entity=entity, handles=targets, roles=roles)
    when = publish_at_clean(publish_at, member=author)
    prepared, video_ready = _media_prepare(draft, images, image_alts, video)
    has_media = (
        bool(prepared) or video_ready is not None or (draft is not None and draft.media.exists())
    )
    if not body and not has_media:
        raise DomainError(
            errors.POST_EMPTY, _("Write something or add a photo or video."), field="body"
        )

    now = timezone.now()
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
    targets = _targets_write(post, plans, actor=author)
    _media_write(post, prepared, video_ready)
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
            entity = _as_entity_clean(author, as_entity, member_roles(author))
        except DomainError:
            entity = None
    draft = None
    if uuid_or_none(draft_id) is not None:
        draft = (
            Post.objects.select_for_update()
            .filter(
                pk=uuid_or_none(draft_id),
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


@transaction.atomic
def post_media_add(
    *, actor: User, post: Post, images: Sequence = (), image_alts: Sequence[str] = (), video=None
) -> Post:
    """Attach media to a draft or a scheduled post (published posts keep what they went out with)."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.author_id != actor.pk or post.deleted_at is not None:
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    if post.state == Post.State.PUBLISHED:
        raise Conflict(errors.POST_NOT_DRAFT, _("Add photos and video before a post is published."))
    prepared, video_ready = _media_prepare(post, images, image_alts, video)
    if not prepared and video_ready is None:
        raise DomainError(
            errors.POST_EMPTY, _("Attach at least one image or a video."), field="images"
        )
    _media_write(post, prepared, video_ready)
    return post


def _require_author(actor: User, post: Post, *, allow_entity_managers: bool = False) -> None:
    if post.author_id == actor.pk:
        return
    if allow_entity_managers and post.as_entity_id:
        role = (
            EntityMember.objects.filter(entity_id=post.as_entity_id, member=actor)
            .values_list("role", flat=True)
            .first()
        )
        if role in MANAGING_ROLES:
            return
    raise Forbidden(errors.POST_NOT_AUTHOR, _("Only the author can do that."))


@transaction.atomic
def post_update(
    *, actor: User, post: Post, body: str | None = None, visibility: str | None = None
) -> Post:
    """Edit body and/or visibility. A published post keeps its previous body as a revision."""
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
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_author(actor, post, allow_entity_managers=True)
    if post.deleted_at is not None:
        return post
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at", "updated_at"])
    audit_record(actor=actor, action="post.deleted", target_type="post", target_id=post.pk)
    return post


@transaction.atomic
def post_schedule(
    *, actor: User, post: Post, publish_at: datetime, targets: Sequence[str] = ()
) -> Post:
    """Schedule a draft."""
    return post_create(
        author=actor, body=post.body, visibility=post.visibility,
        as_entity=post.as_entity, targets=targets, publish_at=publish_at, draft=post,
    )  # fmt: skip


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
    roles = member_roles(actor)
    entity = _as_entity_clean(actor, as_entity, roles)
    targets = [t for t in targets if t and t.strip()]
    if targets and not crosspost_enabled(actor):
        raise DomainError(
            errors.POST_CROSSPOST_DISABLED,
            _("Cross-posting is switched off right now."),
            field="targets",
        )
    plans = targets_plan(author=actor, as_entity=entity, handles=targets, roles=roles)
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
    targets = _targets_write(repost, plans, actor=actor)
    audit_record(
        actor=actor, action="post.reposted", target_type="post", target_id=repost.pk,
        metadata={"original": str(original.pk), "reposted_from": str(post.pk)},
    )  # fmt: skip
    notices.repost_created(repost=repost, original=original, actor=actor)
    notices.approvals_requested(targets=targets, author=actor)
    notices.mentions_published(post=repost)
    return repost, True


# --- Approvals ------------------------------------------------------------------------------------


def require_manager(actor: User, entity: Entity) -> None:
    role = (
        EntityMember.objects.filter(entity=entity, member=actor)
        .values_list("role", flat=True)
        .first()
    )
    if role not in MANAGING_ROLES:
        raise Forbidden(
            errors.TARGET_NOT_MANAGER,
            _("Only the owners and managers of @%(handle)s decide what appears on it.")
            % {"handle": entity.handle},
        )


@transaction.atomic
def target_decide(
    *, actor: User, entity: Entity, target_id: UUID | str, approve: bool
) -> PostTarget:
    """Approve or reject a pending target on the entity. Approval auto-propagates."""
    require_manager(actor, entity)
    target = None
    if uuid_or_none(target_id) is not None:
        target = (
            PostTarget.objects.select_for_update(of=("self",))
            .select_related("post", "entity")
            .filter(pk=uuid_or_none(target_id), entity=entity)
            .first()
        )
    if target is None or target.post.deleted_at is not None:
        raise NotFound(errors.TARGET_NOT_FOUND, _("No such request on this entity."))
    if target.status != PostTarget.Status.PENDING:
        raise Conflict(
            errors.TARGET_ALREADY_DECIDED,
            _("This request was already approved.")
            if target.status == PostTarget.Status.APPROVED
            else _("This request was already rejected."),
        )
    target.status = PostTarget.Status.APPROVED if approve else PostTarget.Status.REJECTED
    target.decided_by, target.decided_at = actor, timezone.now()
    target.save(update_fields=["status", "decided_by", "decided_at"])
    propagated = _propagate(target.post, [target]) if approve else []
    audit_record(
        actor=actor,
        action="target.approved" if approve else "target.rejected",
        target_type="post_target",
        target_id=target.pk,
        metadata={
            "post": str(target.post_id),
            "entity": entity.handle,
            "propagated": [str(t.entity_id) for t in propagated],
        },
    )
    notices.approval_decided(target=target, actor=actor)
    return target
