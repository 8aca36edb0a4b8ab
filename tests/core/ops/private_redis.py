"""A Redis server of our own for metrics tests: the shared test Redis (db 15) is flushed by every
test of every concurrent run, which would wipe counters between a write and the read under test."""

import shutil
import socket
import subprocess
import time

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def private_redis_url():
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is needed for this test (make test installs it)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 5
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.02)
    yield f"redis://127.0.0.1:{port}/0"
    proc.kill()
    proc.wait(timeout=5)


@pytest.fixture
def metrics_redis(private_redis_url, settings):
    """When the suite runs with Redis, metrics use the private server; otherwise memory."""
    from yalls.core.ops import metrics

    if settings.REDIS_URL:
        settings.REDIS_URL = private_redis_url
    metrics.reset()
    yield settings.REDIS_URL
    metrics.reset()
