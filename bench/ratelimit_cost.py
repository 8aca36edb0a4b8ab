"""Benchmark: what one rate-limit check costs a request, with Redis and with the per-process fallback.

Run:  cd /work/main && .venv/bin/python bench/ratelimit_cost.py [--checks 5000] [--redis-url URL]

Times `Limiter.check` (the `limits` sliding-window-counter: one atomic Lua hit plus one window
read per rule) for the `standard` profile (one rule) and the `auth` profile (two rules: per IP
and per account), against Redis (--redis-url, else REDIS_URL, else redis://127.0.0.1:6379/14)
under a throw-away key prefix that is deleted at the end, and against the in-process
MemoryStorage fallback. Subjects rotate over 1,000 members so checks are allowed, as most are.
Also times the whole middleware decision (route resolution, profile, keys, check, headers) on a
RequestFactory request. No database is needed. Prints p50/p99/mean in milliseconds.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")


def _summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<34} p50 {p50 * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms   "
        f"mean {statistics.fmean(ordered) * 1000:7.3f} ms   (n={len(ordered)})"
    )


def _time(fn, checks: int) -> list[float]:
    for i in range(min(200, checks)):  # warm up connections, script SHAs, caches
        fn(i + 10_000)
    samples = []
    for i in range(checks):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def _bench_limiter(label: str, limiter, checks: int) -> None:
    from yalls.core.ratelimit.profiles import PROFILES

    standard = PROFILES["standard"].rules
    auth = PROFILES["auth"].rules

    def one_standard(i):
        limiter.check([(standard[0], f"GET api/v1/entities|m:{i % 1000}")])

    def one_auth(i):
        limiter.check([(auth[0], f"ip:{i % 1000}"), (auth[1], f"acct:{i % 1000}")])

    print(_summary(f"{label} check, standard (1 rule)", _time(one_standard, checks)))
    print(_summary(f"{label} check, auth (2 rules)", _time(one_auth, checks)))


def _bench_middleware(checks: int) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from yalls.core.ratelimit.middleware import RateLimitMiddleware

    middleware = RateLimitMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()

    def one(i):
        request = factory.get("/api/v1/entities/kinds", REMOTE_ADDR=f"10.9.{i % 250}.{i % 4}")
        request.user = AnonymousUser()
        middleware(request)

    print(_summary("middleware decision (memory)", _time(one, checks)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=5000)
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()

    import django
    import redis

    django.setup()
    from django.conf import settings

    from yalls.core.ratelimit import limiter as limiter_module
    from yalls.core.ratelimit.limiter import Limiter

    url = args.redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    prefix = f"bench-rl-{uuid.uuid4().hex[:8]}"
    print(f"{args.checks} checks each; Redis at {url}, key prefix {prefix}\n")
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError as exc:
        print(f"Redis did not answer ({exc.__class__.__name__}): skipping the Redis figures")
    else:
        shared = Limiter(redis_url=url, key_prefix=prefix, retry_seconds=30, timeout_seconds=0.25)
        try:
            _bench_limiter("redis", shared, args.checks)
        finally:
            client = redis.Redis.from_url(url)
            keys = list(client.scan_iter(f"{prefix}*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
    fallback = Limiter(redis_url="", key_prefix=prefix, retry_seconds=30, timeout_seconds=0.25)
    _bench_limiter("memory", fallback, args.checks)

    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_REDIS_URL = ""
    limiter_module.reset()
    _bench_middleware(args.checks)


if __name__ == "__main__":
    main()
