"""Pages for linked accounts and badges: /settings/links (the member), /moderation/links (the
review queue: moderators and admins) and /moderation/badges (admins grant and revoke)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yalls.accounts.linked_accounts import badges, providers, selectors, services
from yalls.accounts.models import LinkedAccount
from yalls.core.errors import DomainError


class LinkForm(forms.Form):
    url = forms.CharField(max_length=500, label=gettext_lazy("Profile address"))
    proof_url = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Proof address"),
        help_text=gettext_lazy("A post or page on that account that links to your yalls profile."),
    )

    def __init__(self, *args, provider: str, **kwargs):
        super().__init__(*args, prefix=provider, **kwargs)
        rule = providers.PROVIDERS[provider]
        self.fields["url"].label = f"{rule.label} address"
        self.fields["url"].widget.attrs.update({"placeholder": rule.example, "inputmode": "url"})
        self.fields["url"].help_text = _("For example %(url)s") % {"url": rule.example}
        if rule.rel_me:
            del self.fields["proof_url"]


def _rows(member, bound: dict | None = None) -> list[dict]:
    links = {link.provider: link for link in selectors.links_of_member(member)}
    rows = []
    for provider, rule in providers.PROVIDERS.items():
        link = links.get(provider)
        form = (bound or {}).get(provider) or LinkForm(
            provider=provider,
            initial={"url": link.url, "proof_url": link.proof_url} if link else None,
        )
        rows.append({"provider": provider, "rule": rule, "link": link, "form": form})
    return rows


@login_required
def settings_links(request):
    member = request.user
    bound, status = {}, 200
    if request.method == "POST":
        provider = request.POST.get("provider", "")
        if provider not in providers.PROVIDERS:
            messages.error(request, _("Pick an account to link."))
            return redirect("settings_links")
        form = LinkForm(request.POST, provider=provider)
        if form.is_valid():
            try:
                link = services.linked_account_save(
                    member=member, provider=provider, url=form.cleaned_data["url"],
                    proof_url=form.cleaned_data.get("proof_url", ""),
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _saved_message(link))
                return redirect("settings_links")
        bound[provider], status = form, 400
    return render(
        request,
        "accounts/settings_links.html",
        {
            "rows": _rows(member, bound),
            "profile_url": providers.profile_url(member),
            "nav_active": "settings",
            "settings_tab": "links",
        },
        status=status,
    )


def _saved_message(link: LinkedAccount) -> str:
    label = providers.PROVIDERS[link.provider].label
    if link.status == LinkedAccount.Status.CHECKING:
        return f"{label} saved. We're checking it for a link back to your profile."
    if link.status == LinkedAccount.Status.PENDING_REVIEW:
        return f"{label} saved and sent to a moderator with your proof."
    if link.status == LinkedAccount.Status.UNVERIFIED:
        return f"{label} saved. Add a proof address so a moderator can verify it."
    return f"{label} saved."


def _link_action(request, action, success: str):
    provider = request.POST.get("provider", "")
    try:
        action(provider)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("settings_links")


@login_required
@require_POST
def settings_link_remove(request):
    return _link_action(
        request,
        lambda p: services.linked_account_remove(member=request.user, provider=p),
        _("Link removed."),
    )


@login_required
@require_POST
def settings_link_recheck(request):
    return _link_action(
        request,
        lambda p: services.linked_account_recheck(member=request.user, provider=p),
        _("Checking again."),
    )


@login_required
@require_POST
def settings_link_proof(request):
    proof = request.POST.get("proof_url", "")
    return _link_action(
        request,
        lambda p: services.linked_account_submit_proof(
            member=request.user, provider=p, proof_url=proof
        ),
        _("Proof sent to the moderators."),
    )


# --- Moderation ---------------------------------------------------------------------------------


def _moderator(request):
    if not selectors.is_moderator(request.user):
        raise PermissionDenied("Only moderators and admins review linked accounts.")


@login_required
def moderation_links(request):
    _moderator(request)
    return render(
        request,
        "accounts/moderation_links.html",
        {"queue": list(selectors.review_queue(request.user)[:100]), "nav_active": ""},
    )


@login_required
@require_POST
def moderation_link_decide(request, link_id):
    _moderator(request)
    link = get_object_or_404(LinkedAccount, pk=link_id)
    approve = request.POST.get("decision") == "approve"
    try:
        services.linked_account_review(
            moderator=request.user, link=link, approve=approve, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (_("Verified @%(handle)s's link.") if approve else _("Rejected @%(handle)s's link."))
            % {"handle": link.member.handle},
        )
    return redirect("moderation_links")


class BadgeGrantForm(forms.Form):
    member = forms.CharField(max_length=31, label=gettext_lazy("Member's handle"))
    badge = forms.ChoiceField(label=gettext_lazy("Badge"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["badge"].choices = [(b.slug, b.label) for b in badges.all_badges()]


def _admin(request):
    if not getattr(request.user, "is_staff", False):
        raise PermissionDenied("Only admins grant badges.")


@login_required
def moderation_badges(request):
    _admin(request)
    form = BadgeGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                grant = badges.badge_grant(
                    actor=request.user, member_handle=form.cleaned_data["member"],
                    badge_slug=form.cleaned_data["badge"],
                )  # fmt: skip
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(label)s granted to @%(handle)s.")
                    % {"label": grant.badge.label, "handle": grant.member.handle},
                )
                return redirect("moderation_badges")
        status = 400
    from yalls.accounts.models import MemberBadge

    grants = MemberBadge.objects.select_related("member", "badge").order_by("-granted_at")[:200]
    return render(
        request,
        "accounts/moderation_badges.html",
        {"form": form, "grants": grants, "badges": badges.all_badges()},
        status=status,
    )


@login_required
@require_POST
def moderation_badge_define(request):
    _admin(request)
    try:
        badge = badges.badge_define(
            actor=request.user, label=request.POST.get("label", ""),
            description=request.POST.get("description", ""),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Badge “%(label)s” added.") % {"label": badge.label})
    return redirect("moderation_badges")


@login_required
@require_POST
def moderation_badge_revoke(request):
    _admin(request)
    try:
        badges.badge_revoke(
            actor=request.user, member_handle=request.POST.get("member", ""),
            badge_slug=request.POST.get("badge", ""),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Badge revoked."))
    return redirect("moderation_badges")


# Mounted under /settings/ by accounts/urls.py (one line there).
def _settings_urls():
    from django.urls import path

    return [
        path("links", settings_links, name="settings_links"),
        path("links/remove", settings_link_remove, name="settings_link_remove"),
        path("links/recheck", settings_link_recheck, name="settings_link_recheck"),
        path("links/proof", settings_link_proof, name="settings_link_proof"),
    ]


settings_urls = _settings_urls()
