"""A database outage answers 503 (problem+json on the API, a page on the web), never a 500, wherever
the error surfaces: in a view, in the API, or in a middleware (the request transaction)."""

import psycopg
import pytest
from django.db import OperationalError, ProgrammingError
from django.http import JsonResponse
from django.test import Client
from django.urls import path
from ninja import NinjaAPI
from psycopg_pool import PoolTimeout

from yalls.core.api import install_problem_handlers
from yalls.core.db_outage import database_unavailable
from yalls.urls import urlpatterns as real_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_db_outage")]


def _wrapped(inner: Exception) -> OperationalError:
    try:
        try:
            raise inner
        except Exception as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError as outer:
        return outer


def _raise_outage(*args, **kwargs):
    raise _wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))


api = NinjaAPI(urls_namespace="test-db-outage", auth=None, docs_url=None)
install_problem_handlers(api)


@api.get("/down")
def api_down(request):
    _raise_outage()


def web_down(request):
    _raise_outage()


def web_bug(request):
    raise ProgrammingError("column nope does not exist")


urlpatterns = [
    path("api/test-db-outage/", api.urls),
    path("test-db-outage/web", web_down),
    path("test-db-outage/bug", web_bug),
    path("test-db-outage/fine", lambda request: JsonResponse({"ok": True})),
    *real_urlpatterns,
]
handler500 = "yalls.core.db_outage.server_error"  # as in yalls.urls


class PoolExhaustedMiddleware:
    """Stands for the request transaction failing to get a connection (a middleware, not a view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get("X-Test-Pool") == "timeout":
            raise _wrapped(PoolTimeout("couldn't get a connection after 0.80 sec"))
        return self.get_response(request)


def test_what_counts_as_an_outage():
    assert database_unavailable(_wrapped(psycopg.OperationalError("connection refused")))
    assert database_unavailable(_wrapped(PoolTimeout("no connection")))
    assert database_unavailable(PoolTimeout("no connection"))
    assert not database_unavailable(_wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not database_unavailable(ProgrammingError("syntax error"))
    assert not database_unavailable(ValueError("not a database error"))


def test_api_outage_is_503_problem_with_retry_after():
    response = Client(raise_request_exception=False).get("/api/test-db-outage/down")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service.unavailable"
    assert response["Retry-After"] == "5"


def test_web_outage_is_a_503_page_and_a_real_bug_stays_500():
    client = Client(raise_request_exception=False)
    response = client.get("/test-db-outage/web")
    assert response.status_code == 503
    assert b"Back in a moment" in response.content
    assert response["Retry-After"] == "5"
    assert client.get("/test-db-outage/bug").status_code == 500


@pytest.mark.parametrize("debug", [False, True])  # True: `yalls up`'s development mode
def test_an_outage_in_a_middleware_is_503_too(settings, debug):
    settings.DEBUG = debug
    import yalls.urls

    assert yalls.urls.handler500 == handler500
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "tests.core.test_db_outage.PoolExhaustedMiddleware",
    ]
    client = Client(raise_request_exception=False)
    api_response = client.get("/api/v1/entities/kinds", HTTP_X_TEST_POOL="timeout")
    assert api_response.status_code == 503
    assert api_response["Content-Type"] == "application/problem+json"
    web = client.get("/test-db-outage/fine", HTTP_X_TEST_POOL="timeout")
    assert web.status_code == 503
    assert b"Back in a moment" in web.content
    assert client.get("/test-db-outage/fine").status_code == 200
