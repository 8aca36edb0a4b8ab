"""Linked accounts (X, Instagram, Facebook, YouTube, TikTok, a website) and badges: services,
selectors and the verification lifecycle. See docs/accounts.md#linked-accounts--badges.

Lifecycle (one transition table, `_move` refuses anything else):
  save (rel=me provider)       → checking      (a verification job is deferred in the same transaction)
  save (review-only provider)  → unverified    (waiting for a proof URL), or pending_review if one came along
  job finds the back-link      checking → verified        job does not   checking → failed
  member submits a proof URL   unverified | failed | rejected → pending_review
  moderator decides            pending_review → verified | rejected
  member asks for a re-check   failed | verified | unverified → checking   (rel=me providers only)
Changing the URL starts over; saving the same URL changes nothing.
"""

from __future__ import annotations

import html.parser
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.accounts.models import Badge, LinkedAccount, MemberBadge, User
from yalls.accounts.selectors import access_member_by_handle
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound

log = logging.getLogger(__name__)
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


def _move(link: LinkedAccount, to: str) -> None:
    if to not in TRANSITIONS.get(link.status, frozenset()):
        raise Conflict(
            errors.LINK_ILLEGAL_TRANSITION,
            _("A link that is %(value)s can't become %(value2)s.")
            % {"value": link.get_status_display().lower(), "value2": Status(to).label.lower()},
        )
    link.status = to


# --- URL rules --------------------------------------------------------------------------------


def _validate_url(raw: str, *, field: str, hosts: frozenset[str] = frozenset()) -> str:
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


def normalise_url(url: str) -> str:
    """For comparing a back-link with the profile URL: scheme-insensitive (http or https), host
    lower-cased, default port, trailing slash, query and fragment dropped; the handle part is
    case-insensitive like handles are."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    return f"{host}{parts.path.rstrip('/').lower()}"


class _RelMeParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if "me" in rel and values.get("href"):
            self.hrefs.append(values["href"].strip())

    handle_startendtag = handle_starttag


def rel_me_links(page_html: str, *, base_url: str = "") -> list[str]:
    """The href of every <a> and <link> whose rel includes `me`, resolved against the page URL."""
    parser = _RelMeParser()
    try:
        parser.feed(page_html)
        parser.close()
    except Exception:
        log.info("rel=me parse failed", exc_info=True)
    return [urljoin(base_url, href) if base_url else href for href in parser.hrefs]


def page_links_back(page_html: str, *, page_url: str, member: User) -> bool:
    wanted = normalise_url(profile_url(member))
    return any(normalise_url(href) == wanted for href in rel_me_links(page_html, base_url=page_url))


# --- Selectors --------------------------------------------------------------------------------


def links_of_member(member: User) -> list[LinkedAccount]:
    order = list(Provider.values)
    links = list(LinkedAccount.objects.filter(member=member))
    return sorted(links, key=lambda link: order.index(link.provider))


def verified_links(member: User) -> list[LinkedAccount]:
    return [link for link in links_of_member(member) if link.status == Status.VERIFIED]


def badges_of(member: User) -> list[MemberBadge]:
    return list(member.badges.select_related("badge").order_by("granted_at", "id"))


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


# --- Services ---------------------------------------------------------------------------------


def _provider(provider: str) -> ProviderRule:
    rule = PROVIDERS.get(provider)
    if rule is None:
        raise DomainError(
            errors.LINK_PROVIDER_INVALID,
            _("Pick X, Instagram, Facebook, YouTube, TikTok or Website."),
            field="provider",
        )
    return rule


def _defer_check(link: LinkedAccount) -> None:
    """Queue the rel=me check in the caller's transaction (a rolled-back save queues nothing).
    A check already waiting for this link is enough: the job reads the link's current URL."""
    from yalls.accounts.tasks import linked_account_verify
    from yalls.core.jobs import AlreadyEnqueued

    try:
        with transaction.atomic():  # a savepoint: the dedupe violation must not poison the save
            linked_account_verify.configure(queueing_lock=f"link-verify:{link.pk}").defer(
                link_id=str(link.pk)
            )
    except AlreadyEnqueued:
        pass


def _notify_verified(link: LinkedAccount, actor=None) -> None:
    """Tell the member their link is verified (once per link and address: a re-check that
    verifies the same address again is not news)."""
    import hashlib

    from yalls.notifications.services import notify

    rule = PROVIDERS.get(link.provider)
    label = rule.label if rule else link.get_provider_display()
    notify(
        recipient=link.member,
        kind="accounts.link_verified",
        title=_("Your %(label)s link is verified") % {"label": label},
        body=link.url,
        link="/settings/links",
        actor=actor,
        target_type="linked_account",
        target_id=str(link.pk),
        dedupe_key=f"link_verified:{link.pk}:{hashlib.sha256(link.url.encode()).hexdigest()[:16]}",
    )


def _audit(actor, action: str, link: LinkedAccount, **extra) -> None:
    audit_record(
        actor=actor, action=action, target_type="linked_account", target_id=link.pk,
        metadata={"member": str(link.member_id), "provider": link.provider, "status": link.status,
                  **extra},
    )  # fmt: skip


