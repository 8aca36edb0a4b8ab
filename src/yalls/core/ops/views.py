"""Thin views for /ops/ (staff), /ops/jobs/ (dead letters: retry, discard) and /metrics."""

from __future__ import annotations

import functools
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yalls.core.db_context import system_context
from yalls.core.errors import DomainError
from yalls.core.ops import prometheus, selectors, services


def staff_required(view):
    """Anonymous: to the sign-in page. Signed in but not staff: 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise PermissionDenied(_("The ops pages are for the yalls staff who run the site."))
        # Jobs and failures are system tables members' role may not read: staff, checked above,
        # read them as the system.
        with system_context():
            return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def ops_home(request):
    counts = selectors.job_counts()
    redis = selectors.redis_state()
    return render(
        request,
        "ops/home.html",
        {
            "nav_active": "ops",
            "routes": selectors.route_latency(),
            "depth": selectors.queue_depth(counts),
            "database_connections": selectors.database_connections(),
            "redis": redis,
            "hit_ratio_percent": None if redis["hit_ratio"] is None else redis["hit_ratio"] * 100,
            "slow_query_ms": settings.SLOW_QUERY_MS,
        },
    )


@require_GET
@staff_required
def jobs_page(request):
    status = request.GET.get("status", "")
    queue = request.GET.get("queue", "")
    if status and status not in selectors.JOB_STATUSES:
        raise DomainError(
            "ops.bad_filter",
            _("Unknown job status: %(value)s") % {"value": status[:40]},
            field="status",
        )
    if len(queue) > 128:
        raise DomainError("ops.bad_filter", _("Queue name too long."), field="queue")
    counts = selectors.job_counts()
    return render(
        request,
        "ops/jobs.html",
        {
            "nav_active": "ops",
            "statuses": selectors.JOB_STATUSES,
            "table": selectors.job_table(counts),
            "depth": selectors.queue_depth(counts),
            "dead_letters": selectors.dead_letters(),
            "recent": selectors.recent_jobs(queue=queue or None, status=status or None),
            "queues": selectors.queue_names(),
            "selected_status": status,
            "selected_queue": queue,
        },
    )


def _job_action(request, job_id: int, service, done: str):
    try:
        service(actor=request.user, job_id=job_id)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(job_id=job_id))
    return redirect("ops_jobs")


@require_POST
@staff_required
def job_retry(request, job_id: int):
    return _job_action(
        request, job_id, services.dead_letter_retry, "Job {job_id} is back in its queue."
    )


@require_POST
@staff_required
def job_discard(request, job_id: int):
    return _job_action(request, job_id, services.dead_letter_discard, "Job {job_id} was discarded.")


def _bearer_ok(request) -> bool | None:
    """True: the right METRICS_TOKEN. False: a bearer token that is wrong. None: none given."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    expected = getattr(settings, "METRICS_TOKEN", "")
    return bool(expected) and hmac.compare_digest(header[7:].strip().encode(), expected.encode())


@require_GET
def metrics(request):
    """Prometheus scrape: staff session or `Authorization: Bearer <METRICS_TOKEN>`. A wrong token
    is refused (403); anyone else is told there is nothing here (404)."""
    bearer = _bearer_ok(request)
    user = request.user
    allowed = bearer is True or (
        bearer is None and user.is_authenticated and getattr(user, "is_staff", False)
    )
    if not allowed:
        if bearer is False:
            raise PermissionDenied("Bad metrics token")
        raise Http404
    with system_context():
        body = prometheus.render()
    response = HttpResponse(body, content_type=prometheus.CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
