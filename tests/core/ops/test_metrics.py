"""/metrics: who may read it, the Prometheus text format, route-pattern labels, figures added up
across processes (prometheus_client multiprocess mode) with no Redis in the request path."""

import re
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings as django_settings

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import seed_dead_letter
from tests.factories import MemberFactory
from yalls.core.ops import metrics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_jobs")]

SAMPLE = re.compile(
    r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+]+$|^[a-z_]+\{[^}]*le="\+Inf"[^}]*\} [0-9.e+]+$'
)


def _scrape(client, **headers):
    return client.get("/metrics", **headers)


def _staff_body(client) -> str:
    client.force_login(MemberFactory(role="admin"))
    return _scrape(client).content.decode()


def _value(body: str, series: str) -> float:
    """The value of one exact series line (0 when absent); the process may have served other
    requests before this test, so tests compare before and after."""
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _route() -> str:
    return f"/test-{uuid.uuid4().hex[:8]}/<int:pk>"


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
    auth = {"HTTP_AUTHORIZATION": "Bearer " + "t" * 32}
    profile = 'method="GET",route="/@<str:handle>"'
    before = _scrape(client, **auth).content.decode()
    member = MemberFactory(handle=f"dusty_{uuid.uuid4().hex[:6]}")
    client.get(f"/@{member.handle}")
    client.get("/@someone_else")
    client.get("/health")
    client.get("/no/such/page")
    body = _scrape(client, **auth).content.decode()

    for line in body.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
        else:
            assert SAMPLE.match(line), line
    types = [line.split()[2] for line in body.splitlines() if line.startswith("# TYPE")]
    assert len(types) == len(set(types))

    # One series for the profile pattern, never the raw paths (label cardinality).
    series = "yalls_http_requests_total{{{}}}"
    assert _value(body, series.format(profile)) - _value(before, series.format(profile)) == 2
    assert member.handle not in body and "someone_else" not in body
    health = 'method="GET",route="/health"'
    assert _value(body, series.format(health)) - _value(before, series.format(health)) == 1
    assert 'route="<unmatched>"' in body and "/no/such/page" not in body

    # The histogram is cumulative and ends with +Inf == count.
    buckets = [
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("yalls_http_request_duration_seconds_bucket") and profile in line
    ]
    assert len(buckets) == len(metrics.BUCKETS_MS) + 1
    count = _value(body, f"yalls_http_request_duration_seconds_count{{{profile}}}")
    assert buckets == sorted(buckets) and buckets[-1] == count >= 2


def test_errors_are_counted(client):
    route = _route()
    metrics.record(route, "GET", 500, 12.0)
    metrics.record(route, "GET", 200, 3.0)
    metrics.record(route, "GET", 404, 3.0)
    body = _staff_body(client)
    assert f'yalls_http_requests_total{{method="GET",route="{route}"}} 3.0' in body
    assert f'yalls_http_request_errors_total{{method="GET",route="{route}"}} 1.0' in body
    stats = metrics.read()[("GET", route)]
    assert (stats.count, stats.errors) == (3, 1)


def test_job_metrics_come_from_the_job_tables(client):
    seed_dead_letter()
    probe_tasks.mark.defer(path="/tmp/m")
    body = _staff_body(client)
    assert "yalls_job_dead_letters 1.0" in body
    assert 'yalls_job_queue_depth{queue="test_jobs",status="todo"} 1.0' in body
    assert f'yalls_jobs{{status="failed",task="{probe_tasks.always_fails.name}"}} 1.0' in body
    assert f'yalls_jobs{{status="todo",task="{probe_tasks.mark.name}"}} 1.0' in body


def test_label_values_are_escaped(client):
    route = f'/a"b\\c\nd-{uuid.uuid4().hex[:6]}'
    metrics.record(route, "GET", 200, 1.0)
    escaped = route.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    assert f'route="{escaped}"' in _staff_body(client)


def test_quantiles_from_the_histogram():
    stats = metrics.RouteStats()
    for ms in [3] * 50 + [40] * 45 + [900] * 5:
        stats.count += 1
        stats.buckets[metrics.bucket_index(ms)] += 1
    assert stats.quantile_ms(0.5) <= 5
    assert 25 <= stats.quantile_ms(0.95) <= 50
    assert 500 <= stats.quantile_ms(0.99) <= 1000
    assert metrics.RouteStats().quantile_ms(0.5) is None


def test_read_turns_cumulative_buckets_into_counts():
    route = _route()
    for ms in (3, 3, 40, 900):
        metrics.record(route, "POST", 201, ms)
    stats = metrics.read()[("POST", route)]
    assert stats.count == 4 and round(stats.sum_ms) == 946
    assert stats.buckets[metrics.bucket_index(3)] == 2
    assert stats.buckets[metrics.bucket_index(40)] == 1
    assert stats.buckets[metrics.bucket_index(900)] == 1
    assert sum(stats.buckets) == 4


def test_another_process_figures_are_added_up():
    """A real second process writes to the same directory; this one reads both."""
    route = _route()
    metrics.record(route, "GET", 200, 10.0)
    code = (
        "from django.conf import settings; "
        f"settings.configure(PROMETHEUS_MULTIPROC_DIR={str(django_settings.PROMETHEUS_MULTIPROC_DIR)!r}); "
        "from yalls.core.ops import metrics; "
        f"metrics.record({route!r}, 'GET', 503, 70.0)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PROMETHEUS_MULTIPROC_DIR": str(django_settings.PROMETHEUS_MULTIPROC_DIR),
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    stats = metrics.read()[("GET", route)]
    assert (stats.count, stats.errors, round(stats.sum_ms)) == (2, 1, 80)


def test_no_redis_in_the_request_path(settings):
    """A dead Redis costs a request nothing: metrics never touch it."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    route = _route()
    started = time.monotonic()
    for _ in range(200):
        metrics.record(route, "GET", 200, 1.0)
    assert time.monotonic() - started < 0.5
    assert metrics.read()[("GET", route)].count == 200
