"""Reads of favorites, pins, follows, blocks, mutes and hides — always as the acting member sees
them: things a viewer can't see (a followers-only post, an archived entity, anything of a member
on the other side of a block) are left out, never shown as a hole.

`target_for` / `targets_for` answer "what is this favorite/pin/hide about, and may this viewer see
it?" for every kind. Kinds whose area doesn't exist yet (events, listings) resolve to nothing
until that area registers a resolver with `register_target_kind`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse

from yalls.accounts.models import User
from yalls.core.identifiers import uuid_parse
from yalls.core.pagination import Page, paginate
from yalls.entities.models import Entity
from yalls.social.models import Block, Favorite, Follow, Hide, Mute, Pin, Post
from yalls.social.selectors.relations import blocked_ids
from yalls.social.selectors.visibility import visible_posts


@dataclass
class Target:
    kind: str
    id: UUID
    title: str
    url: str
    owner_id: UUID | None
    subtitle: str = ""
    extra: dict = field(default_factory=dict)


Resolver = Callable[[User | None, list[UUID]], dict[UUID, Target]]
_RESOLVERS: dict[str, Resolver] = {}


def register_target_kind(kind: str, resolver: Resolver) -> None:
    """Let a later area (events, commerce) make its things favoritable/hideable: `resolver(viewer,
    ids)` returns {id: Target} for the ids the viewer may see."""
    _RESOLVERS[kind] = resolver


def _viewer_id(viewer) -> UUID | None:
    return viewer.pk if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def _profile_url(handle: str) -> str:
    return reverse("profile", args=[handle])


def _post_url(post: Post) -> str:
    for name in ("post_detail", "post"):
        try:
            return reverse(name, args=[post.pk])
        except NoReverseMatch:
            continue
    return _profile_url(post.author.handle)


def visible_post_queryset(viewer, qs: QuerySet[Post]) -> QuerySet[Post]:
    """Posts of `qs` this viewer may see: the one visibility rule of the posts area. A favorite,
    pin or hide refers to a post; a post the viewer hid is still one they may refer to."""
    return visible_posts(viewer, qs, drop_hidden=False)


def _resolve_posts(viewer, ids: list[UUID]) -> dict[UUID, Target]:
    posts = visible_post_queryset(viewer, Post.objects.filter(pk__in=ids)).select_related(
        "author", "as_entity"
    )
    result = {}
    for post in posts:
        lines = (post.body or "").strip().splitlines()
        by = post.as_entity.display_name if post.as_entity_id else post.author.display_name
        result[post.pk] = Target(
            kind="post",
            id=post.pk,
            title=lines[0][:120] if lines else "Repost",
            url=_post_url(post),
            owner_id=post.author_id,
            subtitle=f"Post by {by}",
        )
    return result


def _resolve_entities(horses_only: bool) -> Resolver:
    def resolve(viewer, ids: list[UUID]) -> dict[UUID, Target]:
        qs = Entity.objects.filter(pk__in=ids, archived_at__isnull=True).select_related("kind")
        if horses_only:
            qs = qs.filter(kind__is_horse=True)
        return {
            entity.pk: Target(
                kind="horse" if horses_only else "entity",
                id=entity.pk,
                title=entity.display_name,
                url=_profile_url(entity.handle),
                owner_id=entity.owner_id,
                subtitle=f"{entity.kind.label} · @{entity.handle}",
                extra={"handle": entity.handle},
            )
            for entity in qs
        }

    return resolve


register_target_kind("post", _resolve_posts)
register_target_kind("entity", _resolve_entities(horses_only=False))
register_target_kind("horse", _resolve_entities(horses_only=True))


def targets_for(
    viewer, kind: str, ids: Iterable[UUID], *, include_blocked: bool = False
) -> dict[UUID, Target]:
    """{id: Target} for the ids the viewer may see. Things whose owner is on the other side of a
    block are left out unless `include_blocked` (a service that wants to say "blocked" rather
    than "not found")."""
    resolver = _RESOLVERS.get(kind)
    ids = [i for i in ids if i is not None]
    if resolver is None or not ids:
        return {}
    found = resolver(viewer, ids)
    if include_blocked:
        return found
    blocked = blocked_ids(_viewer_id(viewer))
    return {k: t for k, t in found.items() if t.owner_id not in blocked}


def target_for(viewer, kind: str, ref_id: UUID, *, include_blocked: bool = False) -> Target | None:
    return targets_for(viewer, kind, [ref_id], include_blocked=include_blocked).get(ref_id)


def member_by_ref(ref) -> User | None:
    """An active member by id or @handle."""
    if isinstance(ref, User):
        return ref if ref.is_active else None
    ref = str(ref or "").strip().lstrip("@")
    if not ref:
        return None
    if (pk := uuid_parse(ref)) is not None:
        return User.objects.filter(pk=pk, is_active=True).first()
    return User.objects.annotate(ci=Lower("handle")).filter(ci=ref.lower(), is_active=True).first()


def entity_by_ref(ref, *, include_archived: bool = False) -> Entity | None:
    """An entity by id or @handle (archived ones only when asked: you can still unfollow)."""
    if isinstance(ref, Entity):
        return ref
    ref = str(ref or "").strip().lstrip("@")
    if not ref:
        return None
    qs = (
        Entity.objects.all()
        if include_archived
        else Entity.objects.filter(archived_at__isnull=True)
    )
    if (pk := uuid_parse(ref)) is not None:
        return qs.filter(pk=pk).first()
    return qs.annotate(ci=Lower("handle")).filter(ci=ref.lower()).first()


# --- favorites ---------------------------------------------------------------------------------


@dataclass
class FavoriteItem:
    favorite: Favorite
    target: Target


def favorites_page(
    viewer, owner: User, *, kind: str, cursor: str | None = None, limit: int | None = 20
) -> tuple[list[FavoriteItem], str | None]:
    """One page of `owner`'s favorites of one kind, newest first, as `viewer` may see them.
    Favorites of things the viewer can't see are dropped from the page (the cursor still moves
    on, so a page can be short but never repeats)."""
    viewer_id = _viewer_id(viewer)
    if viewer_id and viewer_id != owner.pk and owner.pk in blocked_ids(viewer_id):
        return [], None
    page: Page = paginate(
        Favorite.objects.filter(member=owner, kind=kind), cursor=cursor, limit=limit
    )
    targets = targets_for(viewer, kind, [f.ref_id for f in page.items])
    items = [FavoriteItem(f, targets[f.ref_id]) for f in page.items if f.ref_id in targets]
    return items, page.next_cursor


def favorite_state(member, kind: str, ref_id) -> bool:
    if _viewer_id(member) is None:
        return False
    # The htmx button asks this after a refused toggle, with whatever id the form carried.
    ref_id = uuid_parse(ref_id)
    if ref_id is None:
        return False
    return Favorite.objects.filter(member=member, kind=kind, ref_id=ref_id).exists()


# --- pins --------------------------------------------------------------------------------------


@dataclass
class BoardPin:
    pin: Pin
    url: str
    subtitle: str
    available: bool


def pins_board(viewer, owner: User) -> list[BoardPin]:
    """The owner's board as the viewer sees it. A pinned post the viewer can't see is left out
    for visitors; the owner sees it marked unavailable (so they can unpin it)."""
    pins = list(Pin.objects.filter(member=owner).order_by("position"))
    is_owner = _viewer_id(viewer) == owner.pk
    posts = targets_for(viewer, "post", [p.ref_id for p in pins if p.kind == Pin.Kind.POST])
    horses = targets_for(viewer, "horse", [p.ref_id for p in pins if p.kind == Pin.Kind.HORSE])
    board = []
    for pin in pins:
        if pin.kind in (Pin.Kind.POST, Pin.Kind.HORSE):
            target = (posts if pin.kind == Pin.Kind.POST else horses).get(pin.ref_id)
            if target is None and not is_owner:
                continue
            board.append(
                BoardPin(
                    pin,
                    target.url if target else "",
                    target.subtitle if target else "",
                    target is not None,
                )
            )
        else:
            board.append(BoardPin(pin, pin.url, "", True))
    return board


def pinnable_for(member: User, *, limit: int = 20) -> tuple[list[Post], list[Entity]]:
    """What the add-pin form offers: the member's recent published posts and their horses."""
    posts = list(
        Post.objects.filter(
            author=member, deleted_at__isnull=True, state=Post.State.PUBLISHED
        ).order_by("-created_at")[:limit]
    )
    horses = list(
        Entity.objects.filter(
            memberships__member=member, kind__is_horse=True, archived_at__isnull=True
        )
        .distinct()
        .order_by("display_name")[:limit]
    )
    return posts, horses


