"""/api/v1/posts and /api/v1/entities/{handle}/approvals: thin handlers over the posts services
and selectors (create, read, edit, delete, repost, media, drafts, scheduling, the composer's dry
run, lists with keyset cursors, and the approval queue)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from yalls.accounts.selectors import access_member_by_handle
from yalls.core.api import MEMBER_OR_ANONYMOUS, Cursor, Input, PageLimit
from yalls.core.errors import DomainError
from yalls.core.pagination import paginate
from yalls.entities.selectors import access_entity
from yalls.social import errors
from yalls.social.selectors import posts as selectors
from yalls.social.services import media as media_services
from yalls.social.services import posts as services
from yalls.social.services import targets as target_services
from yalls.social.text import body_render

router = Router(tags=["posts"])
approvals_router = Router(tags=["posts"])

Visibility = Literal["public", "followers", "members"]


class ActorOut(Schema):
    handle: str
    display_name: str


class MediaOut(Schema):
    id: UUID
    kind: str
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    alt_text: str


class TargetOut(Schema):
    id: UUID
    entity: str
    status: str
    reason: str
    depth: int
    via_edge: UUID | None


class PostOut(Schema):
    id: UUID
    url: str
    author: ActorOut
    as_entity: ActorOut | None
    body: str
    body_html: str
    visibility: str
    state: str
    publish_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    edited_at: datetime | None
    repost_of: UUID | None
    reposted_from: UUID | None
    original_removed: bool
    repost_count: int
    mentions: list[str]
    tags: list[str]
    media: list[MediaOut]


class PostDetailOut(PostOut):
    attribution: list[ActorOut] = Field(
        description="Who reposted from whom: this post first, the original last."
    )
    targets: list[TargetOut]


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class RevisionOut(Schema):
    body: str
    created_at: datetime


class PostIn(Input):
    body: str = Field(default="", max_length=20000)  # the service gives the precise 5,000 message
    as_entity: str | None = Field(default=None, max_length=31)
    visibility: Visibility = "public"
    targets: list[str] = Field(default_factory=list, max_length=50)
    publish_at: datetime | None = Field(
        default=None, description="Schedule: ISO 8601; without an offset, your timezone."
    )


class PostPatch(Input):
    body: str | None = Field(default=None, max_length=20000)
    visibility: Visibility | None = None


class DraftIn(Input):
    id: UUID | None = None
    body: str = Field(default="", max_length=20000)
    as_entity: str | None = Field(default=None, max_length=31)
    visibility: Visibility = "public"


class PublishIn(Input):
    targets: list[str] = Field(default_factory=list, max_length=50)
    publish_at: datetime | None = None


class RepostIn(Input):
    caption: str = Field(default="", max_length=20000)
    targets: list[str] = Field(default_factory=list, max_length=50)
    as_entity: str | None = Field(default=None, max_length=31)


class PreviewIn(Input):
    body: str = Field(default="", max_length=20000)
    as_entity: str | None = Field(default=None, max_length=31)
    targets: list[str] = Field(default_factory=list, max_length=50)


class PlannedTargetOut(Schema):
    entity: str
    display_name: str
    status: str
    reason: str


class PreviewOut(Schema):
    body_html: str
    characters: int
    targets: list[PlannedTargetOut]
    propagates_to: list[PlannedTargetOut]


class PickerEntityOut(Schema):
    handle: str
    display_name: str
    kind: str
    role: str | None
    crosspost_without_approval: bool


class ComposerOut(Schema):
    crosspost_enabled: bool
    mine: list[PickerEntityOut]
    suggested: list[PickerEntityOut]
    max_body: int
    max_images: int


class ApprovalOut(Schema):
    id: UUID
    status: str
    reason: str
    created_at: datetime
    post: PostOut


class ApprovalPage(Schema):
    items: list[ApprovalOut]
    next_cursor: str | None


def _actor(member, entity=None) -> dict:
    if entity is not None:
        return {"handle": entity.handle, "display_name": entity.display_name}
    return {"handle": member.handle, "display_name": member.display_name}


def _post_out(post) -> dict:
    mentions = {m.handle.lower(): m.handle for m in post.mentions.all()}
    return {
        "id": post.id,
        "url": f"/p/{post.id}",
        "author": _actor(post.author),
        "as_entity": _actor(None, post.as_entity) if post.as_entity_id else None,
        "body": post.body,
        "body_html": str(body_render(post.body, mentions=mentions)),
        "visibility": post.visibility,
        "state": post.state,
        "publish_at": post.publish_at,
        "published_at": post.published_at,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "repost_of": post.repost_of_id,
        "reposted_from": post.reposted_from_id,
        "original_removed": bool(getattr(post, "original_removed", False)),
        "repost_count": getattr(post, "repost_count", 0),
        "mentions": [m.handle for m in post.mentions.all()],
        "tags": [t.tag for t in post.tags.all()],
        "media": [
            {
                "id": m.id,
                "kind": m.kind,
                "url": m.file.url,
                "thumbnail_url": m.thumbnail.url if m.thumbnail else None,
                "width": m.width,
                "height": m.height,
                "alt_text": m.alt_text,
            }
            for m in post.media.all()
        ],
    }


def _detail_out(viewer, post) -> dict:
    selectors.cards_prepare(viewer, [post])
    out = _post_out(post)
    out["attribution"] = [_actor(p.author, p.as_entity) for p in selectors.attribution_chain(post)]
    out["targets"] = [
        {
            "id": t.id,
            "entity": t.entity.handle,
            "status": t.status,
            "reason": t.reason,
            "depth": t.depth,
            "via_edge": t.via_edge_id,
        }
        for t in selectors.post_targets_for(viewer, post)
    ]
    return out


def _fresh(viewer, post_id):
    return selectors.access_post(viewer, post_id)


def _viewer(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _planned(plan_or_hop, status=None, reason=None) -> dict:
    entity = plan_or_hop.entity
    return {
        "entity": entity.handle,
        "display_name": entity.display_name,
        "status": status or plan_or_hop.status,
        "reason": reason or plan_or_hop.reason,
    }


# --- /posts ---------------------------------------------------------------------------------------


@router.get(
    "",
    response=PostPage,
    auth=MEMBER_OR_ANONYMOUS,
    summary="Posts of a member or an entity (newest first)",
)
def post_list(
    request,
    member: str | None = None,
    entity: str | None = None,
    kind: Literal["posts", "reposts"] = "posts",
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
):
    viewer = _viewer(request)
    if bool(member) == bool(entity):
        raise DomainError(
            "request.bad", _("Give exactly one of `member` or `entity`."), field="member"
        )
    if entity:
        qs = selectors.posts_of_entity(viewer, access_entity(viewer, entity))
    else:
        owner = access_member_by_handle(member.lstrip("@"))
        qs = (selectors.reposts_of_member if kind == "reposts" else selectors.posts_of_member)(
            viewer, owner
        )
    page = paginate(qs, cursor=cursor, limit=limit)
    selectors.cards_prepare(viewer, page.items)
    return {"items": [_post_out(p) for p in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: PostDetailOut}, summary="Publish or schedule a post")
def post_create(request, payload: PostIn):
    post = services.post_create(
        author=request.auth, body=payload.body, as_entity=payload.as_entity,
        visibility=payload.visibility, targets=payload.targets, publish_at=payload.publish_at,
    )  # fmt: skip
    return Status(201, _detail_out(request.auth, _fresh(request.auth, post.pk)))


@router.get("/composer", response=ComposerOut, summary="What the composer offers me")
def composer(request):
    picker = selectors.composer_entities(request.auth)
    enabled = target_services.crosspost_enabled(request.auth)
    mine = [
        {
            "handle": e.handle,
            "display_name": e.display_name,
            "kind": e.kind_id,
            "role": role,
            "crosspost_without_approval": role in target_services.MANAGING_ROLES,
        }
        for e, role in picker["mine"]
    ]
    suggested = (
        [
            {
                "handle": s["entity"].handle,
                "display_name": s["entity"].display_name,
                "kind": s["entity"].kind_id,
                "role": None,
                "crosspost_without_approval": s["crosspost"],
            }
            for s in picker["suggested"]
        ]
        if enabled
        else []
    )
    return {
        "crosspost_enabled": enabled, "mine": mine, "suggested": suggested,
        "max_body": services.MAX_BODY, "max_images": media_services.MAX_IMAGES,
    }  # fmt: skip


@router.post(
    "/preview", response=PreviewOut, summary="Dry run: rendered body, targets, propagation"
)
def preview(request, payload: PreviewIn):
    if payload.targets and not target_services.crosspost_enabled(request.auth):
        raise DomainError(
            errors.POST_CROSSPOST_DISABLED,
            _("Cross-posting is switched off right now."),
            field="targets",
        )
    plan = target_services.propagation_preview(
        author=request.auth, as_entity=payload.as_entity, targets=payload.targets
    )
    return {
        "body_html": str(body_render(payload.body)),
        "characters": len(payload.body),
        "targets": [_planned(p) for p in plan["targets"]],
        "propagates_to": [
            _planned(h, status="approved", reason=f"auto_propagated:{h.edge.type}")
            for h in plan["propagates_to"]
        ],
    }


@router.get("/drafts", response=list[PostOut], summary="My drafts (latest first)")
def drafts(request):
    return [
        _post_out(p)
        for p in selectors.my_drafts(request.auth).prefetch_related("mentions", "tags", "media")
    ]


@router.put("/drafts", response=PostOut, summary="Save my draft (create, or update `id`)")
def draft_save(request, payload: DraftIn):
    draft = services.draft_save(
        author=request.auth, body=payload.body, as_entity=payload.as_entity,
        visibility=payload.visibility, draft_id=payload.id,
    )  # fmt: skip
    return _post_out(draft)


@router.get("/scheduled", response=list[PostOut], summary="My scheduled posts (soonest first)")
def scheduled(request):
    return [
        _post_out(p)
        for p in selectors.my_scheduled(request.auth).prefetch_related("mentions", "tags", "media")
    ]


@router.get("/{uuid:post_id}", response=PostDetailOut, auth=MEMBER_OR_ANONYMOUS, summary="A post")
def post_get(request, post_id: UUID):
    viewer = _viewer(request)
    return _detail_out(viewer, _fresh(viewer, post_id))


@router.patch("/{uuid:post_id}", response=PostDetailOut, summary="Edit a post (history kept)")
def post_edit(request, post_id: UUID, payload: PostPatch):
    post = selectors.access_own_post(request.auth, post_id)
    services.post_update(
        actor=request.auth, post=post, body=payload.body, visibility=payload.visibility
    )
    if post.state != "published":
        return _detail_out(request.auth, selectors.own_post_card(request.auth, post.pk))
    return _detail_out(request.auth, _fresh(request.auth, post.pk))


@router.delete("/{uuid:post_id}", response={204: None}, summary="Delete a post (soft)")
def post_delete(request, post_id: UUID):
    services.post_delete(actor=request.auth, post=selectors.access_post(request.auth, post_id))
    return Status(204, None)


@router.get(
    "/{uuid:post_id}/revisions",
    response=list[RevisionOut],
    summary="Earlier versions (author only)",
)
def revisions(request, post_id: UUID):
    return list(selectors.access_own_post(request.auth, post_id).revisions.all())


@router.post(
    "/{uuid:post_id}/repost", response={200: PostDetailOut, 201: PostDetailOut}, summary="Repost"
)
def repost(request, post_id: UUID, payload: RepostIn):
    post = selectors.access_post(request.auth, post_id)
    repost, created = services.repost_create(
        actor=request.auth, post=post, caption=payload.caption, targets=payload.targets,
        as_entity=payload.as_entity,
    )  # fmt: skip
    return Status(
        201 if created else 200, _detail_out(request.auth, _fresh(request.auth, repost.pk))
    )


@router.post(
    "/{uuid:post_id}/media",
    response=PostOut,
    summary="Attach images/video to a draft or scheduled post",
)
def media_add(
    request,
    post_id: UUID,
    images: File[list[UploadedFile]] = None,
    video: File[UploadedFile] = None,
    alt_texts: Form[list[str]] = None,
):
    post = selectors.access_own_post(request.auth, post_id)
    post = media_services.post_media_add(
        actor=request.auth, post=post, images=images or [], image_alts=alt_texts or [], video=video
    )
    return _post_out(selectors.own_post_card(request.auth, post.pk))


@router.post(
    "/{uuid:post_id}/publish", response=PostDetailOut, summary="Publish or schedule a draft"
)
def publish(request, post_id: UUID, payload: PublishIn):
    draft = selectors.access_own_post(request.auth, post_id)
    if draft.state != "draft":
        raise DomainError(
            errors.POST_NOT_DRAFT, _("Only a draft can be published this way."), status=409
        )
    post = services.post_create(
        author=request.auth, body=draft.body, visibility=draft.visibility, as_entity=draft.as_entity,
        targets=payload.targets, publish_at=payload.publish_at, draft=draft,
    )  # fmt: skip
    return _detail_out(request.auth, selectors.own_post_card(request.auth, post.pk))


# --- /entities/{handle}/approvals -----------------------------------------------------------------


def _approval_out(viewer, target) -> dict:
    selectors.cards_prepare(viewer, [target.post])
    return {
        "id": target.id, "status": target.status, "reason": target.reason,
        "created_at": target.created_at, "post": _post_out(target.post),
    }  # fmt: skip


@approvals_router.get(
    "/{handle}/approvals", response=ApprovalPage, summary="Posts waiting to appear on the entity"
)
def approvals(request, handle: str, cursor: Cursor | None = None, limit: PageLimit = 20):
    entity = access_entity(request.auth, handle)
    page = paginate(selectors.approval_queue(request.auth, entity), cursor=cursor, limit=limit)
    return {
        "items": [_approval_out(request.auth, t) for t in page.items],
        "next_cursor": page.next_cursor,
    }


def _decide(request, handle: str, target_id: UUID, approve: bool) -> dict:
    entity = access_entity(request.auth, handle)
    target = target_services.target_decide(
        actor=request.auth, entity=entity, target_id=target_id, approve=approve
    )
    return _approval_out(request.auth, target)


@approvals_router.post(
    "/{handle}/approvals/{uuid:target_id}/approve", response=ApprovalOut, summary="Approve"
)
def approve(request, handle: str, target_id: UUID):
    return _decide(request, handle, target_id, True)


@approvals_router.post(
    "/{handle}/approvals/{uuid:target_id}/reject", response=ApprovalOut, summary="Reject"
)
def reject(request, handle: str, target_id: UUID):
    return _decide(request, handle, target_id, False)
