"""Idempotency-Key: one effect per key, identical replays, reuse/in-progress/required errors,
5xx releases the key, 24 h expiry and pruning, RLS, and ten concurrent duplicates."""

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

import psycopg
import pytest
from django.test import Client
from django.utils import timezone

from tests.core.idempotency import urls as test_urls
from tests.factories import MemberFactory
from yalls.accounts.tokens import access_token_issue
from yalls.core.db_context import member_context
from yalls.core.idempotency import services, tasks
from yalls.core.idempotency.models import IdempotencyKey
from yalls.entities.models import Entity

pytestmark = pytest.mark.urls("tests.core.idempotency.urls")

ENTITIES = "/api/v1/entities"
SEATS = "/api/test-idempotency/seats"
COUNTER = "/api/test-idempotency/counter"
FLAKY = "/api/test-idempotency/flaky"
PER_DELIVERY = {"x-request-id"}


@pytest.fixture(autouse=True)
def _fresh_effects(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name in test_urls.effects:
        test_urls.effects[name] = 0
    test_urls.flaky_failures["remaining"] = 0


def post(client, path, body=None, key=None, token=None, **extra):
    headers = dict(extra)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = json.dumps(body) if body is not None else ""
    return client.post(path, data=data, content_type="application/json", **headers)


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def entity_body(handle="hollow_farm"):
    return {"handle": handle, "display_name": "Hollow Farm", "kind": "farm"}


@pytest.fixture
def member_token(db):
    member = MemberFactory()
    return member, access_token_issue(member)[0]


@pytest.mark.django_db
def test_same_key_same_request_replays_status_headers_and_body_once(member_token, entity_kinds):
    member, token = member_token
    client = Client()
    first = post(client, ENTITIES, entity_body(), key="create-farm-1", token=token)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    replay = post(client, ENTITIES, entity_body(), key="create-farm-1", token=token)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    for name, value in first.items():
        if name.lower() not in PER_DELIVERY:
            assert replay[name] == value, name
    assert replay["X-Request-ID"] != first["X-Request-ID"]
    assert Entity.objects.filter(handle="hollow_farm").count() == 1
    record = IdempotencyKey.objects.get()
    assert record.member_id == member.pk
    assert record.state == IdempotencyKey.State.COMPLETED
    assert record.route == "api/v1/entities"


@pytest.mark.django_db
def test_same_key_different_body_is_422_and_does_nothing(member_token, entity_kinds):
    _, token = member_token
    client = Client()
    assert post(client, ENTITIES, entity_body(), key="k-1", token=token).status_code == 201
    reused = post(client, ENTITIES, entity_body("other_farm"), key="k-1", token=token)
    assert_problem(reused, 422, "idempotency.key_reused")
    assert not Entity.objects.filter(handle="other_farm").exists()


@pytest.mark.django_db
def test_same_key_with_a_method_the_route_lacks_is_405_not_a_reused_key(member_token):
    _, token = member_token
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "k-405"}
    body = json.dumps({"pins": []})
    put = client.put("/api/v1/me/pins", body, content_type="application/json", **headers)
    assert put.status_code == 200, put.content
    # /me/pins has no POST: the route answers, the key (used by the PUT) is not "reused".
    wrong = client.post("/api/v1/me/pins", body, content_type="application/json", **headers)
    assert wrong.status_code == 405, wrong.content


@pytest.mark.django_db
def test_same_key_different_path_of_the_same_route_is_422(member_token, entity_kinds):
    _, token = member_token
    client = Client()
    for handle in ("farm_a", "farm_b"):
        assert post(client, ENTITIES, entity_body(handle), token=token).status_code == 201
    archive = f"{ENTITIES}/farm_a/archive"
    assert post(client, archive, key="archive-1", token=token).status_code == 200
    reused = post(client, f"{ENTITIES}/farm_b/archive", key="archive-1", token=token)
    assert_problem(reused, 422, "idempotency.key_reused")
    assert Entity.objects.get(handle="farm_b").archived_at is None


