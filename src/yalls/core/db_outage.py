"""While PostgreSQL is unreachable (restarting, failing over), requests answer 503 at once, never a
500: problem+json on the API, a short page on the web, both with Retry-After.

Where the error surfaces decides who catches it: a view's query → `DatabaseOutageMiddleware`
(process_exception) or the API's exception handler; a middleware's (the request transaction, the
idempotency claim, the session) → Django turns it into a 500 (`server_error`, our handler500,
answers 503 itself) and `DatabaseOutageMiddleware` swaps any such 500 for the 503 on its way out,
the development debug page included. Requests don't wait long: the pool gives up after
DB_POOL_TIMEOUT (settings) and checks each pooled connection before handing it out, so after the
restart no stale connection reaches a view.
"""

import logging
import sys

import psycopg
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from yalls.core.errors import problem_response

log = logging.getLogger("yalls.db")

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
OUTAGE_MARK = "_yalls_database_outage"


def _pool_timeout() -> type[BaseException] | None:
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the pool extra is a dependency
        return None
    return PoolTimeout


def database_unavailable(exc: BaseException | None) -> bool:
    """Is this error (or one it was raised from) "the database can't be reached or went away"?
    Not "this statement is wrong": a bad query stays a 500 (and a bug report)."""
    pool_timeout = _pool_timeout()
    seen = 0
    while exc is not None and seen < 10:
        if pool_timeout is not None and isinstance(exc, pool_timeout):
            return True
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
            # OperationalError covers refused/reset connections and admin shutdown; keep
            # statement-level ones (lock or statement timeouts) out: those are not outages.
            return not isinstance(
                exc, (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable)
            )
        if isinstance(exc, (OperationalError, InterfaceError)) and exc.__cause__ is None:
            return True  # Django's own (e.g. "connection already closed")
        if isinstance(exc, DatabaseError) or exc.__cause__ is not None:
            exc = exc.__cause__ or exc.__context__
        else:
            exc = exc.__context__
        seen += 1
    return False


def outage_response(request) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        response = problem_response(
            status=503,
            code="service.unavailable",
            title=_("Service unavailable"),
            detail=_("The database is not answering right now. Retry in a few seconds."),
            request=request,
        )
    else:
        response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _logged_outage(request, exc) -> HttpResponse:
    log.warning(
        "database unavailable: %s",
        exc.__class__.__name__,
        extra={"event": "db.unavailable", "path": request.path},
    )
    return outage_response(request)


class DatabaseOutageMiddleware:
    """Near the top of MIDDLEWARE. Views: an outage error escaping a view becomes the 503 answer
    (process_exception). Middleware below this one: Django has already turned their exception
    into a 500 (the debug page in development) by the time it comes back up here; the
    `got_request_exception` receiver marked the request if that exception was an outage, and
    this replaces the 500 with the 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        outage = getattr(request, OUTAGE_MARK, None)
        if response.status_code == 500 and outage is not None:
            return _logged_outage(request, outage)
        return response

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return _logged_outage(request, exception)
        return None


@receiver(got_request_exception)
def _mark_outage(sender, request=None, **kwargs):
    exc = sys.exc_info()[1]
    if request is not None and database_unavailable(exc):
        setattr(request, OUTAGE_MARK, exc)


@requires_csrf_token
def server_error(request, *args, **kwargs):
    """handler500: errors raised in middleware (outside any view) arrive here; an outage is a 503,
    anything else the usual 500 (problem+json on the API)."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        return _logged_outage(request, exc)
    if request.path.startswith(API_PREFIX):
        return problem_response(
            status=500,
            code="server.error",
            title=_("Internal error"),
            detail=_("Something went wrong on our side; it has been logged."),
            request=request,
        )
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the template needs nothing from the database, but be sure
        return HttpResponse(_("Server error"), status=500, content_type="text/plain")
