"""Every write of favorites, profile pins, follows, blocks, mutes and hides.

Each service takes the acting member first, validates everything before writing, checks what the
member may do, writes in one transaction with its audit event, and is safe to call twice (the
second call returns the state the first one left). They run in the member's database context
(requests) — blocks, mutes and hides are under row-level security, and every query here is one
the acting member's own policy allows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import DomainError, Forbidden, NotFound
from yalls.core.identifiers import uuid_parse
from yalls.entities.models import Entity, EntityMember
from yalls.social import errors
from yalls.social.models import Block, Favorite, Follow, Hide, Mute, Pin, Post
from yalls.social.selectors import engagement as selectors
from yalls.social.selectors.relations import is_blocked_between
from yalls.social.services import notices

MAX_PINS = 8
PIN_TITLE_MAX = 80
CHECK_MAX_IDS = 100
_https = URLValidator(schemes=["https"])


def _lock(*parts) -> None:
    """Serialise concurrent writes about the same (member, thing) for this transaction, so two
    simultaneous toggles take turns instead of racing into the unique constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [":".join(map(str, parts))]
        )


def _uuid(value, *, code: str, message: str, field: str | None = None) -> UUID:
    parsed = uuid_parse(value)
    if parsed is None:
        raise NotFound(code, message, field=field)
    return parsed


# --- favorites ---------------------------------------------------------------------------------


def _favorite_kind(kind: str) -> str:
    if kind not in Favorite.Kind.values:
        raise DomainError(
            errors.FAVORITE_KIND_UNKNOWN,
            _("Favorites are for %(value)s.") % {"value": ", ".join(Favorite.Kind.values)},
            field="kind",
            status=422,
        )
    return kind


def favorite_toggle(*, member: User, kind: str, ref_id, favorited: bool | None = None) -> bool:
    """Flip (or, with `favorited`, set) the member's favorite on one thing; returns the resulting
    state. Favoriting needs something the member can see; un-favoriting always works."""
    kind = _favorite_kind(kind)
    ref_id = _uuid(ref_id, code=errors.FAVORITE_NOT_FOUND, message=_("Nothing with that id."))
    with transaction.atomic():
        _lock("favorite", member.pk, kind, ref_id)
        existing = Favorite.objects.filter(member=member, kind=kind, ref_id=ref_id).first()
        want = (existing is None) if favorited is None else favorited
        if want and existing is None:
            target = selectors.target_for(member, kind, ref_id, include_blocked=True)
            if target is None:
                raise NotFound(
                    errors.FAVORITE_NOT_FOUND, _("No %(kind)s with that id.") % {"kind": kind}
                )
            if is_blocked_between(member.pk, target.owner_id):
                raise Forbidden(errors.RELATION_BLOCKED, _("You can't favorite this."))
            try:
                with transaction.atomic():
                    Favorite.objects.create(member=member, kind=kind, ref_id=ref_id)
            except IntegrityError:
                return True  # someone else's request (same member) got there first: same state
            notices.favorite_added(
                member=member, kind=kind, ref_id=ref_id, owner_id=target.owner_id
            )
        elif not want and existing is not None:
            existing.delete()
        return want


def favorites_check(*, member: User, kind: str, ids: Sequence) -> dict[str, bool]:
    """{id: favorited?} for up to 100 ids of one kind (ids that aren't UUIDs answer false)."""
    kind = _favorite_kind(kind)
    if len(ids) > CHECK_MAX_IDS:
        raise DomainError(
            errors.FAVORITE_CHECK_TOO_MANY,
            _("Check at most %(check_max_ids)s ids at once.") % {"check_max_ids": CHECK_MAX_IDS},
            field="ids",
            status=422,
        )
    parsed: dict[str, UUID | None] = {}
    for raw in ids:
        parsed[str(raw)] = uuid_parse(raw)
    found = set(
        Favorite.objects.filter(
            member=member, kind=kind, ref_id__in=[u for u in parsed.values() if u]
        ).values_list("ref_id", flat=True)
    )
    return {raw: (u in found) for raw, u in parsed.items()}


# --- pins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinSpec:
    kind: str
    position: int
    title: str
    ref_id: UUID | None
    url: str

    @property
    def key(self) -> tuple:
        """What makes two pins "the same pin" across PUTs (so a reorder keeps ids)."""
        if self.ref_id is not None:
            return (self.kind, str(self.ref_id))
        if self.kind == Pin.Kind.LINK:
            return (self.kind, self.url)
        return (self.kind, self.title, self.url)


