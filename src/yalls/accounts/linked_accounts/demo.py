"""The demo world's identity data: a founding-member badge and one verified website."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts.linked_accounts.badges import badge_ensure, badge_grant
from yalls.accounts.linked_accounts.providers import Provider, Status
from yalls.accounts.linked_accounts.services import link_audit
from yalls.accounts.models import LinkedAccount, MemberBadge, User


@transaction.atomic
def demo_identity_seed(
    *, admin: User, website_member: User, website_url: str, badge_members: list[User]
) -> dict:
    """The demo world's identity data, idempotently: a founding-member badge for the given
    members and a website already verified for one (the demo has no real site to fetch)."""
    badge_ensure(
        slug="founding-member",
        label=_("Founding member"),
        description="Joined yalls in its first season.",
    )
    granted = 0
    for member in badge_members:
        if not MemberBadge.objects.filter(member=member, badge_id="founding-member").exists():
            badge_grant(actor=admin, member_handle=member.handle, badge_slug="founding-member")
            granted += 1
    link, created = LinkedAccount.objects.get_or_create(
        member=website_member, provider=Provider.WEBSITE,
        defaults={"url": website_url, "status": Status.VERIFIED, "verified_at": timezone.now(),
                  "checked_at": timezone.now(), "reviewed_by": admin},
    )  # fmt: skip
    if created:
        link_audit(admin, "linked_account.approved", link, note="demo data")
    return {"badges": granted, "links": int(created)}
