"""The web shell's own pages: home, search, the @handle dispatcher, and placeholders of later areas."""

from django.shortcuts import render

from yalls.accounts import views as account_views
from yalls.accounts.models import User
from yalls.core.errors import NotFound, problem_response
from yalls.core.handles import handle_resolve
from yalls.core.models import Handle
from yalls.entities import selectors as entity_selectors
from yalls.entities import views as entity_views


def home(request):
    context = {"nav_active": "home"}
    if request.user.is_authenticated:
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
    q = request.GET.get("q", "").strip()[:100]
    members, entities = [], []
    if q:
        members = list(User.objects.filter(is_active=True, handle__icontains=q)[:10]) + list(
            User.objects.filter(is_active=True, display_name__icontains=q).exclude(
                handle__icontains=q
            )[:10]
        )
        entities = list(
            entity_selectors.entities_visible(request.user, q=q).order_by("display_name")[:20]
        )
    return render(
        request,
        "search.html",
        {"nav_active": "search", "q": q, "members": members, "entities": entities},
    )


def profile(request, handle: str):
    claim = handle_resolve(handle)
    if claim is None:
        return render(request, "404.html", {"what": f"@{handle}"}, status=404)
    try:
        if claim.kind == Handle.Kind.MEMBER:
            return account_views.member_profile(request, handle)
        return entity_views.entity_page(request, handle)
    except NotFound:
        return render(request, "404.html", {"what": f"@{handle}"}, status=404)


def api_not_found(request):
    return problem_response(
        status=404,
        code="not_found",
        title="Not found",
        detail="No API route matches this path.",
        request=request,
    )