def _pin_key(pin: Pin) -> tuple:
    return PinSpec(pin.kind, pin.position, pin.title, pin.ref_id, pin.url).key


def _pin_error(code: str, message: str, index: int, field: str, status: int = 422):
    cls = Forbidden if status == 403 else DomainError
    kwargs = {} if status == 403 else {"status": status}
    return cls(code, message, field=f"pins.{index}.{field}", **kwargs)


def _pin_ref(member: User, spec: dict, index: int, kind: str, ref_id: UUID) -> str:
    """Check the member may pin this post or horse; return its default title."""
    if kind == Pin.Kind.POST:
        post = Post.objects.filter(pk=ref_id, deleted_at__isnull=True).first()
        if post is None or (post.state != Post.State.PUBLISHED and post.author_id != member.pk):
            raise _pin_error(errors.PIN_REF_NOT_FOUND, _("No post with that id."), index, "ref_id")
        if post.author_id != member.pk:
            raise _pin_error(
                errors.PIN_NOT_YOURS, _("You can only pin your own posts."), index, "ref_id", 403
            )
        if post.state != Post.State.PUBLISHED:
            raise _pin_error(
                errors.PIN_REF_NOT_FOUND, _("Publish the post before pinning it."), index, "ref_id"
            )
        lines = (post.body or "").strip().splitlines()
        return lines[0][:PIN_TITLE_MAX] if lines else "Repost"
    entity = (
        Entity.objects.filter(pk=ref_id, archived_at__isnull=True).select_related("kind").first()
    )
    if entity is None or not entity.kind.is_horse:
        raise _pin_error(errors.PIN_REF_NOT_FOUND, _("No horse with that id."), index, "ref_id")
    if not EntityMember.objects.filter(entity=entity, member=member).exists():
        raise _pin_error(
            errors.PIN_NOT_YOURS,
            _("You can only pin horses you own, manage or edit."),
            index,
            "ref_id",
            403,
        )
    return entity.display_name[:PIN_TITLE_MAX]


def _pin_spec(member: User, raw: Mapping, index: int, known: dict[tuple, Pin]) -> PinSpec:
    kind = raw.get("kind")
    if kind not in Pin.Kind.values:
        raise _pin_error(
            errors.PIN_KIND_UNKNOWN,
            _("Pin kinds are %(value)s.") % {"value": ", ".join(Pin.Kind.values)},
            index,
            "kind",
        )
    position = raw.get("position")
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= MAX_PINS:
        raise _pin_error(
            errors.PIN_POSITION_INVALID,
            _("Positions run from 1 to %(max_pins)s.") % {"max_pins": MAX_PINS},
            index,
            "position",
        )
    title = (raw.get("title") or "").strip()
    if len(title) > PIN_TITLE_MAX:
        raise _pin_error(
            errors.PIN_TITLE_REQUIRED,
            _("Keep titles to %(pin_title_max)s characters.") % {"pin_title_max": PIN_TITLE_MAX},
            index,
            "title",
        )
    url = (raw.get("url") or "").strip()
    if url:
        try:
            _https(url)
        except ValidationError as exc:
            raise _pin_error(
                errors.PIN_URL_INVALID, _("Links must be full https:// addresses."), index, "url"
            ) from exc
        if len(url) > 500:
            raise _pin_error(errors.PIN_URL_INVALID, _("That link is too long."), index, "url")
    raw_ref = raw.get("ref_id")
    ref_id = None
    if raw_ref not in (None, ""):
        ref_id = uuid_parse(raw_ref)
        if ref_id is None:
            raise _pin_error(errors.PIN_REF_NOT_FOUND, _("That id is not valid."), index, "ref_id")
    if kind in (Pin.Kind.POST, Pin.Kind.HORSE):
        if ref_id is None:
            raise _pin_error(
                errors.PIN_REF_REQUIRED,
                _("Pick the %(kind)s to pin.") % {"kind": kind},
                index,
                "ref_id",
            )
        url = ""  # the page of the post or horse is the link
        spec_key = (kind, str(ref_id))
        if spec_key in known:  # already on the board: it was checked when it was pinned
            title = title or known[spec_key].title
        else:
            title = title or _pin_ref(member, raw, index, kind, ref_id)
    elif kind == Pin.Kind.LINK:
        if ref_id is not None:
            raise _pin_error(
                errors.PIN_REF_UNSUPPORTED, _("A link pin has a URL, not an id."), index, "ref_id"
            )
        if not url:
            raise _pin_error(
                errors.PIN_URL_INVALID, _("Give the link's https:// address."), index, "url"
            )
    elif ref_id is not None:
        # Events, earnings and achievements have no tables yet: their pins are a title and an
        # optional link until those areas land and register how to check a reference.
        raise _pin_error(
            errors.PIN_REF_UNSUPPORTED,
            _("%(value)s pins can't point at a record yet; give a title and an optional link.")
            % {"value": kind.title()},
            index,
            "ref_id",
        )
    if not title:
        raise _pin_error(errors.PIN_TITLE_REQUIRED, _("Give the pin a title."), index, "title")
    return PinSpec(kind=kind, position=position, title=title, ref_id=ref_id, url=url)


