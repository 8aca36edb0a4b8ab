"""The web shell's own pages: home, search, the @handle dispatcher, and placeholders of later areas."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from yalls.accounts import selectors as account_selectors
from yalls.accounts.adapter import FIRST_SIGN_IN_SESSION_KEY
from yalls.accounts.models import User
from yalls.core.errors import NotFound, problem_response
from yalls.core.handles import handle_resolve
from yalls.core.models import Handle
from yalls.entities import selectors as entity_selectors
from yalls.entities import views as entity_views
from yalls.social.selectors import follows as follow_selectors
from yalls.social.selectors import posts as post_selectors
from yalls.social.selectors import relations


def home(request):
    context = {"nav_active": "home"}
    if request.user.is_authenticated:
        context["first_visit"] = request.session.get(FIRST_SIGN_IN_SESSION_KEY, False)
        context["suggestions"] = follow_selectors.who_to_follow(request.user, limit=5)
        context["my_entities"] = entity_selectors.entities_of_member(
            request.user, include_archived=False
        )[:6]
    context["recent_entities"] = list(
        entity_selectors.entities_visible(request.user)
        .select_related("kind")
        .order_by("-created_at")[:6]
    )
    return render(request, "home.html", context)


def search(request):
    """Members and entities by name or @handle; posts by #tag (every tag in a post links here)."""
    q = request.GET.get("q", "").strip()[:100]
    members, entities, posts = [], [], []
    if q.startswith("#"):
        tagged = post_selectors.posts_tagged(request.user, q).order_by("-created_at", "-id")[:20]
        posts = post_selectors.cards_prepare(request.user, list(tagged))
    elif q:
        term = q.lstrip("@")
        viewer_id = request.user.pk if request.user.is_authenticated else None
        people = User.objects.filter(is_active=True).exclude(
            pk__in=relations.blocked_ids(viewer_id)
        )
        members = list(people.filter(handle__icontains=term)[:10]) + list(
            people.filter(display_name__icontains=term).exclude(handle__icontains=term)[:10]
        )
        entities = list(
            entity_selectors.entities_visible(request.user, q=term).order_by("display_name")[:20]
        )
    return render(
        request,
        "search.html",
        {"nav_active": "search", "q": q, "members": members, "entities": entities, "posts": posts},
    )


def profile(request, handle: str):
    claim = handle_resolve(handle)
    if claim is None:
        return render(request, "404.html", {"what": f"@{handle}"}, status=404)
    try:
        if claim.kind == Handle.Kind.MEMBER:
            return _member_profile(request, handle)
        return entity_views.entity_page(request, handle)
    except NotFound:
        return render(request, "404.html", {"what": f"@{handle}"}, status=404)


def _member_profile(request, handle: str):
    member = account_selectors.access_member_by_handle(handle)
    if relations.profile_hidden_from(request.user, member):  # as if it didn't exist
        return render(request, "social/engagement_profile_unavailable.html", status=404)
    entities = entity_selectors.entities_of_member(member, include_archived=False)
    is_me = request.user.is_authenticated and request.user.pk == member.pk
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "entities": entities,
            "is_me": is_me,
            "nav_active": "profile" if is_me else "",
        },
    )


def api_not_found(request):
    return problem_response(
        status=404,
        code="not_found",
        title=_("Not found"),
        detail=_("No API route matches this path."),
        request=request,
    )