# --- follows, blocks, mutes, hides -------------------------------------------------------------


def followers_page(
    viewer, *, target_kind: str, target_id: UUID, cursor: str | None, limit: int | None = 20
) -> Page:
    qs = Follow.objects.filter(target_kind=target_kind, target_id=target_id).select_related(
        "follower"
    )
    viewer_id = _viewer_id(viewer)
    if viewer_id:
        qs = qs.exclude(follower_id__in=blocked_ids(viewer_id))
    return paginate(qs.filter(follower__is_active=True), cursor=cursor, limit=limit)


@dataclass
class FollowingItem:
    follow: Follow
    handle: str
    display_name: str


def following_page(
    viewer, member: User, *, cursor: str | None, limit: int | None = 20
) -> tuple[list[FollowingItem], str | None]:
    page = paginate(Follow.objects.filter(follower=member), cursor=cursor, limit=limit)
    blocked = blocked_ids(_viewer_id(viewer))
    member_ids = [f.target_id for f in page.items if f.target_kind == Follow.TargetKind.MEMBER]
    entity_ids = [f.target_id for f in page.items if f.target_kind == Follow.TargetKind.ENTITY]
    members = {
        m.pk: m
        for m in User.objects.filter(pk__in=member_ids, is_active=True)
        if m.pk not in blocked
    }
    entities = {
        e.pk: e
        for e in Entity.objects.filter(pk__in=entity_ids, archived_at__isnull=True)
        if e.owner_id not in blocked
    }
    items = []
    for follow in page.items:
        found = (members if follow.target_kind == Follow.TargetKind.MEMBER else entities).get(
            follow.target_id
        )
        if found is not None:
            items.append(FollowingItem(follow, found.handle, found.display_name))
    return items, page.next_cursor


