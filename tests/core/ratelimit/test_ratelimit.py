"""Rate limits: profiles, headers, per member / IP / route keys, auth rules, Redis outages."""

import json
import logging
import os
import re
import signal
import time

import pytest
from django.test import Client

from tests.factories import MemberFactory
from tests.redis_server import RedisProcess
from yalls.core.ratelimit import limiter, rate_limit
from yalls.core.ratelimit.limiter import Limiter
from yalls.core.ratelimit.profiles import PROFILES

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.ratelimit.urls")]

REPORT = "/api/test-ratelimit/report"
EXPORT = "/api/test-ratelimit/export"
PLAIN = "/api/test-ratelimit/plain"


def remaining(response) -> int:
    return int(response["X-RateLimit-Remaining"])


def burn(client, path, times, **extra):
    return [client.get(path, **extra) for _ in range(times)]


def assert_rate_limited(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert int(response["Retry-After"]) >= 1
    assert body["retry_after"] == int(response["Retry-After"])
    return body


def test_api_routes_default_to_standard_with_ietf_and_x_headers(limited):
    client = Client()
    first = client.get("/api/v1/entities/kinds")
    second = client.get("/api/v1/entities/kinds")
    assert first.status_code == 200
    assert first["RateLimit-Policy"] == '"standard";q=120;w=60'
    assert re.fullmatch(r'"standard";r=119;t=\d+', first["RateLimit"])
    assert first["X-RateLimit-Limit"] == "120"
    assert remaining(first) == 119
    assert remaining(second) == 118
    assert 0 <= int(second["X-RateLimit-Reset"]) <= 60


def test_standard_refuses_the_121st_request_in_a_minute(limited):
    client = Client()
    responses = burn(client, PLAIN, 120)
    assert all(r.status_code == 200 for r in responses)
    assert remaining(responses[-1]) == 0
    refused = client.get(PLAIN)
    body = assert_rate_limited(refused)
    assert body["policy"] == "standard"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert re.fullmatch(r'"standard";r=0;t=[1-9]\d*', refused["RateLimit"])


def test_marked_handler_uses_its_profile_in_either_decorator_order(limited):
    client = Client()
    for path in (REPORT, EXPORT):
        responses = burn(client, path, 10)
        assert [remaining(r) for r in responses] == list(range(9, -1, -1))
        assert responses[0]["RateLimit-Policy"] == '"expensive";q=10;w=60'
        assert_rate_limited(client.get(path))


def test_the_mark_is_per_method(limited):
    client = Client()
    assert client.get(PLAIN)["RateLimit-Policy"] == '"standard";q=120;w=60'
    assert client.post(PLAIN)["RateLimit-Policy"] == '"high";q=600;w=60'


def test_counted_separately_per_route(limited):
    client = Client()
    burn(client, REPORT, 10)
    assert_rate_limited(client.get(REPORT))
    assert client.get(EXPORT).status_code == 200
    assert client.get(PLAIN).status_code == 200


def test_anonymous_clients_are_counted_per_ip(limited):
    client = Client()
    burn(client, REPORT, 10, REMOTE_ADDR="10.0.0.1")
    assert_rate_limited(client.get(REPORT, REMOTE_ADDR="10.0.0.1"))
    other = client.get(REPORT, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
    assert remaining(other) == 9


def test_members_are_counted_per_member_wherever_they_come_from(limited):
    alice, bob = MemberFactory(), MemberFactory()
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    burn(alice_client, REPORT, 5, REMOTE_ADDR="10.0.0.1")
    burn(alice_client, REPORT, 5, REMOTE_ADDR="10.0.0.2")  # same member, another network
    assert_rate_limited(alice_client.get(REPORT, REMOTE_ADDR="10.0.0.3"))
    shared_ip = bob_client.get(REPORT, REMOTE_ADDR="10.0.0.1")
    assert shared_ip.status_code == 200
    assert remaining(shared_ip) == 9
    # Anonymous traffic from Alice's addresses has its own bucket too.
    assert Client().get(REPORT, REMOTE_ADDR="10.0.0.1").status_code == 200


def _token(client, email, ip):
    return client.post(
        "/api/v1/auth/token",
        data=json.dumps({"email": email, "password": "wrong-password-1"}),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_auth_allows_five_attempts_per_account_across_addresses(limited):
    client = Client()
    for i in range(5):
        response = _token(client, "Target@Example.test", f"10.1.0.{i}")
        assert response.status_code != 429 or response.json()["code"] != "rate_limited"
        assert "auth-account" in response["RateLimit-Policy"]
    # Same account (case and spaces don't make it another), sixth address: refused.
    refused = _token(client, "  target@example.TEST ", "10.1.0.99")
    body = assert_rate_limited(refused)
    assert body["policy"] == "auth-account"
    assert refused["RateLimit-Policy"] == '"auth-ip";q=20;w=60, "auth-account";q=5;w=60'
    # Another account from the same address is not affected.
    other = _token(client, "someone-else@example.test", "10.1.0.99")
    assert other.status_code == 401


def test_auth_allows_twenty_attempts_per_ip_across_auth_routes(limited):
    client = Client()
    for i in range(10):
        _token(client, f"user{i}@example.test", "10.2.0.1")
    for _ in range(10):
        response = client.post(
            "/api/v1/auth/refresh",
            data=json.dumps({"refresh_token": "not-a-token"}),
            content_type="application/json",
            REMOTE_ADDR="10.2.0.1",
        )
        assert response.status_code == 401
    body = assert_rate_limited(_token(client, "fresh@example.test", "10.2.0.1"))
    assert body["policy"] == "auth-ip"
    assert _token(client, "fresh@example.test", "10.2.0.2").status_code == 401


def test_web_sign_in_posts_are_limited_with_a_friendly_page(limited):
    client = Client()
    form = {"login": "horse@example.test", "password": "wrong-password-1"}
    assert "RateLimit" not in client.get("/accounts/login/")  # showing the form is free
    for _ in range(5):
        response = client.post("/accounts/login/", form, REMOTE_ADDR="10.3.0.1")
        assert response.status_code == 200  # the form again, with its error
    refused = client.post("/accounts/login/", form, REMOTE_ADDR="10.3.0.1")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert int(refused["Retry-After"]) >= 1
    page = refused.content.decode()
    assert page.count("<h1") == 1
    assert "Too many attempts" in page
    assert 'style="' not in page


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/accounts/signup/", '"auth-ip";q=20;w=60, "auth-account";q=5;w=60'),
        ("/accounts/password/reset/", '"auth-ip";q=20;w=60, "auth-account";q=5;w=60'),
    ],
)
def test_sign_up_and_password_reset_posts_use_the_auth_profile(limited, path, policy):
    response = Client().post(path, {"email": "new@example.test"})
    assert response["RateLimit-Policy"] == policy


@pytest.mark.parametrize(
    ("method", "path", "policy"),
    [
        ("post", "/webhooks/unknown-source", '"high";q=600;w=60'),
        ("get", "/ops/", '"admin";q=60;w=60'),
        ("get", "/admin/", '"admin";q=60;w=60'),
        ("get", "/api/v1/no-such-route", '"standard";q=120;w=60'),
    ],
)
def test_webhooks_ops_admin_and_unknown_api_paths_have_profiles(limited, method, path, policy):
    response = getattr(Client(), method)(path)
    assert response["RateLimit-Policy"] == policy


def test_pages_and_health_are_not_limited(limited):
    client = Client()
    assert "RateLimit" not in client.get("/")
    assert "RateLimit" not in client.get("/health")


def test_off_means_no_headers_and_no_refusals(limited, settings):
    settings.RATELIMIT_ENABLED = False
    client = Client()
    responses = burn(client, REPORT, 12)
    assert all(r.status_code == 200 and "RateLimit" not in r for r in responses)
    assert client.get("/health").json()["ratelimit"] == {"enabled": False}


def test_unknown_profile_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown rate-limit profile"):
        rate_limit("generous")


def test_counters_are_shared_through_redis_by_every_process(limited):
    """Two limiters (as in two web processes) on one Redis share the count."""
    kwargs = {"redis_url": limited.url, "key_prefix": "shared-test"}
    first, second = Limiter(**kwargs), Limiter(**kwargs)
    rule = PROFILES["expensive"].rules[0]
    for _ in range(10):
        assert first.check([(rule, "m:someone")])[0].allowed
    assert not second.check([(rule, "m:someone")])[0].allowed
    assert limited.client().keys("shared-test*")


def _fallback_records(caplog, event="redis.fallback"):
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def test_redis_stopping_mid_test_falls_back_logs_once_and_recovers(settings, caplog):
    server = RedisProcess().start()
    try:
        settings.RATELIMIT_ENABLED = True
        settings.RATELIMIT_REDIS_URL = server.url
        settings.RATELIMIT_KEY_PREFIX = "outage-test"
        settings.REDIS_CIRCUIT_RETRY_SECONDS = 0.3
        client = Client()
        caplog.set_level(logging.WARNING, logger="yalls.redis")

        assert remaining(client.get(PLAIN)) == 119
        assert client.get("/health").json()["ratelimit"] == {
            "enabled": True,
            "backend": "redis",
            "shared": True,
        }
        assert server.client().keys("outage-test*")

        server.stop()
        during = burn(client, PLAIN, 5) + burn(client, REPORT, 3)
        assert [r.status_code for r in during] == [200] * 8
        assert remaining(during[4]) == 115  # counted per process from the outage on
        health = client.get("/health")
        assert health.status_code == 200
        state = health.json()["ratelimit"]
        assert state["backend"] == "memory"
        assert state["shared"] is False
        assert "ConnectionError" in state["reason"]
        # Still limited while degraded.
        burn(client, REPORT, 7)
        assert_rate_limited(client.get(REPORT))
        time.sleep(0.35)  # a retry is due: it fails again, which must not log a second line
        assert client.get(PLAIN).status_code == 200
        assert len(_fallback_records(caplog)) == 1

        restarted = RedisProcess(port=server.port).start()
        time.sleep(0.35)
        back = client.get(PLAIN)
        assert back.status_code == 200
        assert remaining(back) == 119  # counted in (the restarted, empty) Redis again
        assert restarted.client().keys("outage-test*")
        assert client.get("/health").json()["ratelimit"]["backend"] == "redis"
        assert any(getattr(r, "event", None) == "redis.restored" for r in caplog.records)
        assert len(_fallback_records(caplog)) == 1
        restarted.stop()
    finally:
        server.stop()
        limiter.reset()


def test_a_hung_redis_costs_one_short_timeout_not_a_500(settings, caplog):
    server = RedisProcess().start()
    try:
        settings.RATELIMIT_ENABLED = True
        settings.RATELIMIT_REDIS_URL = server.url
        settings.REDIS_TIMEOUT_SECONDS = 0.2
        client = Client()
        assert client.get(PLAIN).status_code == 200
        os.kill(server.process.pid, signal.SIGSTOP)  # accepts connections, never answers
        started = time.monotonic()
        response = client.get(PLAIN)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
        started = time.monotonic()
        assert client.get(PLAIN).status_code == 200
        assert time.monotonic() - started < 0.15  # the circuit is open: no more waiting
        assert client.get("/health").json()["ratelimit"]["backend"] == "memory"
    finally:
        if server.process is not None:
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
        limiter.reset()


def test_without_redis_url_limits_are_per_process_and_health_says_so(settings, caplog):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_REDIS_URL = ""
    caplog.set_level(logging.WARNING, logger="yalls.core.ratelimit")
    client = Client()
    try:
        burn(client, REPORT, 10)
        assert_rate_limited(client.get(REPORT))
        state = client.get("/health").json()["ratelimit"]
        assert state["backend"] == "memory"
        assert "REDIS_URL not set" in state["reason"]
        assert len(_fallback_records(caplog, "ratelimit.fallback")) == 1
    finally:
        limiter.reset()
