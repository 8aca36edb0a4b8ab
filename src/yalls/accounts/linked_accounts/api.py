"""/api/v1/me/links (my linked accounts) and /api/v1/moderation/links (the review queue): thin
handlers over yalls.accounts.linked_accounts."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yalls.accounts.linked_accounts import selectors, services
from yalls.accounts.models import LinkedAccount
from yalls.core.api import Cursor, Input, PageLimit
from yalls.core.errors import NotFound
from yalls.core.pagination import paginate

router = Router(tags=["linked accounts"])
moderation_router = Router(tags=["moderation"])

ProviderName = Literal["x", "instagram", "facebook", "youtube", "tiktok", "website"]


class LinkOut(Schema):
    id: UUID
    provider: str
    url: str
    status: str
    proof_url: str
    last_error: str
    checked_at: datetime | None
    verified_at: datetime | None
    created_at: datetime
    member_handle: str

    @staticmethod
    def resolve_member_handle(obj):
        return obj.member.handle


class LinkPage(Schema):
    items: list[LinkOut]
    next_cursor: str | None


class LinkIn(Input):
    url: str = Field(max_length=500)
    proof_url: str = Field(default="", max_length=500)


class ProofIn(Input):
    proof_url: str = Field(max_length=500)


class DecisionIn(Input):
    note: str = Field(default="", max_length=300)


@router.get("", response=list[LinkOut], summary="My linked accounts, one per provider")
def links_mine(request):
    return selectors.links_of_member(request.auth)


@router.put(
    "/{provider}", response=LinkOut, summary="Link or re-link an account (starts verification)"
)
def link_save(request, provider: ProviderName, payload: LinkIn):
    return services.linked_account_save(
        member=request.auth, provider=provider, url=payload.url, proof_url=payload.proof_url
    )


@router.delete("/{provider}", response={204: None}, summary="Remove a linked account")
def link_remove(request, provider: ProviderName):
    services.linked_account_remove(member=request.auth, provider=provider)
    return Status(204, None)


@router.post("/{provider}/proof", response=LinkOut, summary="Send a proof URL to the moderators")
def link_proof(request, provider: ProviderName, payload: ProofIn):
    return services.linked_account_submit_proof(
        member=request.auth, provider=provider, proof_url=payload.proof_url
    )


@router.post("/{provider}/recheck", response=LinkOut, summary="Check the rel=me back-link again")
def link_recheck(request, provider: ProviderName):
    return services.linked_account_recheck(member=request.auth, provider=provider)


@moderation_router.get(
    "/links", response=LinkPage, summary="Linked accounts waiting for review (moderators)"
)
def review_queue(request, cursor: Cursor | None = None, limit: PageLimit = 20):
    page = paginate(selectors.review_queue(request.auth), cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _decide(request, link_id: UUID, payload: DecisionIn | None, approve: bool):
    selectors.review_queue(request.auth)  # moderators only, before saying whether the link exists
    try:
        link = LinkedAccount.objects.select_related("member").get(pk=link_id)
    except LinkedAccount.DoesNotExist as exc:
        raise NotFound("link.not_found", _("No such linked account.")) from exc
    return services.linked_account_review(
        moderator=request.auth, link=link, approve=approve, note=payload.note if payload else ""
    )


@moderation_router.post("/links/{link_id}/approve", response=LinkOut, summary="Verify a link")
def review_approve(request, link_id: UUID, payload: DecisionIn | None = None):
    return _decide(request, link_id, payload, True)


@moderation_router.post("/links/{link_id}/reject", response=LinkOut, summary="Reject a link")
def review_reject(request, link_id: UUID, payload: DecisionIn | None = None):
    return _decide(request, link_id, payload, False)
