"""/api/v1 favorites, pins, follows, blocks, mutes and hides: thin handlers over the engagement
services and selectors. Every write accepts an Idempotency-Key (the middleware replays it);
favorite endpoints count against the `high` rate-limit profile."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yalls.core.api import Cursor, Flag, Input, PageLimit
from yalls.core.errors import NotFound
from yalls.core.ratelimit import rate_limit
from yalls.social import errors
from yalls.social.selectors import engagement as selectors
from yalls.social.selectors.relations import follower_count
from yalls.social.services import engagement as services

FavoriteKind = Literal["post", "entity", "event", "horse", "listing"]
PinKind = Literal["post", "event", "horse", "earning", "link", "achievement"]
TargetKind = Literal["member", "entity"]
HideKind = Literal["post", "listing", "event"]

favorites_router = Router(tags=["favorites"])
pins_router = Router(tags=["pins"])
follows_router = Router(tags=["follows"])
blocks_router = Router(tags=["blocks"])
mutes_router = Router(tags=["mutes"])
hides_router = Router(tags=["hides"])


# --- favorites ---------------------------------------------------------------------------------


class FavoriteToggleIn(Input):
    kind: FavoriteKind
    id: UUID
    favorited: Flag | None = Field(
        default=None, description="Set this state instead of flipping (safe to retry)."
    )


class FavoriteStateOut(Schema):
    kind: str
    id: UUID
    favorited: bool


class FavoriteCheckIn(Input):
    kind: FavoriteKind
    ids: list[str] = Field(max_length=services.CHECK_MAX_IDS)


class FavoriteOut(Schema):
    kind: str
    id: UUID
    title: str
    subtitle: str
    url: str
    favorited_at: datetime


class FavoritePage(Schema):
    items: list[FavoriteOut]
    next_cursor: str | None


@favorites_router.post("/toggle", response=FavoriteStateOut, summary="Favorite or un-favorite")
@rate_limit("high")
def favorite_toggle(request, payload: FavoriteToggleIn):
    state = services.favorite_toggle(
        member=request.auth, kind=payload.kind, ref_id=payload.id, favorited=payload.favorited
    )
    return {"kind": payload.kind, "id": payload.id, "favorited": state}


@favorites_router.post(
    "/check", response=dict[str, bool], summary="Which of up to 100 ids I favorited"
)
@rate_limit("high")
def favorite_check(request, payload: FavoriteCheckIn):
    return services.favorites_check(member=request.auth, kind=payload.kind, ids=payload.ids)


@favorites_router.get(
    "", response=FavoritePage, summary="Favorites of one kind, newest first (keyset cursor)"
)
@rate_limit("high")
def favorite_list(
    request,
    kind: FavoriteKind,
    member: str | None = None,
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
):
    owner = request.auth if member is None else selectors.member_by_ref(member)
    if owner is None:
        raise NotFound("member.not_found", _("No member has that handle."))
    items, next_cursor = selectors.favorites_page(
        request.auth, owner, kind=kind, cursor=cursor, limit=limit
    )
    return {
        "items": [
            {
                "kind": i.target.kind,
                "id": i.target.id,
                "title": i.target.title,
                "subtitle": i.target.subtitle,
                "url": i.target.url,
                "favorited_at": i.favorite.created_at,
            }
            for i in items
        ],
        "next_cursor": next_cursor,
    }


# --- pins --------------------------------------------------------------------------------------


class PinIn(Input):
    kind: PinKind
    position: int = Field(ge=1, le=services.MAX_PINS)
    title: str = Field(default="", max_length=services.PIN_TITLE_MAX)
    ref_id: UUID | None = None
    url: str = Field(default="", max_length=500)


class PinsIn(Input):
    # The document states the service's rules (at most 8 pins, positions 1-8), so the parser
    # refuses what the service would; the service keeps its own coded checks for other callers.
    pins: list[PinIn] = Field(max_length=services.MAX_PINS)


class PinOut(Schema):
    id: UUID
    kind: str
    position: int = Field(ge=1, le=services.MAX_PINS)
    title: str
    ref_id: UUID | None
    url: str


class PinsOut(Schema):
    pins: list[PinOut]


def _pins_out(pins) -> dict:
    return {"pins": list(pins)}


@pins_router.get("", response=PinsOut, summary="My pin board")
def pins_get(request):
    return _pins_out(p.pin for p in selectors.pins_board(request.auth, request.auth))


@pins_router.put(
    "", response=PinsOut, summary="Replace my whole pin board (transactional, idempotent)"
)
def pins_put(request, payload: PinsIn):
    return _pins_out(
        services.pins_set(member=request.auth, pins=[p.model_dump() for p in payload.pins])
    )


# --- follows -----------------------------------------------------------------------------------


class FollowIn(Input):
    target_kind: TargetKind
    target: str = Field(max_length=64, description="The member's or entity's id or handle")


class FollowStateOut(Schema):
    target_kind: str
    target_id: UUID
    following: bool
    follower_count: int


class FollowerOut(Schema):
    handle: str
    display_name: str
    followed_at: datetime


class FollowerPage(Schema):
    items: list[FollowerOut]
    next_cursor: str | None


class FollowingOut(Schema):
    target_kind: str
    target_id: UUID
    handle: str
    display_name: str
    followed_at: datetime


class FollowingPage(Schema):
    items: list[FollowingOut]
    next_cursor: str | None


def _target_or_404(target_kind: str, target: str):
    found = (
        selectors.member_by_ref(target)
        if target_kind == "member"
        else selectors.entity_by_ref(target)
    )
    if found is None:
        raise NotFound(
            errors.RELATION_TARGET_NOT_FOUND,
            _("No %(target_kind)s has that id or handle.") % {"target_kind": target_kind},
        )
    return found


@follows_router.post("", response={201: FollowStateOut}, summary="Follow a member or entity")
def follow_create(request, payload: FollowIn):
    follow = services.follow_create(
        member=request.auth, target_kind=payload.target_kind, target=payload.target
    )
    return Status(
        201,
        {
            "target_kind": follow.target_kind,
            "target_id": follow.target_id,
            "following": True,
            "follower_count": follower_count(follow.target_kind, follow.target_id),
        },
    )


@follows_router.delete("/{target_kind}/{target}", response={204: None}, summary="Unfollow")
def follow_remove(request, target_kind: TargetKind, target: str):
    services.follow_remove(member=request.auth, target_kind=target_kind, target=target)
    return Status(204, None)


@follows_router.get(
    "/followers", response=FollowerPage, summary="Who follows a member or entity (keyset cursor)"
)
def followers(
    request,
    target_kind: TargetKind,
    target: str,
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
):
    found = _target_or_404(target_kind, target)
    page = selectors.followers_page(
        request.auth, target_kind=target_kind, target_id=found.pk, cursor=cursor, limit=limit
    )
    return {
        "items": [
            {
                "handle": f.follower.handle,
                "display_name": f.follower.display_name,
                "followed_at": f.created_at,
            }
            for f in page.items
        ],
        "next_cursor": page.next_cursor,
    }


@follows_router.get(
    "/following", response=FollowingPage, summary="Whom a member follows (keyset cursor)"
)
def following(
    request, member: str | None = None, cursor: Cursor | None = None, limit: PageLimit = 20
):
    owner = request.auth if member is None else selectors.member_by_ref(member)
    if owner is None:
        raise NotFound("member.not_found", _("No member has that handle."))
    items, next_cursor = selectors.following_page(request.auth, owner, cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "target_kind": i.follow.target_kind,
                "target_id": i.follow.target_id,
                "handle": i.handle,
                "display_name": i.display_name,
                "followed_at": i.follow.created_at,
            }
            for i in items
        ],
        "next_cursor": next_cursor,
    }


# --- blocks ------------------------------------------------------------------------------------


class BlockIn(Input):
    member: str = Field(max_length=64, description="The member's id or handle")


class BlockOut(Schema):
    member_id: UUID
    handle: str
    display_name: str
    blocked_at: datetime


class BlockPage(Schema):
    items: list[BlockOut]
    next_cursor: str | None


def _block_out(block) -> dict:
    return {
        "member_id": block.blocked_id,
        "handle": block.blocked.handle,
        "display_name": block.blocked.display_name,
        "blocked_at": block.created_at,
    }


@blocks_router.post("", response={201: BlockOut}, summary="Block a member (both directions)")
def block_create(request, payload: BlockIn):
    block = services.block_create(member=request.auth, target=payload.member)
    return Status(201, _block_out(block))


@blocks_router.delete("/{member}", response={204: None}, summary="Unblock a member")
def block_remove(request, member: str):
    services.block_remove(member=request.auth, target=member)
    return Status(204, None)


@blocks_router.get("", response=BlockPage, summary="Members I blocked (keyset cursor)")
def block_list(request, cursor: Cursor | None = None, limit: PageLimit = 50):
    page = selectors.blocks_page(request.auth, cursor=cursor, limit=limit)
    return {"items": [_block_out(b) for b in page.items], "next_cursor": page.next_cursor}


# --- mutes -------------------------------------------------------------------------------------


class MuteOut(Schema):
    target_kind: str
    target_id: UUID
    handle: str
    display_name: str
    muted_at: datetime


class MutePage(Schema):
    items: list[MuteOut]
    next_cursor: str | None


@mutes_router.post("", response={201: MuteOut}, summary="Mute a member or entity (silently)")
def mute_create(request, payload: FollowIn):
    mute = services.mute_create(
        member=request.auth, target_kind=payload.target_kind, target=payload.target
    )
    found = _target_or_404(mute.target_kind, str(mute.target_id))
    return Status(
        201,
        {
            "target_kind": mute.target_kind,
            "target_id": mute.target_id,
            "handle": found.handle,
            "display_name": found.display_name,
            "muted_at": mute.created_at,
        },
    )


@mutes_router.delete("/{target_kind}/{target}", response={204: None}, summary="Unmute")
def mute_remove(request, target_kind: TargetKind, target: str):
    services.mute_remove(member=request.auth, target_kind=target_kind, target=target)
    return Status(204, None)


@mutes_router.get("", response=MutePage, summary="What I muted (keyset cursor)")
def mute_list(request, cursor: Cursor | None = None, limit: PageLimit = 50):
    items, next_cursor = selectors.mutes_page(request.auth, cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "target_kind": i.mute.target_kind,
                "target_id": i.mute.target_id,
                "handle": i.handle,
                "display_name": i.display_name,
                "muted_at": i.mute.created_at,
            }
            for i in items
        ],
        "next_cursor": next_cursor,
    }


# --- hides -------------------------------------------------------------------------------------


class HideIn(Input):
    kind: HideKind
    id: UUID


class HideOut(Schema):
    kind: str
    id: UUID
    title: str | None
    hidden_at: datetime


class HidePage(Schema):
    items: list[HideOut]
    next_cursor: str | None


@hides_router.post(
    "", response={201: HideOut}, summary="Hide a post, listing or event from my feeds"
)
def hide_create(request, payload: HideIn):
    hide = services.hide_create(member=request.auth, kind=payload.kind, ref_id=payload.id)
    target = selectors.target_for(request.auth, hide.kind, hide.ref_id)
    return Status(
        201,
        {
            "kind": hide.kind,
            "id": hide.ref_id,
            "title": target.title if target else None,
            "hidden_at": hide.created_at,
        },
    )


@hides_router.delete("/{kind}/{ref_id}", response={204: None}, summary="Unhide")
def hide_remove(request, kind: HideKind, ref_id: UUID):
    services.hide_remove(member=request.auth, kind=kind, ref_id=ref_id)
    return Status(204, None)


@hides_router.get("", response=HidePage, summary="What I hid (keyset cursor)")
def hide_list(request, cursor: Cursor | None = None, limit: PageLimit = 50):
    items, next_cursor = selectors.hides_page(request.auth, cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "kind": i.hide.kind,
                "id": i.hide.ref_id,
                "title": i.target.title if i.target else None,
                "hidden_at": i.hide.created_at,
            }
            for i in items
        ],
        "next_cursor": next_cursor,
    }


# Mounted once at the API root (src/yalls/api.py), so the shared file gets one line.
router = Router()
router.add_router("/favorites", favorites_router)
router.add_router("/me/pins", pins_router)
router.add_router("/follows", follows_router)
router.add_router("/blocks", blocks_router)
router.add_router("/mutes", mutes_router)
router.add_router("/hides", hides_router)
