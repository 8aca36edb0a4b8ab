"""The Ops page: latency per route, queue depth, dead letters, database and Redis; /health jobs."""

import uuid

import pytest
from django.conf import settings as django_settings

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import seed_dead_letter
from tests.factories import MemberFactory
from yalls.core.ops import metrics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_jobs")]


def test_ops_page_shows_the_numbers(client):
    # A route of its own, busy enough to be among the listed routes of a long test process.
    route = f"/ops-test-{uuid.uuid4().hex[:8]}/<str:handle>"
    for _ in range(1900):
        metrics.record(route, "GET", 200, 20.0)
    for _ in range(100):
        metrics.record(route, "GET", 500, 3000.0)
    seed_dead_letter()
    probe_tasks.mark.defer(path="/tmp/a")
    probe_tasks.mark.defer(path="/tmp/b")
    client.force_login(MemberFactory(role="admin"))

    response = client.get("/ops/")
    assert response.status_code == 200
    routes = {(r.method, r.route): r for r in response.context["routes"]}
    row = routes[("GET", route)]
    assert (row.count, row.errors) == (2000, 100)
    assert row.error_rate == pytest.approx(0.05)
    assert 10 <= row.p50_ms <= 25 and row.p99_ms >= 2500
    assert response.context["depth"] == {"todo": 2, "doing": 0, "dead_letters": 1}
    assert response.context["database_connections"] >= 1

    body = response.content.decode()
    assert f"<code>{route.replace('<', '&lt;').replace('>', '&gt;')}</code>" in body
    # Each cell names its column, so the rows stack readably on a phone.
    assert 'data-label="p99">' in body
    assert 'data-testid="queue-depth">2 waiting' in body
    for link in ('href="/ops/jobs/"', 'href="/ops/flags/"', 'href="/admin/audit/auditevent/"'):
        assert link in body


def test_redis_state_and_hit_ratio(client, settings):
    client.force_login(MemberFactory(role="admin"))
    if django_settings.REDIS_URL:
        redis = client.get("/ops/").context["redis"]
        assert redis["status"] == "ok"
    settings.REDIS_URL = ""
    response = client.get("/ops/")
    assert response.context["redis"]["status"] == "not configured"
    assert 'data-testid="cache-hit-ratio">n/a' in response.content.decode()


def test_empty_ops_page(client):
    client.force_login(MemberFactory(role="admin"))
    response = client.get("/ops/")
    assert response.status_code == 200
    assert response.context["depth"] == {"todo": 0, "doing": 0, "dead_letters": 0}


def test_ops_page_is_staff_only(client):
    assert client.get("/ops/").status_code == 302
    client.force_login(MemberFactory())
    refused = client.get("/ops/")
    assert refused.status_code == 403
    # The refusal names who the page is for; it doesn't send members to an entity's managers.
    body = refused.content.decode()
    assert "staff who run the site" in body
    assert "manager" not in body


def test_health_reports_jobs(client):
    seed_dead_letter()
    probe_tasks.mark.defer(path="/tmp/h")
    body = client.get("/health").json()
    assert body["jobs"] == {"queue_depth": {"todo": 1, "doing": 0}, "dead_letters": 1}