@pytest.mark.django_db
def test_keys_are_scoped_per_member_per_anonymous_ip_and_per_route(member_token):
    _, token = member_token
    client = Client()
    post(client, COUNTER, key="shared", REMOTE_ADDR="10.0.0.1")
    post(client, COUNTER, key="shared", REMOTE_ADDR="10.0.0.1")  # replay
    post(client, COUNTER, key="shared", REMOTE_ADDR="10.0.0.2")  # another anonymous client
    post(client, COUNTER, key="shared", token=token)  # a member
    assert test_urls.effects["counter"] == 3
    seats = post(client, SEATS, {"seats": 2}, key="shared", REMOTE_ADDR="10.0.0.1")
    assert seats.status_code == 200  # another route: the key is free there
    assert IdempotencyKey.objects.count() == 4


@pytest.mark.django_db
def test_required_route_refuses_a_write_without_a_key(db):
    client = Client()
    missing = post(client, SEATS, {"seats": 2})
    assert_problem(missing, 400, "idempotency.key_required")
    assert test_urls.effects["seats"] == 0
    assert post(client, SEATS, {"seats": 2}, key="book-1").json() == {"booked": 2, "run": 1}
    # Routes not marked required still run without a key.
    assert post(client, COUNTER).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "café", "tab\there"])
def test_malformed_keys_are_400(db, key):
    assert_problem(post(Client(), COUNTER, key=key), 400, "idempotency.key_invalid")
    assert test_urls.effects["counter"] == 0


@pytest.mark.django_db
def test_4xx_answers_are_stored_and_replayed(member_token, entity_kinds):
    _, token = member_token
    client = Client()
    bad = {"handle": "x", "display_name": "X", "kind": "spaceship"}
    first = post(client, ENTITIES, bad, key="bad-1", token=token)
    assert 400 <= first.status_code < 500
    again = post(client, ENTITIES, bad, key="bad-1", token=token)
    assert again.status_code == first.status_code
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


