"""The notifications page, the bell's drawer, mark-read forms and the live unread stream.

Every action is a plain POST form that works without JavaScript (it redirects back); with htmx the
list swaps in place and the response's `HX-Trigger: yalls:unread` carries the fresh counts, which
notifications.js writes into every badge. `/notifications/stream` is a server-sent events stream
(notifications/realtime.py); the view only resolves the member, the body streams without
holding a database connection.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from yalls.core.db_context import member_context
from yalls.core.errors import DomainError, problem_response
from yalls.core.http import redirect_back
from yalls.core.pagination import DEFAULT_PAGE_SIZE
from yalls.notifications import realtime, selectors, services
from yalls.notifications.models import Lane

PAGE_SIZE = DEFAULT_PAGE_SIZE
DRAWER_SIZE = 8
LANE_LABELS = dict(Lane.choices)


def _lane_or_default(request, counts: dict) -> str:
    """The asked lane; else the first lane with something unread; else Priority."""
    lane = request.GET.get("lane") or request.POST.get("lane") or ""
    if lane in selectors.LANES:
        return lane
    return next((name for name in selectors.LANES if counts.get(name)), selectors.LANES[0])


def _lanes(counts: dict, active: str) -> list[dict]:
    return [
        {"name": name, "label": LANE_LABELS[name], "unread": counts[name], "active": name == active}
        for name in selectors.LANES
    ]


def _with_counts(response: HttpResponse, counts: dict) -> HttpResponse:
    """htmx responses tell the page's badges the fresh counts (notifications.js listens)."""
    response["HX-Trigger"] = json.dumps({"yalls:unread": counts})
    return response


def _page_url(lane: str) -> str:
    return f"{reverse('notifications')}?lane={lane}"


def _panel_context(request, lane: str, counts: dict, *, cursor: str | None = None) -> dict:
    page = selectors.notifications_page(request.user, lane=lane, cursor=cursor, limit=PAGE_SIZE)
    return {
        "lane": lane,
        "lane_label": LANE_LABELS[lane],
        "lanes": _lanes(counts, lane),
        "counts": counts,
        "lane_unread": counts[lane],
        "items": page.items,
        "next_cursor": page.next_cursor,
        "next_url": _page_url(lane),
    }


@login_required
@require_GET
def page(request):
    """/notifications: the three lanes as tabs, newest first, older pages by cursor."""
    counts = selectors.unread_counts(request.user)
    request.notification_counts = counts  # the bell in the header reuses them
    lane = _lane_or_default(request, counts)
    cursor = request.GET.get("cursor") or None
    try:
        context = _panel_context(request, lane, counts, cursor=cursor)
    except DomainError as exc:  # a mangled cursor: the first page, with a note
        messages.error(request, exc.message)
        return redirect(_page_url(lane))
    if request.htmx and cursor:
        return render(request, "notifications/items.html", context)
    context["nav_active"] = "notifications"
    return render(request, "notifications/page.html", context)


@login_required
@require_GET
def drawer(request):
    """The bell's drawer body: lane tabs and the latest few items of one lane (htmx partial)."""
    counts = selectors.unread_counts(request.user)
    lane = _lane_or_default(request, counts)
    page = selectors.notifications_page(request.user, lane=lane, limit=DRAWER_SIZE)
    context = {
        "lane": lane,
        "lane_label": LANE_LABELS[lane],
        "lanes": _lanes(counts, lane),
        "counts": counts,
        "lane_unread": counts[lane],
        "items": page.items,
        "more": page.next_cursor is not None,
        "page_url": _page_url(lane),
    }
    return _with_counts(render(request, "notifications/drawer.html", context), counts)


@login_required
@require_POST
def mark_read(request, notification_id):
    """Mark one read. htmx: the item comes back read; otherwise back to where the form was."""
    notification = selectors.access_notification(request.user, notification_id)
    services.notifications_mark_read(member=request.user, ids=[notification.pk])
    counts = selectors.unread_counts(request.user)
    if request.htmx:
        notification.refresh_from_db(fields=["read_at"])
        context = {"n": notification, "place": request.POST.get("place", "page")}
        return _with_counts(render(request, "notifications/item.html", context), counts)
    return redirect_back(request, _page_url(notification.lane))


