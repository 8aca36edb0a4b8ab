"""Test-only routes with other profiles, mounted in front of the real URLConf."""

from django.urls import path
from ninja import NinjaAPI

from yalls.core.api import install_problem_handlers
from yalls.core.ratelimit import rate_limit
from yalls.urls import urlpatterns as real_urlpatterns

api = NinjaAPI(urls_namespace="test-ratelimit", auth=None, docs_url=None)
install_problem_handlers(api)


@api.get("/report")
@rate_limit("expensive")
def report(request):
    return {"ok": True}


@rate_limit("expensive")  # above the router decorator: must work too
@api.get("/export")
def export(request):
    return {"ok": True}


@api.get("/plain")
def plain(request):
    return {"ok": True}


@api.post("/plain")
@rate_limit("high")
def plain_write(request):
    return {"ok": True}


urlpatterns = [path("api/test-ratelimit/", api.urls), *real_urlpatterns]
