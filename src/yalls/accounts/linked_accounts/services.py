"""Writes of linked accounts: save, re-check, proof, removal, moderator review and the rel=me
verification job's work; every move goes through providers.move (the lifecycle table)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yalls.accounts import errors
from yalls.accounts.linked_accounts.providers import (
    Status,
    move,
    profile_url,
    provider_rule,
    validate_url,
)
from yalls.accounts.linked_accounts.rel_me import page_links_back
from yalls.accounts.linked_accounts.selectors import access_link, is_moderator
from yalls.accounts.models import LinkedAccount, User
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, Forbidden

_on_verified: list[Callable[..., None]] = []


def on_link_verified(fn: Callable[..., None]) -> Callable[..., None]:
    """Register `fn(*, link, actor)`, called inside the transaction that verified a link."""
    if fn not in _on_verified:
        _on_verified.append(fn)
    return fn


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


def _verified(link: LinkedAccount, actor=None) -> None:
    """Tell whoever registered (notifications does, in its AppConfig.ready()) that a link is now
    verified; accounts sits below notifications, so it offers a hook instead of importing it."""
    for fn in _on_verified:
        fn(link=link, actor=actor)


def link_audit(actor, action: str, link: LinkedAccount, **extra) -> None:
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
    rule = provider_rule(provider)
    url = validate_url(url, field="url", hosts=rule.hosts)
    proof = validate_url(proof_url, field="proof_url") if (proof_url or "").strip() else ""
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
        move(link, Status.CHECKING)
    elif proof:
        link.proof_url = proof
        move(link, Status.PENDING_REVIEW)
    link.save()
    if link.status == Status.CHECKING:
        _defer_check(link)
    link_audit(member, "linked_account.saved", link, url=url)
    return link


@transaction.atomic
def linked_account_recheck(*, member: User, provider: str) -> LinkedAccount:
    rule = provider_rule(provider)
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
    move(link, Status.CHECKING)
    link.last_error = ""
    link.save(update_fields=["status", "last_error"])
    _defer_check(link)
    link_audit(member, "linked_account.recheck", link)
    return link


@transaction.atomic
def linked_account_submit_proof(*, member: User, provider: str, proof_url: str) -> LinkedAccount:
    """Send a proof (e.g. a post on that account mentioning your yalls profile) to moderators."""
    provider_rule(provider)
    proof = validate_url(proof_url, field="proof_url")
    link = LinkedAccount.objects.select_for_update().get(pk=access_link(member, provider).pk)
    move(link, Status.PENDING_REVIEW)
    link.proof_url = proof
    link.save(update_fields=["status", "proof_url"])
    link_audit(member, "linked_account.proof_submitted", link, proof_url=proof)
    return link


@transaction.atomic
def linked_account_remove(*, member: User, provider: str) -> None:
    link = access_link(member, provider)
    link_audit(member, "linked_account.removed", link, url=link.url)
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
    move(link, Status.VERIFIED if approve else Status.REJECTED)
    link.reviewed_by = moderator
    link.checked_at = timezone.now()
    link.verified_at = link.checked_at if approve else None
    # Stored in English and translated where it is shown (settings_links.html); a moderator's
    # own note is shown as written.
    link.last_error = (
        "" if approve else (note.strip()[:300] or gettext_noop("The proof did not convince."))
    )
    link.save(update_fields=["status", "reviewed_by", "checked_at", "verified_at", "last_error"])
    link_audit(moderator, "linked_account.approved" if approve else "linked_account.rejected", link,
           note=note.strip()[:300])  # fmt: skip
    if approve:
        _verified(link, moderator)
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
            error = gettext_noop("The page is not HTML.")
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
        move(link, Status.VERIFIED if found else Status.FAILED)
        link.checked_at = timezone.now()
        link.verified_at = link.checked_at if found else None
        link.last_error = error[:300]
        link.save(update_fields=["status", "checked_at", "verified_at", "last_error"])
        link_audit(None, "linked_account.verified" if found else "linked_account.check_failed", link,
               error=error[:300])  # fmt: skip
        if found:
            _verified(link)
    return link.status
