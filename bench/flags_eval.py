"""Benchmark: the cost of evaluating every flag for one request (`flags_for`), cold and warm.

Run:  cd /work/main && .venv/bin/python bench/flags_eval.py [--iterations 2000]

Uses the dev database (the embedded PostgreSQL, started if needed, or DATABASE_URL), creates 50
flags named bench_flags_* (a mix of plain, partial-rollout, targeted and experiment flags), and
times `flags_for` with Django's local-memory cache and with Redis (REDIS_URL, else
redis://127.0.0.1:6379/14 when it answers), under a dedicated cache prefix. The bench flags are
deleted at the end, even on failure. Prints p50/p99/mean in milliseconds for:
  cold        every call finds nothing cached: read the version, miss, query, store, evaluate
  warm-shared another process's snapshot is in the cache: version + snapshot read, evaluate
  warm        the normal case: version read, process memo hit, evaluate
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")

PREFIX = "bench_flags_"
FLAG_COUNT = 50


def _setup() -> bool:
    started = False
    if not os.environ.get("DATABASE_URL"):
        from yalls.core import embedded_db

        started = embedded_db.start()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "flags", "--no-input", verbosity=0)  # only the flags tables
    return started


def _bench_flags():
    from yalls.core.flags.models import Flag

    flags = []
    for i in range(FLAG_COUNT):
        kind = i % 5
        fields = {"key": f"{PREFIX}{i:02d}", "description": "bench", "enabled": True}
        if kind == 1:
            fields["rollout_bp"] = 2_500 + i
        elif kind == 2:
            fields.update(roles=["member", "producer"], cohorts=["beta"], rollout_bp=5_000)
        elif kind == 3:
            fields["variants"] = [
                {"key": "control", "weight": 50, "payload": None},
                {"key": "treatment", "weight": 50, "payload": {"n": i}},
            ]
        elif kind == 4:
            fields.update(
                allow_list=[str(uuid.uuid4()) for _ in range(20)],
                deny_list=[f"@blocked_{j}" for j in range(20)],
                environments=["development", "production", "test"],
            )
        flags.append(Flag(**fields))
    Flag.objects.bulk_create(flags)


def _cleanup() -> None:
    from yalls.core.flags.models import Flag
    from yalls.core.flags.selectors import flag_version_bump

    Flag.objects.filter(key__startswith=PREFIX).delete()
    flag_version_bump()


def _members(n: int) -> list:
    return [
        SimpleNamespace(
            pk=uuid.uuid4(),
            is_authenticated=True,
            role="member",
            handle=f"bench_{i}",
            cohort_tags=["beta"] if i % 2 else [],
        )
        for i in range(n)
    ]


def _timed(fn, members, before=None) -> list[float]:
    samples = []
    for member in members:
        if before is not None:
            before()
        start = time.perf_counter_ns()
        fn(member)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   mean {statistics.fmean(ordered):7.3f} ms"


def _run(label: str, iterations: int) -> None:
    from yalls.core.flags import selectors

    members = _members(iterations)
    flags = selectors.flags_for(members[0])
    assert sum(k.startswith(PREFIX) for k in flags) == FLAG_COUNT, "bench flags not visible"
    assert all(s.reason != "default" for s in flags.values()), "flag store unreachable"

    def invalidate():
        selectors.flag_version_bump()

    def forget_memo():
        selectors._memo = None

    for _ in range(50):  # warm up connections and code paths
        selectors.flags_for(members[0])
    cold = _timed(selectors.flags_for, members, before=invalidate)
    selectors.flags_for(members[0])
    shared = _timed(selectors.flags_for, members, before=forget_memo)
    selectors.flags_for(members[0])
    warm = _timed(selectors.flags_for, members)
    print(f"\n{label}  ({len(flags)} flags per call, {iterations} calls each)")
    print(f"  cold         {_summary(cold)}")
    print(f"  warm-shared  {_summary(shared)}")
    print(f"  warm         {_summary(warm)}")


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        print(f"\nRedis at {url} does not answer ({exc}); skipping the Redis run")
        return None
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    started_db = _setup()
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    try:
        _cleanup()  # a previous run that was killed
        _bench_flags()
        print(
            f"flags_for benchmark · PostgreSQL {connection.pg_version} · env {settings.YALLS_ENV}"
        )
        locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with override_settings(CACHES=locmem):
            _run("without Redis (local-memory cache)", args.iterations)
        url = _redis_url()
        if url:
            caches = {
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": url,
                    "KEY_PREFIX": "bench-flags",
                    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
                }
            }
            with override_settings(CACHES=caches):
                _run(f"with Redis ({url})", args.iterations)
                from django.core.cache import cache

                cache.delete_many(["flags:version"])
    finally:
        _cleanup()
        if started_db:
            from yalls.core import embedded_db

            connection.close()
            embedded_db.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
