"""The follower and following lists of a profile (/@handle/followers, /@handle/following)."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from yalls.accounts import selectors as account_selectors
from yalls.core.errors import NotFound
from yalls.core.handles import handle_resolve
from yalls.core.models import Handle
from yalls.entities import selectors as entity_selectors
from yalls.social.models import Follow
from yalls.social.selectors import follows as selectors
from yalls.social.selectors import relations


def _profile(request, handle: str):
    """(kind, member or entity) for a handle the viewer may see, else 404 (as the profile does)."""
    claim = handle_resolve(handle)
    if claim is None:
        raise NotFound("profile.not_found", "")
    if claim.kind == Handle.Kind.MEMBER:
        member = account_selectors.access_member_by_handle(handle)
        if relations.profile_hidden_from(request.user, member):
            raise NotFound("profile.not_found", "")
        return Follow.TargetKind.MEMBER, member
    return Follow.TargetKind.ENTITY, entity_selectors.access_entity(request.user, handle)


def _not_found(request, handle: str):
    return render(request, "404.html", {"what": f"@{handle}"}, status=404)


@require_GET
def followers(request, handle: str):
    try:
        kind, target = _profile(request, handle)
    except NotFound:
        return _not_found(request, handle)
    people = selectors.followers_of(request.user, kind, target.pk)
    return render(
        request,
        "social/follow_list.html",
        {"target": target, "target_kind": kind, "tab": "followers", "people": people},
    )


@require_GET
def following(request, handle: str):
    try:
        kind, target = _profile(request, handle)
    except NotFound:
        return _not_found(request, handle)
    if kind != Follow.TargetKind.MEMBER:  # entities don't follow anyone
        return _not_found(request, handle)
    items = selectors.following_of(request.user, target)
    return render(
        request,
        "social/follow_list.html",
        {"target": target, "target_kind": kind, "tab": "following", "items": items},
    )


urlpatterns = [
    path("@<str:handle>/followers", followers, name="profile_followers"),
    path("@<str:handle>/following", following, name="profile_following"),
]
