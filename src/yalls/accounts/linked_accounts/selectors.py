"""Reads of linked accounts: a member's links, the moderators' review queue."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.accounts.linked_accounts.providers import MODERATOR_ROLES, Provider, Status
from yalls.accounts.models import LinkedAccount, User
from yalls.core.errors import Forbidden, NotFound


def links_of_member(member: User) -> list[LinkedAccount]:
    order = list(Provider.values)
    links = list(LinkedAccount.objects.filter(member=member))
    return sorted(links, key=lambda link: order.index(link.provider))


def verified_links(member: User) -> list[LinkedAccount]:
    return [link for link in links_of_member(member) if link.status == Status.VERIFIED]


def is_moderator(member: User | None) -> bool:
    return bool(
        member is not None
        and getattr(member, "is_authenticated", False)
        and getattr(member, "is_active", False)
        and getattr(member, "role", None) in MODERATOR_ROLES
    )


def review_queue(moderator: User) -> QuerySet[LinkedAccount]:
    if not is_moderator(moderator):
        raise Forbidden(errors.LINK_NOT_ALLOWED, _("Only moderators review linked accounts."))
    return (
        LinkedAccount.objects.filter(status=Status.PENDING_REVIEW)
        .select_related("member")
        .order_by("created_at", "id")
    )


def access_link(member: User, provider: str) -> LinkedAccount:
    link = LinkedAccount.objects.filter(member=member, provider=provider).first()
    if link is None:
        raise NotFound(errors.LINK_NOT_FOUND, _("You haven't linked that account."))
    return link
