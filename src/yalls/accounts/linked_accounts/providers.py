"""Linked-account providers: which hosts each allows and how it is verified, the lifecycle's
transition table, and the URL rules every save applies."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.accounts.models import LinkedAccount, User
from yalls.core.errors import Conflict, DomainError

Status = LinkedAccount.Status
Provider = LinkedAccount.Provider


@dataclass(frozen=True)
class ProviderRule:
    label: str
    hosts: frozenset[str]  # empty: any public host (the website)
    rel_me: bool  # checked automatically by fetching the page; else a moderator reviews a proof
    example: str


# Per provider: which hosts a profile URL may use, and how it is verified. X and YouTube profile
# pages can carry the member's link, so a rel="me" check is attempted (failing that, the member
# can still send a proof for review). Instagram, Facebook and TikTok answer bots with log-in walls
# or script-only pages, so they go straight to a moderator with a proof URL.
PROVIDERS: dict[str, ProviderRule] = {
    Provider.X: ProviderRule(
        "X / Twitter",
        frozenset({"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}),
        True,
        "https://x.com/yourname",
    ),
    Provider.INSTAGRAM: ProviderRule(
        "Instagram",
        frozenset({"instagram.com", "www.instagram.com"}),
        False,
        "https://www.instagram.com/yourname",
    ),
    Provider.FACEBOOK: ProviderRule(
        "Facebook",
        frozenset({"facebook.com", "www.facebook.com", "m.facebook.com", "fb.com"}),
        False,
        "https://www.facebook.com/yourpage",
    ),
    Provider.YOUTUBE: ProviderRule(
        "YouTube",
        frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"}),
        True,
        "https://www.youtube.com/@yourchannel",
    ),
    Provider.TIKTOK: ProviderRule(
        "TikTok", frozenset({"tiktok.com", "www.tiktok.com"}), False, "https://www.tiktok.com/@you"
    ),
    Provider.WEBSITE: ProviderRule("Website", frozenset(), True, "https://yourfarm.example"),
}

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.UNVERIFIED: frozenset({Status.CHECKING, Status.PENDING_REVIEW}),
    Status.CHECKING: frozenset({Status.VERIFIED, Status.FAILED}),
    Status.FAILED: frozenset({Status.CHECKING, Status.PENDING_REVIEW}),
    Status.VERIFIED: frozenset({Status.CHECKING}),
    Status.PENDING_REVIEW: frozenset({Status.VERIFIED, Status.REJECTED}),
    Status.REJECTED: frozenset({Status.PENDING_REVIEW}),
}

MODERATOR_ROLES = frozenset({User.Role.MODERATOR, User.Role.ADMIN})


def move(link: LinkedAccount, to: str) -> None:
    if to not in TRANSITIONS.get(link.status, frozenset()):
        raise Conflict(
            errors.LINK_ILLEGAL_TRANSITION,
            _("A link that is %(current)s can't become %(target)s.")
            % {"current": link.get_status_display().lower(), "target": Status(to).label.lower()},
        )
    link.status = to


def validate_url(raw: str, *, field: str, hosts: frozenset[str] = frozenset()) -> str:
    url = (raw or "").strip()
    if not url:
        raise DomainError(errors.LINK_URL_INVALID, _("Give the address."), field=field)
    if len(url) > 500:
        raise DomainError(errors.LINK_URL_INVALID, _("That address is too long."), field=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DomainError(
            errors.LINK_URL_INVALID, _("That is not a web address."), field=field
        ) from exc
    if parts.scheme.lower() != "https":
        raise DomainError(errors.LINK_URL_INVALID, _("Use an https:// address."), field=field)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.username or parts.password or port not in (None, 443):
        raise DomainError(
            errors.LINK_URL_INVALID,
            _("Use a plain https:// address (no login or port)."),
            field=field,
        )
    if "." not in host or host.replace(".", "").isdigit() or ":" in host or host == "localhost":
        raise DomainError(
            errors.LINK_URL_INVALID, _("Use the site's name, not an IP address."), field=field
        )
    if hosts:
        if host not in hosts:
            names = ", ".join(
                sorted(h for h in hosts if not h.startswith(("www.", "m.", "mobile.")))
            )
            raise DomainError(
                errors.LINK_URL_INVALID,
                _("That address must be on %(names)s.") % {"names": names},
                field=field,
            )
        if parts.path.strip("/") == "":
            raise DomainError(
                errors.LINK_URL_INVALID, _("Link to your profile, not the home page."), field=field
            )
    return parts._replace(scheme="https", netloc=parts.netloc.lower(), fragment="").geturl()


def profile_url(member: User) -> str:
    return f"{settings.SITE_URL}/@{member.handle}"


def provider_rule(provider: str) -> ProviderRule:
    rule = PROVIDERS.get(provider)
    if rule is None:
        raise DomainError(
            errors.LINK_PROVIDER_INVALID,
            _("Pick X, Instagram, Facebook, YouTube, TikTok or Website."),
            field="provider",
        )
    return rule