@pytest.mark.django_db
def test_a_5xx_releases_the_key_so_a_retry_runs(db):
    client = Client()
    test_urls.flaky_failures["remaining"] = 1
    failed = post(client, FLAKY, key="pay-1")
    assert failed.status_code == 500
    assert not IdempotencyKey.objects.exists()
    retried = post(client, FLAKY, key="pay-1")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried
    replayed = post(client, FLAKY, key="pay-1")
    assert replayed["Idempotent-Replayed"] == "true"
    assert test_urls.effects["flaky"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_of_a_still_running_request_is_409_after_a_short_wait(settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    client = Client()
    post(client, COUNTER, key="slow-1")
    # As if the first request were still running: another transaction holds the key's row.
    with psycopg.connect(**_owner_connection_params(), autocommit=False) as other:
        other.execute("SELECT 1 FROM idempotency_idempotencykey FOR UPDATE")
        started = time.monotonic()
        busy = post(client, COUNTER, key="slow-1")
        waited = time.monotonic() - started
    assert_problem(busy, 409, "idempotency.in_progress")
    assert busy["Retry-After"] == "1"
    assert 0.15 < waited < 2
    assert test_urls.effects["counter"] == 1
    # Once that transaction ends, the duplicate replays.
    assert post(client, COUNTER, key="slow-1")["Idempotent-Replayed"] == "true"
    assert test_urls.effects["counter"] == 1


def _owner_connection_params() -> dict:
    from django.conf import settings
    from django.db import connection

    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold", "autocommit"):
        params.pop(name, None)
    params["user"] = settings.DATABASE_OWNER["USER"]
    if settings.DATABASE_OWNER["PASSWORD"]:
        params["password"] = settings.DATABASE_OWNER["PASSWORD"]
    return params


def _ledger_rows() -> int:
    from yalls.core.audit.models import AuditEvent
    from yalls.core.db_context import system_context

    with system_context():
        return AuditEvent.objects.filter(action="test.idempotency_ledger").count()


@pytest.mark.django_db
def test_a_crash_after_the_write_before_the_key_is_completed_leaves_no_write(monkeypatch):
    """The write and the stored response are one transaction: a failure between them (here the
    completion itself raising, as a process dying there would) undoes the write, so the retry
    with the same key writes exactly once."""
    client = Client(raise_request_exception=False)
    real_complete = services.idempotency_key_complete
    crashes = {"left": 1}

    def complete_or_crash(**kwargs):
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("the process died before the key was marked complete")
        return real_complete(**kwargs)

    monkeypatch.setattr(services, "idempotency_key_complete", complete_or_crash)
    crashed = post(client, "/api/test-idempotency/ledger", key="once-1")
    assert crashed.status_code == 500
    assert _ledger_rows() == 0  # the write went with the failed completion
    assert not IdempotencyKey.objects.exists()

    retried = post(client, "/api/test-idempotency/ledger", key="once-1")
    assert retried.status_code == 201
    replayed = post(client, "/api/test-idempotency/ledger", key="once-1")
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    assert _ledger_rows() == 1


@pytest.mark.django_db
def test_a_view_that_fails_after_writing_leaves_neither_write_nor_key():
    client = Client(raise_request_exception=False)
    test_urls.flaky_failures["remaining"] = 1
    failed = post(client, "/api/test-idempotency/ledger", key="ledger-2", HTTP_X_FAIL="after")
    assert failed.status_code == 500
    assert _ledger_rows() == 0
    assert not IdempotencyKey.objects.exists()
    assert post(client, "/api/test-idempotency/ledger", key="ledger-2").status_code == 201
    assert _ledger_rows() == 1


@pytest.mark.django_db
def test_reads_and_token_endpoints_do_not_store_keys(db):
    client = Client()
    client.get("/api/v1/entities/kinds", HTTP_IDEMPOTENCY_KEY="read-1")
    post(client, "/api/v1/auth/refresh", {"refresh_token": "nope"}, key="refresh-1")
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_keys_last_24_hours_then_count_no_more_and_are_pruned(db):
    client = Client()
    post(client, COUNTER, key="day-1")
    record = IdempotencyKey.objects.get()
    assert abs(record.expires_at - record.created_at - timedelta(hours=24)) < timedelta(seconds=1)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(client, COUNTER, key="day-1")
    assert "Idempotent-Replayed" not in again
    assert test_urls.effects["counter"] == 2
    post(client, COUNTER, key="day-2")
    IdempotencyKey.objects.filter(key="day-2").update(expires_at=timezone.now())
    # The job judges expiry by its tick: at a tick before the expiry nothing goes.
    tick = timezone.now()
    assert tasks.idempotency_keys_prune(timestamp=int((tick - timedelta(hours=1)).timestamp())) == 0
    assert tasks.idempotency_keys_prune(timestamp=int(tick.timestamp()) + 1) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["day-1"]


def test_pruning_is_a_periodic_maintenance_job():
    from yalls.core.jobs import app

    name = "yalls.core.idempotency.tasks.idempotency_keys_prune"
    registered = {p.task.name: p for p in app.periodic_registry.periodic_tasks.values()}
    assert registered[name].cron == "23 * * * *"
    assert registered[name].task.queue == "maintenance"
    assert registered[name].task.queueing_lock == name


@pytest.mark.django_db
def test_rls_shows_a_member_only_their_own_keys(member_token):
    member, token = member_token
    other = MemberFactory()
    client = Client()
    post(client, COUNTER, key="mine", token=token)
    post(client, COUNTER, key="theirs", token=access_token_issue(other)[0])
    post(client, COUNTER, key="anonymous")
    assert IdempotencyKey.objects.count() == 3
    with member_context(member.pk):
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["mine"]
    with member_context(None):
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_requests_write_one_row(live_server, entity_kinds):
    member = MemberFactory()
    token = access_token_issue(member)[0]
    body = json.dumps(entity_body("race_farm")).encode()
    barrier = threading.Barrier(10)
    results: list = [None] * 10

    def send(i: int) -> None:
        request = urllib.request.Request(  # noqa: S310 (the live server's http:// URL)
            live_server.url + ENTITIES,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": "race-1",
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                results[i] = (response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            results[i] = (error.code, error.read(), error.headers)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Entity.objects.filter(handle="race_farm").count() == 1
    assert {status for status, _, _ in results} == {201}, [r[1] for r in results]
    assert len({content for _, content, _ in results}) == 1
    replayed = [headers.get("Idempotent-Replayed") for _, _, headers in results]
    assert replayed.count("true") == 9
    assert IdempotencyKey.objects.count() == 1
