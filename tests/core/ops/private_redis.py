"""A Redis server of our own for metrics tests: the shared test Redis (db 15) is flushed by every
test of every concurrent run, which would wipe counters between a write and the read under test."""

import pytest

from tests.redis_server import RedisProcess


@pytest.fixture(scope="session")
def private_redis_url():
    server = RedisProcess().start()
    yield server.url
    server.stop()


@pytest.fixture
def metrics_redis(private_redis_url, settings):
    """When the suite runs with Redis, metrics use the private server; otherwise memory."""
    from yalls.core.ops import metrics

    if settings.REDIS_URL:
        settings.REDIS_URL = private_redis_url
    metrics.reset()
    yield settings.REDIS_URL
    metrics.reset()