def blocks_page(member: User, *, cursor: str | None = None, limit: int | None = 50) -> Page:
    """Blocks I made (never the ones made against me)."""
    return paginate(
        Block.objects.filter(blocker=member).select_related("blocked"), cursor=cursor, limit=limit
    )


@dataclass
class MuteItem:
    mute: Mute
    handle: str
    display_name: str


def mutes_page(
    member: User, *, cursor: str | None = None, limit: int | None = 50
) -> tuple[list[MuteItem], str | None]:
    page = paginate(Mute.objects.filter(muter=member), cursor=cursor, limit=limit)
    ids = {
        kind: [m.target_id for m in page.items if m.target_kind == kind]
        for kind in ("member", "entity")
    }
    names = {u.pk: (u.handle, u.display_name) for u in User.objects.filter(pk__in=ids["member"])}
    names.update(
        {e.pk: (e.handle, e.display_name) for e in Entity.objects.filter(pk__in=ids["entity"])}
    )
    items = [MuteItem(m, *names[m.target_id]) for m in page.items if m.target_id in names]
    return items, page.next_cursor


@dataclass
class HideItem:
    hide: Hide
    target: Target | None


def hides_page(
    member: User, *, cursor: str | None = None, limit: int | None = 50
) -> tuple[list[HideItem], str | None]:
    page = paginate(Hide.objects.filter(member=member), cursor=cursor, limit=limit)
    resolved: dict[UUID, Target] = {}
    for kind in Hide.Kind.values:
        resolved.update(targets_for(member, kind, [h.ref_id for h in page.items if h.kind == kind]))
    return [HideItem(h, resolved.get(h.ref_id)) for h in page.items], page.next_cursor
