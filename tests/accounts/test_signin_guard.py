"""The one sign-in throttle: shared through Redis, per process while Redis is down, never a 500."""

import json
import time

import pytest
from django.test import Client

from tests.factories import PASSWORD, MemberFactory
from tests.redis_server import RedisProcess
from yalls.accounts import signin_guard
from yalls.core import redis as shared_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_everywhere(settings):
    """A private Redis behind REDIS_URL *and* the Django cache, as in production."""
    server = RedisProcess().start()
    settings.REDIS_URL = server.url
    settings.REDIS_CIRCUIT_RETRY_SECONDS = 0.2
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "signin-test",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    yield server
    server.stop()
    shared_redis.reset()


def api_sign_in(client, email, password):
    return client.post(
        "/api/v1/auth/token",
        data=json.dumps({"email": email, "password": password}),
        content_type="application/json",
    )


def test_counters_are_shared_through_redis(redis_everywhere):
    for _ in range(3):
        signin_guard.signin_failed(email="Rider@Example.test", ip="10.0.0.1")
    keys = sorted(k.decode() for k in redis_everywhere.client().keys("signin-test:signin:*"))
    assert len(keys) == 2 and any(":ip:" in k for k in keys)
    assert not any("10.0.0.1" in k or "rider" in k.lower() for k in keys)  # hashed, both
    # Another process (no local state) sees the same count and makes the next attempt wait.
    signin_guard.reset_fallback()
    with pytest.raises(Exception) as refused:
        signin_guard.signin_check(email="rider@example.test", ip="10.0.0.2")
    assert refused.value.code == "auth.too_many_attempts"


def test_sign_in_works_with_redis_down_and_health_says_degraded(redis_everywhere):
    member = MemberFactory()
    redis_everywhere.stop()

    web = Client()
    response = web.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert web.session["_auth_user_id"] == str(member.pk)

    api = Client()
    assert api_sign_in(api, member.email, PASSWORD).status_code == 200

    # Still throttled, per process: three failures then even the right password must wait.
    for _ in range(3):
        assert api_sign_in(api, member.email, "wrong-password-x").status_code == 401
    refused = api_sign_in(api, member.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "auth.too_many_attempts"

    health = Client().get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["redis"]["status"] == "unreachable"
    assert body["redis"]["circuit"] == "open"


def test_a_lock_earned_during_the_outage_holds_after_redis_returns(redis_everywhere, settings):
    member = MemberFactory()
    port = redis_everywhere.port
    redis_everywhere.stop()
    for _ in range(3):
        signin_guard.signin_failed(email=member.email, ip="10.0.0.3")
    restarted = RedisProcess(port=port).start()
    try:
        deadline = time.monotonic() + 5
        while not shared_redis.redis_available():  # the circuit's next probe closes it
            assert time.monotonic() < deadline, "Redis never came back"
            time.sleep(0.05)
        with pytest.raises(Exception) as refused:
            signin_guard.signin_check(email=member.email, ip="10.0.0.4")
        assert refused.value.code == "auth.too_many_attempts"
        # New failures go to Redis again.
        signin_guard.signin_failed(email="other@example.test", ip="10.0.0.5")
        assert len(restarted.client().keys("signin-test:signin:ip:*")) == 1
    finally:
        restarted.stop()


def test_allauth_login_limits_are_off_so_there_is_one_throttle():
    from allauth.account import app_settings

    limits = app_settings.RATE_LIMITS
    assert not limits.get("login") and not limits.get("login_failed")
    assert limits.get("signup")  # the limits that are not about signing in stay
