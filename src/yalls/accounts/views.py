"""Member settings pages: profile settings, security overview, sessions (the public profile is
the web shell's: it shows entities and posts, which sit above accounts)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from yalls.accounts import selectors, services
from yalls.accounts.forms import ProfileForm
from yalls.core.errors import DomainError
from yalls.core.identifiers import int_id_parse


@login_required
def settings_profile(request):
    member = request.user
    private = selectors.private_profile_for(member)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, member=member)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # One form, one transaction: a refused private field leaves the profile unchanged.
                # Private fields go first so the avatar file is written only when all else passed.
                with transaction.atomic():
                    services.private_profile_update(
                        member=member,
                        phone=data["phone"],
                        date_of_birth=data["date_of_birth"],
                        postal_address=data["postal_address"],
                    )
                    services.profile_update(
                        member=member,
                        handle=data["handle"],
                        display_name=data["display_name"],
                        bio=data["bio"],
                        timezone_name=data["timezone"],
                        locale=data["locale"],
                        avatar=data.get("avatar"),
                        remove_avatar=data.get("remove_avatar", False),
                    )
            except DomainError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("settings_profile")
    else:
        form = ProfileForm(
            member=member,
            initial={
                "display_name": member.display_name,
                "handle": member.handle,
                "bio": member.bio,
                "timezone": member.timezone,
                "locale": member.locale,
                "phone": private.phone,
                "date_of_birth": private.date_of_birth,
                "postal_address": private.postal_address,
            },
        )
    return render(
        request,
        "accounts/settings_profile.html",
        {"form": form, "nav_active": "settings", "settings_tab": "profile"},
    )


@require_POST
def language_set(request):
    """The language menu: Django's set_language (cookie, safe redirect back) and, for a signed-in
    member, the saved locale too, which wins on every later request and device."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.profile_update(member=request.user, locale=code)
    return response


@login_required
def settings_security(request):
    member = request.user
    context = {
        "nav_active": "settings",
        "settings_tab": "security",
        "mfa_enabled": selectors.mfa_enabled(member),
        "session_count": len(
            selectors.member_sessions(member, current_session_key=request.session.session_key)
        ),
        "api_sign_ins": selectors.member_api_sign_ins(member),
    }
    return render(request, "accounts/settings_security.html", context)


@login_required
def settings_sessions(request):
    """Where the member is signed in: one designed page (allauth's own list redirects here)."""
    return render(
        request,
        "accounts/settings_sessions.html",
        {
            "nav_active": "settings",
            "settings_tab": "security",
            "sessions": selectors.member_sessions(
                request.user, current_session_key=request.session.session_key
            ),
        },
    )


@login_required
@require_POST
def sessions_end(request):
    """End one other session (`session` id) or every other session (`all`)."""
    ids = (
        None
        if request.POST.get("all")
        else [i for i in map(int_id_parse, request.POST.getlist("session")) if i is not None]
    )
    ended = services.member_sessions_end(
        member=request.user, session_ids=ids, keep_session_key=request.session.session_key
    )
    messages.success(
        request,
        ngettext(
            "Signed out %(count)s other session.", "Signed out %(count)s other sessions.", ended
        )
        % {"count": ended},
    )
    return redirect("settings_sessions")
