"""Badges: admins define, grant and revoke them (audited); profiles show them."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.accounts.models import Badge, MemberBadge, User
from yalls.accounts.selectors import access_member_by_handle
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound


def badges_of(member: User) -> list[MemberBadge]:
    return list(member.badges.select_related("badge").order_by("granted_at", "id"))


def _require_admin(actor: User) -> None:
    if not getattr(actor, "is_staff", False):
        raise Forbidden(errors.BADGE_NOT_ALLOWED, _("Only admins grant and revoke badges."))


def _badge_and_member(badge_slug: str, member_handle: str) -> tuple[Badge, User]:
    badge = Badge.objects.filter(slug=(badge_slug or "").strip()).first()
    if badge is None:
        raise DomainError(errors.BADGE_UNKNOWN, _("Pick a badge from the list."), field="badge")
    try:
        member = access_member_by_handle((member_handle or "").strip().lstrip("@")[:31])
    except NotFound as exc:
        raise DomainError(
            errors.BADGE_MEMBER_UNKNOWN, _("No member has that handle."), field="member"
        ) from exc
    return badge, member


@transaction.atomic
def badge_grant(*, actor: User, member_handle: str, badge_slug: str) -> MemberBadge:
    """Grant a badge (admins; audited). Granting it again returns the existing grant."""
    _require_admin(actor)
    badge, member = _badge_and_member(badge_slug, member_handle)
    grant, created = MemberBadge.objects.get_or_create(
        member=member, badge=badge, defaults={"granted_by": actor}
    )
    if created:
        audit_record(
            actor=actor, action="badge.granted", target_type="member", target_id=member.pk,
            metadata={"badge": badge.slug},
        )  # fmt: skip
    return grant


@transaction.atomic
def badge_revoke(*, actor: User, member_handle: str, badge_slug: str) -> None:
    _require_admin(actor)
    badge, member = _badge_and_member(badge_slug, member_handle)
    deleted, _unused = MemberBadge.objects.filter(member=member, badge=badge).delete()
    if not deleted:
        raise NotFound(errors.BADGE_NOT_GRANTED, _("That member doesn't have that badge."))
    audit_record(
        actor=actor, action="badge.revoked", target_type="member", target_id=member.pk,
        metadata={"badge": badge.slug},
    )  # fmt: skip


def badge_ensure(*, slug: str, label: str, description: str = "") -> Badge:
    """Create or refresh a badge definition (demo data, data migrations, the admin)."""
    badge, _unused = Badge.objects.update_or_create(
        slug=slug, defaults={"label": label, "description": description}
    )
    return badge


@transaction.atomic
def badge_define(*, actor: User, label: str, description: str = "") -> Badge:
    """Admins add a badge to the list (audited); its slug comes from the label."""
    _require_admin(actor)
    label = (label or "").strip()[:60]
    slug = slugify(label)[:40]
    if not slug:
        raise DomainError(errors.BADGE_UNKNOWN, _("Give the badge a name."), field="label")
    if Badge.objects.filter(slug=slug).exists():
        raise Conflict(errors.BADGE_UNKNOWN, _("A badge with that name exists."), field="label")
    badge = Badge.objects.create(
        slug=slug, label=label, description=(description or "").strip()[:200]
    )
    audit_record(actor=actor, action="badge.defined", target_type="badge", target_id=slug)
    return badge


def all_badges() -> list[Badge]:
    return list(Badge.objects.order_by("label"))
