"""The shared @handle namespace: validation, claiming, renaming and resolving."""

import re
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

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


def handle_is_available(handle: str, *, except_owner_id: UUID | None = None) -> bool:
    qs = Handle.objects.annotate(ci=Lower("handle")).filter(ci=handle.lower())
    if except_owner_id:
        qs = qs.exclude(owner_id=except_owner_id)
    return not qs.exists()


def handle_claim(*, handle: str, kind: str, owner_id: UUID) -> str:
    """Claim (or move) the owner's handle; raises handle.taken when someone else has it in any case."""
    handle = handle_validate(handle)
    if not handle_is_available(handle, except_owner_id=owner_id):
        raise Conflict(
            "handle.taken", _("@%(handle)s is already taken.") % {"handle": handle}, field="handle"
        )
    try:
        with transaction.atomic():
            Handle.objects.update_or_create(
                kind=kind, owner_id=owner_id, defaults={"handle": handle}
            )
    except IntegrityError as exc:  # lost a race with a concurrent claim
        raise Conflict(
            "handle.taken", _("@%(handle)s is already taken.") % {"handle": handle}, field="handle"
        ) from exc
    return handle


def handle_resolve(handle: str) -> Handle | None:
    return Handle.objects.annotate(ci=Lower("handle")).filter(ci=handle.lstrip("@").lower()).first()