@transaction.atomic
def linked_account_save(
    *, member: User, provider: str, url: str, proof_url: str = ""
) -> LinkedAccount:
    """Link (or re-link) one account per provider and start its verification."""
    rule = _provider(provider)
    url = _validate_url(url, field="url", hosts=rule.hosts)
    proof = _validate_url(proof_url, field="proof_url") if (proof_url or "").strip() else ""
    link = (
        LinkedAccount.objects.select_for_update().filter(member=member, provider=provider).first()
    )
    if link is not None and link.url == url:
        if proof and link.status in (Status.UNVERIFIED, Status.FAILED, Status.REJECTED):
            return linked_account_submit_proof(member=member, provider=provider, proof_url=proof)
        return link  # same address: nothing to redo
    if link is None:
        link = LinkedAccount(member=member, provider=provider)
    link.url = url
    link.status = Status.UNVERIFIED  # a new address starts over
    link.proof_url, link.last_error, link.reviewed_by = "", "", None
    link.checked_at = link.verified_at = None
    if rule.rel_me:
        _move(link, Status.CHECKING)
    elif proof:
        link.proof_url = proof
        _move(link, Status.PENDING_REVIEW)
    link.save()
    if link.status == Status.CHECKING:
        _defer_check(link)
    _audit(member, "linked_account.saved", link, url=url)
    return link


@transaction.atomic
def linked_account_recheck(*, member: User, provider: str) -> LinkedAccount:
    rule = _provider(provider)
    link = access_link(member, provider)
    link = LinkedAccount.objects.select_for_update().get(pk=link.pk)
    if not rule.rel_me:
        raise Conflict(
            errors.LINK_ILLEGAL_TRANSITION,
            _("%(label)s can't be checked automatically; send a proof link instead.")
            % {"label": rule.label},
        )
    if link.status == Status.CHECKING:
        return link
    _move(link, Status.CHECKING)
    link.last_error = ""
    link.save(update_fields=["status", "last_error"])
    _defer_check(link)
    _audit(member, "linked_account.recheck", link)
    return link


@transaction.atomic
def linked_account_submit_proof(*, member: User, provider: str, proof_url: str) -> LinkedAccount:
    """Send a proof (e.g. a post on that account mentioning your yalls profile) to moderators."""
    _provider(provider)
    proof = _validate_url(proof_url, field="proof_url")
    link = LinkedAccount.objects.select_for_update().get(pk=access_link(member, provider).pk)
    _move(link, Status.PENDING_REVIEW)
    link.proof_url = proof
    link.save(update_fields=["status", "proof_url"])
    _audit(member, "linked_account.proof_submitted", link, proof_url=proof)
    return link


@transaction.atomic
def linked_account_remove(*, member: User, provider: str) -> None:
    link = access_link(member, provider)
    _audit(member, "linked_account.removed", link, url=link.url)
    link.delete()


@transaction.atomic
def linked_account_review(
    *, moderator: User, link: LinkedAccount, approve: bool, note: str = ""
) -> LinkedAccount:
    """A moderator (or admin) approves or rejects a proof; audited with the note."""
    if not is_moderator(moderator):
        raise Forbidden(errors.LINK_NOT_ALLOWED, _("Only moderators review linked accounts."))
    link = LinkedAccount.objects.select_for_update().get(pk=link.pk)
    if link.member_id == moderator.pk:
        raise Forbidden(errors.LINK_NOT_ALLOWED, _("Another moderator must review your own links."))
    _move(link, Status.VERIFIED if approve else Status.REJECTED)
    link.reviewed_by = moderator
    link.checked_at = timezone.now()
    link.verified_at = link.checked_at if approve else None
    link.last_error = "" if approve else (note.strip()[:300] or "The proof did not convince.")
    link.save(update_fields=["status", "reviewed_by", "checked_at", "verified_at", "last_error"])
    _audit(moderator, "linked_account.approved" if approve else "linked_account.rejected", link,
           note=note.strip()[:300])  # fmt: skip
    if approve:
        _notify_verified(link, moderator)
    return link


def linked_account_check(*, link_id: str, fetch=None, **fetch_options) -> str:
    """The verification job's work: fetch the linked page through the safe fetcher (outside any
    transaction), then record the result if the link is still the one checked. Safe to run twice.
    Returns the resulting status (or "skipped")."""
    from yalls.accounts.safe_fetch import FetchError, safe_fetch

    link = LinkedAccount.objects.select_related("member").filter(pk=link_id).first()
    if link is None or link.status != Status.CHECKING:
        return "skipped"
    checked_url = link.url
    fetch = fetch or safe_fetch
    found, error = False, ""
    try:
        result = fetch(checked_url, **fetch_options)
        if result.status != 200:
            error = f"The page answered HTTP {result.status}."
        elif result.content_type not in ("text/html", "application/xhtml+xml"):
            error = "The page is not HTML."
        else:
            found = page_links_back(result.text(), page_url=result.url, member=link.member)
            if not found:
                error = f'No rel="me" link to {profile_url(link.member)} on that page.'
    except FetchError as exc:
        error = exc.reason
    with transaction.atomic():
        link = LinkedAccount.objects.select_for_update().filter(pk=link_id).first()
        if link is None or link.status != Status.CHECKING or link.url != checked_url:
            return "skipped"  # removed or changed meanwhile: the newer save queued its own check
        _move(link, Status.VERIFIED if found else Status.FAILED)
        link.checked_at = timezone.now()
        link.verified_at = link.checked_at if found else None
        link.last_error = error[:300]
        link.save(update_fields=["status", "checked_at", "verified_at", "last_error"])
        _audit(None, "linked_account.verified" if found else "linked_account.check_failed", link,
               error=error[:300])  # fmt: skip
        if found:
            _notify_verified(link)
    return link.status


# --- Badges -----------------------------------------------------------------------------------


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
    from django.utils.text import slugify

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
        _audit(admin, "linked_account.approved", link, note="demo data")
    return {"badges": granted, "links": int(created)}
