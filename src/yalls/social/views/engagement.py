"""Web endpoints of favorites, pins, follows, blocks, mutes and hides, and the privacy settings page.

Every action is a plain POST form that works without JavaScript (it redirects back to `next`);
with htmx the favorite button and the follow controls swap themselves in place. Views only parse
the form and call one service. The routes are listed at the bottom (`urlpatterns`), included once
from social/urls.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yalls.core.errors import DomainError
from yalls.core.http import redirect_back
from yalls.core.ratelimit import rate_limit
from yalls.social.selectors import engagement as selectors
from yalls.social.services import engagement as services
from yalls.social.templatetags.social_engagement import (
    PIN_FORM_FIELDS,
    PIN_FORM_SESSION_KEY,
    follow_controls_context,
)


def _fail(request, exc: DomainError, fallback: str = "/"):
    """Without htmx a refused action comes back to the page with the reason; a thing that doesn't
    exist (or that the member may not know exists) is the 404 page."""
    if exc.status == 404:
        raise exc
    messages.error(request, exc.message)
    return redirect_back(request, fallback)


@login_required
@require_POST
@rate_limit("high")
def favorite_toggle(request):
    kind = request.POST.get("kind", "")
    ref_id = request.POST.get("id", "")
    error = ""
    try:
        state = services.favorite_toggle(member=request.user, kind=kind, ref_id=ref_id)
    except DomainError as exc:
        if not request.htmx:
            return _fail(request, exc)
        state, error = selectors.favorite_state(request.user, kind, ref_id), exc.message
    if request.htmx:
        html = render_to_string(
            "social/engagement_favorite_button.html",
            {
                "user": request.user,
                "kind": kind,
                "ref_id": ref_id,
                "favorited": state,
                "label": request.POST.get("label", "")[:120] or "this",
                "next": request.POST.get("next", ""),
                "error": error,
                "announce": True,
            },
            request=request,
        )
        return HttpResponse(html)
    messages.success(
        request, _("Added to your favorites.") if state else _("Removed from your favorites.")
    )
    return redirect_back(request, "/")


def _follow_target(request):
    kind = request.POST.get("target_kind", "")
    ref = request.POST.get("target", "")
    found = (
        selectors.member_by_ref(ref)
        if kind == "member"
        else selectors.entity_by_ref(ref)
        if kind == "entity"
        else None
    )
    if found is None:
        raise DomainError("relation.target_not_found", _("Nothing to follow here."), status=404)
    return kind, found


def _follow_controls_response(request, kind, target, error: str = ""):
    context = follow_controls_context(request, kind, target, error=error)
    context["next"] = request.POST.get("next", "")
    context["announce"] = True
    return HttpResponse(
        render_to_string("social/engagement_follow_controls.html", context, request=request)
    )


@login_required
@require_POST
def follow_toggle(request):
    kind, target = _follow_target(request)
    action = request.POST.get("action")
    error = ""
    try:
        if action == "unfollow":
            services.follow_remove(member=request.user, target_kind=kind, target=target.pk)
        else:
            services.follow_create(member=request.user, target_kind=kind, target=target.pk)
    except DomainError as exc:
        if not request.htmx:
            return _fail(request, exc)
        error = exc.message
    if request.htmx:
        return _follow_controls_response(request, kind, target, error)
    return redirect_back(request, "/")


@login_required
@require_POST
def mute_toggle(request):
    kind, target = _follow_target(request)
    try:
        if request.POST.get("action") == "unmute":
            services.mute_remove(member=request.user, target_kind=kind, target=target.pk)
            messages.success(
                request,
                _("You'll see %(display_name)s again.") % {"display_name": target.display_name},
            )
        else:
            services.mute_create(member=request.user, target_kind=kind, target=target.pk)
            messages.success(
                request,
                _("Muted %(display_name)s. They won't know; unmute any time.")
                % {"display_name": target.display_name},
            )
    except DomainError as exc:
        return _fail(request, exc)
    return redirect_back(request, "/")


@login_required
@require_POST
def block_toggle(request):
    target = selectors.member_by_ref(request.POST.get("target", ""))
    if target is None:
        raise DomainError("relation.target_not_found", _("No such member."), status=404)
    try:
        if request.POST.get("action") == "unblock":
            services.block_remove(member=request.user, target=target.pk)
            messages.success(request, _("Unblocked @%(handle)s.") % {"handle": target.handle})
        else:
            services.block_create(member=request.user, target=target.pk)
            messages.success(
                request,
                _("Blocked @%(handle)s. Neither of you can see or reach the other.")
                % {"handle": target.handle},
            )
    except DomainError as exc:
        return _fail(request, exc)
    return redirect_back(request, "/")


@login_required
@require_POST
def hide_toggle(request):
    kind = request.POST.get("kind", "")
    ref_id = request.POST.get("id", "")
    try:
        if request.POST.get("action") == "unhide":
            services.hide_remove(member=request.user, kind=kind, ref_id=ref_id)
            messages.success(request, _("It's back in your feeds."))
        else:
            services.hide_create(member=request.user, kind=kind, ref_id=ref_id)
            messages.success(request, _("Hidden from your feeds."))
    except DomainError as exc:
        return _fail(request, exc)
    return redirect_back(request, "/")


def _profile_url(request) -> str:
    return f"/@{request.user.handle}"


@login_required
@require_POST
def pin_add(request):
    kind = request.POST.get("kind", "")
    # The form has one picker per pinnable kind; only the chosen kind's picker counts.
    ref_id = request.POST.get(kind) if kind in ("post", "horse") else None
    try:
        services.pin_add(
            member=request.user,
            kind=kind,
            title=request.POST.get("title", ""),
            ref_id=ref_id or None,
            url=request.POST.get("url", ""),
        )
    except DomainError as exc:
        # Back on the profile, the form reopens with what was typed and the reason beside the
        # field it concerns (the board reads this once; see pins_board).
        field = exc.field if exc.field in PIN_FORM_FIELDS else None
        if field is None and kind in ("post", "horse") and exc.field in ("ref_id", "ref"):
            field = kind
        request.session[PIN_FORM_SESSION_KEY] = {
            "values": {name: request.POST.get(name, "")[:500] for name in PIN_FORM_FIELDS},
            "field": field,
            "error": exc.message,
        }
        response = redirect_back(request, _profile_url(request))
        response["Location"] = response["Location"].split("#")[0] + "#pin-add-form"
        return response
    messages.success(request, _("Pinned to your profile."))
    return redirect_back(request, _profile_url(request))


@login_required
@require_POST
def pin_move(request, pin_id):
    try:
        services.pin_move(
            member=request.user, pin_id=pin_id, direction=request.POST.get("direction", "")
        )
    except DomainError as exc:
        return _fail(request, exc, _profile_url(request))
    return redirect_back(request, _profile_url(request))


@login_required
@require_POST
def pin_remove(request, pin_id):
    try:
        services.pin_remove(member=request.user, pin_id=pin_id)
    except DomainError as exc:
        return _fail(request, exc, _profile_url(request))
    messages.success(request, _("Unpinned."))
    return redirect_back(request, _profile_url(request))


@login_required
@require_GET
def settings_privacy(request):
    blocks = selectors.blocks_page(request.user, cursor=request.GET.get("blocks") or None)
    mutes, mutes_next = selectors.mutes_page(request.user, cursor=request.GET.get("mutes") or None)
    hides, hides_next = selectors.hides_page(request.user, cursor=request.GET.get("hides") or None)
    return render(
        request,
        "social/engagement_settings_privacy.html",
        {
            "blocks": blocks.items,
            "blocks_next": blocks.next_cursor,
            "mutes": mutes,
            "mutes_next": mutes_next,
            "hides": hides,
            "hides_next": hides_next,
            "nav_active": "settings",
            "settings_tab": "privacy",
        },
    )


urlpatterns = [
    path("favorites/toggle", favorite_toggle, name="favorite_toggle"),
    path("follows/toggle", follow_toggle, name="follow_toggle"),
    path("mutes/toggle", mute_toggle, name="mute_toggle"),
    path("blocks/toggle", block_toggle, name="block_toggle"),
    path("hides/toggle", hide_toggle, name="hide_toggle"),
    path("me/pins/add", pin_add, name="pin_add"),
    path("me/pins/<uuid:pin_id>/move", pin_move, name="pin_move"),
    path("me/pins/<uuid:pin_id>/remove", pin_remove, name="pin_remove"),
    path("settings/privacy", settings_privacy, name="settings_privacy"),
]