def _pin_specs(member: User, pins: Sequence[Mapping], existing: list[Pin]) -> list[PinSpec]:
    if not isinstance(pins, Sequence) or isinstance(pins, (str, bytes)):
        raise DomainError(
            errors.PIN_TOO_MANY, _("Send the board as a list."), field="pins", status=422
        )
    if len(pins) > MAX_PINS:
        raise DomainError(
            errors.PIN_TOO_MANY,
            _("A board holds at most %(max_pins)s pins.") % {"max_pins": MAX_PINS},
            field="pins",
            status=422,
        )
    known = {_pin_key(pin): pin for pin in existing}
    specs: list[PinSpec] = []
    positions: set[int] = set()
    keys: set[tuple] = set()
    for index, raw in enumerate(pins):
        if not isinstance(raw, Mapping):
            raise _pin_error(errors.PIN_KIND_UNKNOWN, _("Each pin is an object."), index, "kind")
        spec = _pin_spec(member, raw, index, known)
        if spec.position in positions:
            raise _pin_error(
                errors.PIN_POSITION_TAKEN, _("Two pins can't share a position."), index, "position"
            )
        if spec.key in keys:
            raise _pin_error(errors.PIN_DUPLICATE, _("That is already pinned."), index, "ref_id")
        positions.add(spec.position)
        keys.add(spec.key)
        specs.append(spec)
    return specs