@login_required
@require_POST
def mark_all_read(request):
    """Mark every unread item of one lane read."""
    lane = request.POST.get("lane", "")
    try:
        lane = selectors.lane_clean(lane)
    except DomainError as exc:
        if request.htmx:
            return problem_response(
                status=422, code=exc.code, title=_("Unprocessable"), detail=exc.message
            )
        messages.error(request, exc.message)
        return redirect("notifications")
    if lane is None:  # the form always names its lane; "all lanes" is the API's business
        messages.error(request, _("Pick a lane."))
        return redirect("notifications")
    marked = services.notifications_mark_all_read(member=request.user, lane=lane)
    counts = selectors.unread_counts(request.user)
    if request.htmx:
        place = request.POST.get("place", "page")
        if place == "drawer":
            return drawer_after_action(request, lane, counts)
        context = _panel_context(request, lane, counts)
        context["announce"] = _("Marked %(count)s in %(lane)s as read.") % {
            "count": _n(marked),
            "lane": LANE_LABELS[lane],
        }
        return _with_counts(render(request, "notifications/panel.html", context), counts)
    messages.success(
        request,
        _("Marked %(count)s in %(lane)s as read.")
        % {"count": _n(marked), "lane": LANE_LABELS[lane]},
    )
    return redirect_back(request, _page_url(lane))


def _n(marked) -> str:
    count = marked if isinstance(marked, int) else 0
    return ngettext("%(count)s notification", "%(count)s notifications", count) % {"count": count}


def drawer_after_action(request, lane: str, counts: dict) -> HttpResponse:
    page = selectors.notifications_page(request.user, lane=lane, limit=DRAWER_SIZE)
    context = {
        "lane": lane,
        "lane_label": LANE_LABELS[lane],
        "lanes": _lanes(counts, lane),
        "counts": counts,
        "lane_unread": counts[lane],
        "items": page.items,
        "more": page.next_cursor is not None,
        "page_url": _page_url(lane),
        "announce": _("Everything in %(lane)s is marked read.") % {"lane": LANE_LABELS[lane]},
    }
    return _with_counts(render(request, "notifications/drawer.html", context), counts)


@login_required
@require_GET
def open_notification(request, notification_id):
    """Follow a notification's link, marking it read on the way (only links inside the site)."""
    notification = selectors.access_notification(request.user, notification_id)
    if notification.read_at is None:
        services.notifications_mark_read(member=request.user, ids=[notification.pk])
    target = notification.link or _page_url(notification.lane)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = _page_url(notification.lane)
    return redirect(target)


def _snapshot_for(member_id):
    """Counts read in the request's own thread under the member's RLS context, then that
    thread's connection is closed: an open stream holds no database connection."""

    class _Member:
        pk = member_id

    def snapshot() -> dict:
        with member_context(member_id):
            counts = selectors.unread_counts(_Member)
        if not connection.in_atomic_block:
            connection.close()
        return counts

    return snapshot


@require_GET
def stream(request):
    """Server-sent events: `unread` events with {"priority", "social", "system", "total"}."""
    if not request.user.is_authenticated:
        # EventSource gives up on a non-200 answer instead of retrying forever.
        return problem_response(
            status=401,
            code="auth.required",
            title=_("Unauthorized"),
            detail=_("Sign in to receive notifications."),
            request=request,
        )
    if not isinstance(request, ASGIRequest):
        # A WSGI server (a WSGI deployment, the threaded test server) would give a whole worker to
        # each open stream: answer once and let EventSource come back every WSGI_RETRY_MS.
        counts = selectors.unread_counts(request.user)
        body = f"retry: {realtime.WSGI_RETRY_MS}\n\n" + realtime.sse_event("unread", counts)
        response = HttpResponse(body, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache, no-transform"
        return response
    member_id = request.user.pk
    response = StreamingHttpResponse(
        realtime.unread_stream(member_id, snapshot=_snapshot_for(member_id)),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response
