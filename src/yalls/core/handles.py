"""The shared @handle namespace: validation, claiming, renaming and resolving, and the look-alike
check (a new handle may not share the TS #39 skeleton of one already taken)."""

import re
from uuid import UUID

from django.db import IntegrityError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from yalls.core.db_context import system_context
from yalls.core.errors import Conflict, DomainError
from yalls.core.models import Handle

HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
RESERVED = {
    "admin", "api", "accounts", "settings", "static", "media", "health", "metrics", "search",
    "compose", "notifications", "entities", "yalls", "rocker", "support", "help", "about",
    "login", "logout", "signup", "root", "system", "null", "undefined", "me",
}  # fmt: skip


def handle_validate(handle: str) -> str:
    handle = (handle or "").strip().lstrip("@")
    if not HANDLE_RE.match(handle):
        raise DomainError(
            "handle.invalid",
            _("A handle is 3–30 characters: letters, digits and underscores."),
            field="handle",
        )
    if handle.lower() in RESERVED:
        raise Conflict(
            "handle.reserved", _("@%(handle)s is reserved.") % {"handle": handle}, field="handle"
        )
    return handle


# Handles are ASCII (HANDLE_RE), so of Unicode TS #39's confusables table only its ASCII rows can
# ever apply; they are these, applied after lower-casing because handles are case-blind (so the
# capital I of "Iiam_tack" and the l of "liam_tack" meet in one class, and so do i and 1).
# docs/adr/0007-handle-skeletons.md says why this is a short map and not a library.
_SKELETON_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_SKELETON_CHARACTERS = str.maketrans({"i": "l", "1": "l", "|": "l", "0": "o"})


def handle_skeleton(handle: str) -> str:
    """The form two handles share when they look alike: `Iiam_tack`, `liam_tack` and `1iam_tack`
    are all "llam_tack"; `adm1n_ava` and `admin_ava` are both "admln_ava"."""
    skeleton = handle.strip().lstrip("@").lower().translate(_SKELETON_CHARACTERS)
    for sequence, prototype in _SKELETON_SEQUENCES:
        skeleton = skeleton.replace(sequence, prototype)
    return skeleton


def handle_conflict(handle: str, *, except_owner_id: UUID | None = None) -> Conflict | None:
    """Why `handle` can't be claimed (taken, or a look-alike of one taken), or None."""
    qs = Handle.objects.filter(skeleton=handle_skeleton(handle))
    if except_owner_id:
        qs = qs.exclude(owner_id=except_owner_id)
    existing = qs.values_list("handle", flat=True).first()
    if existing is None:
        return None
    if existing.lower() == handle.lower():
        return Conflict(
            "handle.taken", _("@%(handle)s is already taken.") % {"handle": handle}, field="handle"
        )
    return Conflict(
        "handle.confusable",
        _("@%(handle)s looks too much like @%(existing)s, which is taken. Pick another.")
        % {"handle": handle, "existing": existing},
        field="handle",
    )


def handle_is_available(handle: str, *, except_owner_id: UUID | None = None) -> bool:
    return handle_conflict(handle, except_owner_id=except_owner_id) is None


def handle_claim(*, handle: str, kind: str, owner_id: UUID) -> str:
    """Claim (or move) the owner's handle; raises handle.taken when someone else has it in any
    case, handle.confusable when it only looks like theirs."""
    handle = handle_validate(handle)
    conflict = handle_conflict(handle, except_owner_id=owner_id)
    if conflict is not None:
        raise conflict
    try:
        # The registry is one namespace for everyone (an entity's handle is claimed before its
        # row exists), so it is written as the system; members only read it (core/rls.py).
        with system_context():
            Handle.objects.update_or_create(
                kind=kind,
                owner_id=owner_id,
                defaults={"handle": handle, "skeleton": handle_skeleton(handle)},
            )
    except IntegrityError as exc:  # lost a race with a concurrent claim (the unique skeleton)
        raise Conflict(
            "handle.taken", _("@%(handle)s is already taken.") % {"handle": handle}, field="handle"
        ) from exc
    return handle


def handle_resolve(handle: str) -> Handle | None:
    return Handle.objects.annotate(ci=Lower("handle")).filter(ci=handle.lstrip("@").lower()).first()
