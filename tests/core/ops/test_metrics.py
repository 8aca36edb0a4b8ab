"""/metrics: who may read it, the Prometheus text format, route-pattern labels, Redis sharing."""

import re
import time

import pytest
from django.conf import settings

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import seed_dead_letter
from tests.factories import MemberFactory
from yalls.core.ops import metrics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_jobs")]

SAMPLE = re.compile(
    r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+]+$|^[a-z_]+\{[^}]*le="\+Inf"[^}]*\} \d+$'
)
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="the suite runs without Redis")


def _scrape(client, **headers):
    return client.get("/metrics", **headers)


def test_anonymous_and_members_get_404(client):
    assert _scrape(client).status_code == 404
    client.force_login(MemberFactory())
    assert _scrape(client).status_code == 404


def test_staff_session_can_read(client):
    client.force_login(MemberFactory(role="admin"))
    response = _scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_bearer_token(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789").status_code == 200
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    settings.METRICS_TOKEN = ""
    # No token configured: no bearer value opens it.
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_format_and_route_pattern_labels(client, settings):
    settings.METRICS_TOKEN = "t" * 32
    member = MemberFactory(handle="dusty_mare")
    client.get(f"/@{member.handle}")
    client.get("/@someone_else")
    client.get("/health")
    client.get("/no/such/page")
    body = _scrape(client, HTTP_AUTHORIZATION="Bearer " + "t" * 32).content.decode()

    for line in body.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
        else:
            assert SAMPLE.match(line), line
    types = [line.split()[2] for line in body.splitlines() if line.startswith("# TYPE")]
    assert len(types) == len(set(types))

    # One series for the profile pattern, never the raw paths (label cardinality).
    assert 'yalls_http_requests_total{route="/@<str:handle>",method="GET"} 2' in body
    assert "dusty_mare" not in body and "someone_else" not in body
    assert 'yalls_http_requests_total{route="/health",method="GET"} 1' in body
    assert 'route="<unmatched>"' in body and "/no/such/page" not in body

    # The histogram is cumulative and ends with +Inf == count.
    buckets = [
        int(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith('yalls_http_request_duration_seconds_bucket{route="/@<str:handle>"')
    ]
    assert len(buckets) == len(metrics.BUCKETS_MS) + 1
    assert buckets == sorted(buckets) and buckets[-1] == 2
    assert (
        'yalls_http_request_duration_seconds_count{route="/@<str:handle>",method="GET"} 2' in body
    )


def test_errors_are_counted(client):
    metrics.record("/boom", "GET", 500, 12.0)
    metrics.record("/boom", "GET", 200, 3.0)
    metrics.record("/boom", "GET", 404, 3.0)
    client.force_login(MemberFactory(role="admin"))
    body = _scrape(client).content.decode()
    assert 'yalls_http_requests_total{route="/boom",method="GET"} 3' in body
    assert 'yalls_http_request_errors_total{route="/boom",method="GET"} 1' in body


def test_job_metrics_come_from_the_job_tables(client):
    seed_dead_letter()
    probe_tasks.mark.defer(path="/tmp/m")
    client.force_login(MemberFactory(role="admin"))
    body = _scrape(client).content.decode()
    assert "yalls_job_dead_letters 1" in body
    assert 'yalls_job_queue_depth{queue="test_jobs",status="todo"} 1' in body
    assert f'yalls_jobs{{task="{probe_tasks.always_fails.name}",status="failed"}} 1' in body
    assert f'yalls_jobs{{task="{probe_tasks.mark.name}",status="todo"}} 1' in body


def test_label_values_are_escaped():
    from yalls.core.ops.prometheus import _labels

    assert _labels(route='/a"b\\c\nd') == '{route="/a\\"b\\\\c\\nd"}'


def test_quantiles_from_the_histogram():
    stats = metrics.RouteStats()
    for ms in [3] * 50 + [40] * 45 + [900] * 5:
        stats.count += 1
        stats.buckets[metrics.bucket_index(ms)] += 1
    assert stats.quantile_ms(0.5) <= 5
    assert 25 <= stats.quantile_ms(0.95) <= 50
    assert 500 <= stats.quantile_ms(0.99) <= 1000
    assert metrics.RouteStats().quantile_ms(0.5) is None


def test_without_redis_metrics_stay_in_process(settings):
    settings.REDIS_URL = ""
    metrics.record("/x", "GET", 200, 5.0)
    assert metrics.backend_name() == "memory"
    assert metrics.read()[("GET", "/x")].count == 1
    assert metrics.read(last_minutes=60)[("GET", "/x")].count == 1


@needs_redis
def test_with_redis_processes_share_figures():
    metrics.record("/shared", "POST", 201, 30.0)
    assert metrics.backend_name() == "redis"
    assert metrics._memory.read(None) == {}  # nothing kept locally: it is in Redis
    # Another process writes the same hashes; simulate it with a second write and a fresh reader.
    metrics.record("/shared", "POST", 503, 70.0)
    metrics._redis_state.update(client=None)
    stats = metrics.read()[("POST", "/shared")]
    assert (stats.count, stats.errors, round(stats.sum_ms)) == (2, 1, 100)
    assert metrics.read(last_minutes=60)[("POST", "/shared")].count == 2


def test_unreachable_redis_falls_back_quickly(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    started = time.monotonic()
    metrics.record("/down", "GET", 200, 1.0)
    metrics.record("/down", "GET", 200, 1.0)
    assert time.monotonic() - started < 1.5
    assert metrics.backend_name() == "memory (Redis unreachable)"
    assert metrics.read()[("GET", "/down")].count == 2
