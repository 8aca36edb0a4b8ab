import uuid

import pytest

from tests.redis_server import RedisProcess
from yalls.core.ratelimit import limiter


@pytest.fixture(scope="session")
def private_redis():
    server = RedisProcess().start()
    yield server
    server.stop()


@pytest.fixture
def limited(settings, private_redis):
    """Rate limiting on (it is off in the test environment), against a private Redis, with a
    fresh key prefix so no test sees another's counters."""
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_REDIS_URL = private_redis.url
    settings.RATELIMIT_KEY_PREFIX = f"rltest-{uuid.uuid4().hex}"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield private_redis
    limiter.reset()
