"""Test-only routes (a seat booking that requires a key, a counter, a flaky write), mounted in
front of the real URLConf so production routes stay as they are."""

import time

from django.urls import path
from ninja import NinjaAPI, Status

from yalls.core.api import Input, install_problem_handlers
from yalls.core.idempotency import idempotent
from yalls.urls import urlpatterns as real_urlpatterns

api = NinjaAPI(urls_namespace="test-idempotency", auth=None, docs_url=None)
install_problem_handlers(api)

# How many times each handler really ran (the "effect" a replay must not repeat).
effects = {"seats": 0, "counter": 0, "flaky": 0}
flaky_failures = {"remaining": 0}


class SeatIn(Input):
    seats: int


@api.post("/seats")
@idempotent(required=True)
def book_seats(request, payload: SeatIn):
    effects["seats"] += 1
    return {"booked": payload.seats, "run": effects["seats"]}


@api.post("/counter")
def counter(request):
    effects["counter"] += 1
    return {"run": effects["counter"]}


@api.post("/flaky")
def flaky(request):
    effects["flaky"] += 1
    if flaky_failures["remaining"] > 0:
        flaky_failures["remaining"] -= 1
        raise RuntimeError("the payment provider timed out")
    return {"run": effects["flaky"]}


@api.post("/ledger", response={201: dict})
def ledger(request):
    """A real database write (a row per run), for the crash tests."""
    from yalls.core.audit.services import audit_record

    row = audit_record(actor=None, action="test.idempotency_ledger")
    if request.headers.get("X-Pause-After-Write"):  # room for a test to kill the process here
        time.sleep(float(request.headers["X-Pause-After-Write"]))
    if request.headers.get("X-Fail") == "after" and flaky_failures["remaining"] > 0:
        flaky_failures["remaining"] -= 1
        raise RuntimeError("the provider call after the write timed out")
    return Status(201, {"id": str(row.pk)})


urlpatterns = [path("api/test-idempotency/", api.urls), *real_urlpatterns]