def _slot_constraint(mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS social_pin_slot {mode}")


def pins_set(*, member: User, pins: Sequence[Mapping]) -> list[Pin]:
    """Replace the member's whole board in one transaction. Idempotent: the same list twice gives
    the same board (pins are matched by what they point at, so a reorder keeps their ids). Any
    invalid item refuses the whole call and nothing is written."""
    with transaction.atomic():
        # One board write at a time per member: the second waits and then sees the first's board.
        User.objects.select_for_update().filter(pk=member.pk).first()
        existing = list(Pin.objects.filter(member=member))
        specs = _pin_specs(member, pins, existing)
        _slot_constraint("DEFERRED")
        by_key = {_pin_key(pin): pin for pin in existing}
        wanted = {spec.key for spec in specs}
        removed = [pin for key, pin in by_key.items() if key not in wanted]
        if removed:
            Pin.objects.filter(pk__in=[pin.pk for pin in removed]).delete()
        for spec in specs:
            pin = by_key.get(spec.key)
            if pin is None:
                Pin.objects.create(
                    member=member,
                    kind=spec.kind,
                    position=spec.position,
                    title=spec.title,
                    ref_id=spec.ref_id,
                    url=spec.url,
                )
            elif (pin.position, pin.title, pin.url) != (spec.position, spec.title, spec.url):
                Pin.objects.filter(pk=pin.pk).update(
                    position=spec.position, title=spec.title, url=spec.url
                )
        # The slot constraint is deferred (so positions can swap); check it here, inside the
        # service, rather than at the request's commit where it could only become a 500.
        _slot_constraint("IMMEDIATE")  # checks the pending rows now
        _slot_constraint("DEFERRED")  # and back to the declared mode for the rest of the request
    return list(Pin.objects.filter(member=member).order_by("position"))


def _board_as_specs(member: User) -> list[dict]:
    return [
        {
            "kind": pin.kind,
            "position": pin.position,
            "title": pin.title,
            "ref_id": pin.ref_id,
            "url": pin.url,
            "_id": pin.pk,
        }
        for pin in Pin.objects.filter(member=member).order_by("position")
    ]


def _strip(board: list[dict]) -> list[dict]:
    return [{k: v for k, v in item.items() if k != "_id"} for item in board]


def pin_add(*, member: User, kind: str, title: str = "", ref_id=None, url: str = "") -> list[Pin]:
    """Add one pin in the first free slot (the web form's path; the API PUTs the whole board)."""
    board = _board_as_specs(member)
    free = [n for n in range(1, MAX_PINS + 1) if n not in {item["position"] for item in board}]
    if not free:
        raise DomainError(
            errors.PIN_TOO_MANY,
            _("A board holds at most %(max_pins)s pins.") % {"max_pins": MAX_PINS},
            field="kind",
            status=422,
        )
    board.append({"kind": kind, "position": free[0], "title": title, "ref_id": ref_id, "url": url})
    try:
        return pins_set(member=member, pins=_strip(board))
    except DomainError as exc:
        if exc.field and exc.field.startswith("pins."):
            exc.field = exc.field.rsplit(".", 1)[-1]  # the form has one pin's fields
        raise


def pin_move(*, member: User, pin_id, direction: str) -> list[Pin]:
    """Swap a pin with its neighbour before ("up") or after ("down") it."""
    board = _board_as_specs(member)
    pin_id = _uuid(pin_id, code=errors.PIN_NOT_FOUND, message=_("No such pin."))
    index = next((i for i, item in enumerate(board) if item["_id"] == pin_id), None)
    if index is None:
        raise NotFound(errors.PIN_NOT_FOUND, _("No such pin on your board."))
    other = index - 1 if direction == "up" else index + 1
    if direction in ("up", "down") and 0 <= other < len(board):
        board[index]["position"], board[other]["position"] = (
            board[other]["position"],
            board[index]["position"],
        )
    return pins_set(member=member, pins=_strip(board))


def pin_remove(*, member: User, pin_id) -> list[Pin]:
    board = _board_as_specs(member)
    pin_id = _uuid(pin_id, code=errors.PIN_NOT_FOUND, message=_("No such pin."))
    if not any(item["_id"] == pin_id for item in board):
        raise NotFound(errors.PIN_NOT_FOUND, _("No such pin on your board."))
    return pins_set(member=member, pins=_strip([i for i in board if i["_id"] != pin_id]))


# --- follows -----------------------------------------------------------------------------------


def _relation_target(member: User, target_kind: str, target) -> tuple[str, UUID, UUID]:
    """(kind, id, owning member id) of a member or entity given by id or handle; 404 otherwise."""
    if target_kind == Follow.TargetKind.MEMBER:
        found = selectors.member_by_ref(target)
        if found is None:
            raise NotFound(errors.RELATION_TARGET_NOT_FOUND, _("No member has that id or handle."))
        if found.pk == member.pk:
            raise DomainError(errors.RELATION_SELF, _("That's you."), field="target", status=422)
        return target_kind, found.pk, found.pk
    if target_kind == Follow.TargetKind.ENTITY:
        entity = selectors.entity_by_ref(target)
        if entity is None:
            raise NotFound(errors.RELATION_TARGET_NOT_FOUND, _("No entity has that id or handle."))
        return target_kind, entity.pk, entity.owner_id
    raise DomainError(
        errors.RELATION_KIND_UNKNOWN, _("Pick member or entity."), field="target_kind", status=422
    )


def follow_create(*, member: User, target_kind: str, target) -> Follow:
    """Follow a member or entity; following again returns the existing follow."""
    kind, target_id, owner_id = _relation_target(member, target_kind, target)
    if is_blocked_between(member.pk, owner_id):
        raise Forbidden(errors.RELATION_BLOCKED, _("You can't follow this account."))
    with transaction.atomic():
        _lock("follow", member.pk, kind, target_id)
        follow = Follow.objects.filter(
            follower=member, target_kind=kind, target_id=target_id
        ).first()
        if follow is not None:
            return follow
        follow = Follow.objects.create(follower=member, target_kind=kind, target_id=target_id)
        notices.follow_created(follow=follow, follower=member)
        return follow


def _target_id_for_removal(target_kind: str, target):
    """The id of a member or entity being unfollowed/unmuted, or None when it doesn't exist
    (removing what isn't there is fine, and says nothing about whether it exists)."""
    if target_kind not in Follow.TargetKind.values:
        raise DomainError(
            errors.RELATION_KIND_UNKNOWN,
            _("Pick member or entity."),
            field="target_kind",
            status=422,
        )
    found = (
        selectors.member_by_ref(target)
        if target_kind == Follow.TargetKind.MEMBER
        else selectors.entity_by_ref(target, include_archived=True)
    )
    return None if found is None else found.pk


def follow_remove(*, member: User, target_kind: str, target) -> bool:
    """Unfollow; True when a follow was removed (unfollowing twice is fine)."""
    target_id = _target_id_for_removal(target_kind, target)
    if target_id is None:
        return False
    deleted, _unused = Follow.objects.filter(
        follower=member, target_kind=target_kind, target_id=target_id
    ).delete()
    return bool(deleted)


# --- blocks ------------------------------------------------------------------------------------


def block_create(*, member: User, target) -> Block:
    """Block a member: neither side sees or reaches the other, and follows end both ways.
    Blocking again returns the existing block."""
    _unused, blocked_id, _unused2 = _relation_target(member, Follow.TargetKind.MEMBER, target)
    with transaction.atomic():
        _lock("block", *sorted([str(member.pk), str(blocked_id)]))
        block = Block.objects.filter(blocker=member, blocked_id=blocked_id).first()
        if block is not None:
            return block
        block = Block.objects.create(blocker=member, blocked_id=blocked_id)
        # The blocked member's follow is their row: ending it is a write for another member.
        with system_context():
            Follow.objects.filter(
                Q(follower=member, target_kind=Follow.TargetKind.MEMBER, target_id=blocked_id)
                | Q(
                    follower_id=blocked_id,
                    target_kind=Follow.TargetKind.MEMBER,
                    target_id=member.pk,
                )
            ).delete()
        audit_record(
            actor=member, action="block.created", target_type="member", target_id=blocked_id
        )
        return block


def block_remove(*, member: User, target) -> bool:
    """Lift a block I made (follows are not restored)."""
    found = selectors.member_by_ref(target)
    if found is None:
        return False
    with transaction.atomic():
        deleted, _unused = Block.objects.filter(blocker=member, blocked=found).delete()
        if deleted:
            audit_record(
                actor=member, action="block.removed", target_type="member", target_id=found.pk
            )
    return bool(deleted)


# --- mutes -------------------------------------------------------------------------------------


def mute_create(*, member: User, target_kind: str, target) -> Mute:
    """Stop seeing a member or entity. The muted side learns nothing: no notification, no
    change on their side, and the row is visible to the muter only (RLS)."""
    kind, target_id, _unused = _relation_target(member, target_kind, target)
    with transaction.atomic():
        _lock("mute", member.pk, kind, target_id)
        mute = Mute.objects.filter(muter=member, target_kind=kind, target_id=target_id).first()
        if mute is not None:
            return mute
        mute = Mute.objects.create(muter=member, target_kind=kind, target_id=target_id)
        return mute


def mute_remove(*, member: User, target_kind: str, target) -> bool:
    """Unmute; True when a mute was removed (unmuting twice is fine)."""
    target_id = _target_id_for_removal(target_kind, target)
    if target_id is None:
        return False
    deleted, _unused = Mute.objects.filter(
        muter=member, target_kind=target_kind, target_id=target_id
    ).delete()
    return bool(deleted)


# --- hides -------------------------------------------------------------------------------------


def _hide_kind(kind: str) -> str:
    if kind not in Hide.Kind.values:
        raise DomainError(
            errors.HIDE_KIND_UNKNOWN,
            _("You can hide posts, listings and events."),
            field="kind",
            status=422,
        )
    return kind


def hide_create(*, member: User, kind: str, ref_id) -> Hide:
    """Hide a post, listing or event from my feeds; hiding again returns the existing hide."""
    kind = _hide_kind(kind)
    ref_id = _uuid(ref_id, code=errors.HIDE_NOT_FOUND, message=_("Nothing with that id."))
    if selectors.target_for(member, kind, ref_id) is None:
        raise NotFound(errors.HIDE_NOT_FOUND, _("No %(kind)s with that id.") % {"kind": kind})
    with transaction.atomic():
        _lock("hide", member.pk, kind, ref_id)
        hide = Hide.objects.filter(member=member, kind=kind, ref_id=ref_id).first()
        if hide is not None:
            return hide
        hide = Hide.objects.create(member=member, kind=kind, ref_id=ref_id)
        return hide


def hide_remove(*, member: User, kind: str, ref_id) -> bool:
    kind = _hide_kind(kind)
    ref_id = _uuid(ref_id, code=errors.HIDE_NOT_FOUND, message=_("Nothing with that id."))
    deleted, _unused = Hide.objects.filter(member=member, kind=kind, ref_id=ref_id).delete()
    return bool(deleted)
