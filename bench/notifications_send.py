"""Notification send throughput and read latency.

    .venv/bin/python bench/notifications_send.py [--members 50000] [--calls 2000] [--history 100000]
                                                 [--workers 2] [--skip-workers]

Runs in its own database (`yalls_bench_notifications` on the embedded PostgreSQL, or on the
server of DATABASE_URL), migrated from scratch and dropped at the end, so the dev data is never
touched. Reports:

1. `notify_bulk` end to end, written and delivered in-app (rows committed and the real-time
   fan-out called after each chunk's commit): one announcement to `--members` members, 500 per
   job. (a) the job function called directly in this process, one job after another; (b) real
   `yalls worker` processes (`--workers`, concurrency 2 each) picking the jobs from the queue.
2. The raw rate of single `notify(...)` calls, each in its own transaction like a caller's.
3. For one member with `--history` notifications (bulk inserted over 90 days, 30 % unread, three
   lanes): p50/p95 of the unread counts and the first page (selectors under the member's RLS
   context, and the API through Django's test client with a session; rate limiting off).
Goal: >= 100,000 notifications per minute (the product documents claimed 12,000).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The API timings are of the handler and its queries; the limiter's own cost (well under 1 ms) is
# measured by bench/ratelimit_cost.py, and 200 requests a second would trip it here.
os.environ.setdefault("RATELIMIT_ENABLED", "0")
BENCH_DB = "yalls_bench_notifications"
ZONES = ["UTC", "America/Denver", "Europe/Berlin", "Australia/Sydney", "America/New_York"]


def _admin_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from yalls.core import embedded_db

    embedded_db.start()
    return embedded_db.database_url()


def _swap_db(url: str, name: str) -> str:
    from urllib.parse import urlparse, urlunparse

    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def _create_db(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(_swap_db(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return _swap_db(admin_url, BENCH_DB)


def _drop_db(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(_swap_db(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def pct(values, p) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn, n: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def make_members(n: int, prefix: str) -> list:
    from django.contrib.auth import get_user_model

    from yalls.notifications.models import Preference

    User = get_user_model()
    members = [
        User(
            id=uuid.uuid4(),
            email=f"{prefix}{i}@bench.test",
            handle=f"{prefix}{i}",
            display_name=f"Bench {i}",
            timezone=ZONES[i % len(ZONES)],
            password="!",  # noqa: S106 (an unusable password, as Django writes it)
        )
        for i in range(n)
    ]
    User.objects.bulk_create(members, batch_size=5000)
    # Quiet hours off so every send is delivered now whatever the hour of the run; the
    # preference rows are still read per chunk like real ones.
    Preference.objects.bulk_create(
        [Preference(member_id=m.pk, quiet_enabled=False, daily_cap=100) for m in members],
        batch_size=5000,
    )
    return members


def bench_bulk_direct(member_ids) -> dict:
    from django.db import connection, transaction

    from yalls.notifications import services
    from yalls.notifications.models import Notification
    from yalls.notifications.tasks import notifications_bulk_deliver

    t0 = time.perf_counter()
    with transaction.atomic():
        jobs = services.notify_bulk(
            recipient_ids=member_ids, kind="system.announcement", title="Bench announcement",
            dedupe_key="bench-direct",
        )  # fmt: skip
    t_defer = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo' "
            "RETURNING id, args",
            [notifications_bulk_deliver.name],
        )
        pending = sorted(cursor.fetchall())
    for _, args in pending:
        args = json.loads(args) if isinstance(args, str) else args
        notifications_bulk_deliver(**args)  # the job function: its own transaction per chunk
    elapsed = time.perf_counter() - t0
    rows = Notification.objects.filter(dedupe_key="bench-direct").count()
    shown = Notification.objects.filter(dedupe_key="bench-direct", held_reason="").count()
    return {"jobs": jobs, "rows": rows, "shown": shown, "seconds": elapsed, "defer": t_defer}


def bench_bulk_workers(member_ids, db_url: str, workers: int) -> dict:
    from django.db import transaction

    from yalls.notifications import services
    from yalls.notifications.models import Notification

    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO / "src"),
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yalls.cli",
                "worker",
                "--queues",
                "notifications",
                "--concurrency",
                "2",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(4)  # workers connected and idle
        t0 = time.perf_counter()
        with transaction.atomic():
            jobs = services.notify_bulk(
                recipient_ids=member_ids, kind="system.announcement",
                title="Bench announcement (workers)", dedupe_key="bench-workers",
            )  # fmt: skip
        expected = len(member_ids)
        rows = 0
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            rows = Notification.objects.filter(dedupe_key="bench-workers").count()
            if rows >= expected:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"jobs": jobs, "rows": rows, "seconds": elapsed}


def bench_single_calls(members, calls: int) -> dict:
    from django.db import transaction

    from yalls.notifications.services import notify

    actor = members[-1]
    targets = members[: calls // 2]
    t0 = time.perf_counter()
    n = 0
    for i in range(calls):
        recipient = targets[i % len(targets)]
        with transaction.atomic():
            # Half mentions (a new row each), half favourites of one post (fold into a group).
            if i % 2:
                notify(recipient=recipient, kind="social.mention", title="You were mentioned",
                       actor=actor, dedupe_key=f"bench-mention-{i}")  # fmt: skip
            else:
                notify(recipient=recipient, kind="social.favorite", title="A favourite",
                       actor=actor, target_type="post", target_id="bench-post")  # fmt: skip
        n += 1
    elapsed = time.perf_counter() - t0
    return {"calls": n, "seconds": elapsed}


def make_history(member, total: int) -> None:
    """`total` notifications for one member over 90 days, bulk inserted (COPY-like batches)."""
    from django.utils import timezone

    from yalls.notifications.models import Notification

    now = timezone.now()
    lanes = [("social.favorite", "social", "social", 3), ("social.mention", "priority", "social", 2),
             ("system.alert", "system", "system", 2)]  # fmt: skip
    rng = random.Random(7)
    batch = []
    for i in range(total):
        kind, lane, category, priority = lanes[i % 3]
        created = now - timedelta(seconds=rng.randint(0, 90 * 86400))
        batch.append(
            Notification(
                recipient_id=member.pk,
                kind=kind,
                lane=lane,
                category=category,
                priority=priority,
                title=f"History {i}",
                visible_at=created,
                created_at=created,
                updated_at=created,
                read_at=None if rng.random() < 0.3 else created + timedelta(hours=1),
            )
        )
        if len(batch) == 10000:
            Notification.objects.bulk_create(batch)
            batch = []
    if batch:
        Notification.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: statistics and the visibility map (index-only scans).
        cursor.execute("VACUUM ANALYZE notifications_notification")


def bench_reads(member, rounds: int) -> dict:
    from django.test import Client

    from yalls.core.db_context import member_context
    from yalls.notifications import selectors

    def in_context(fn):
        def run():
            with member_context(member.pk):
                fn()

        return run

    results = {
        "selector unread_counts": timed(
            in_context(lambda: selectors.unread_counts(member)), rounds
        ),
        "selector first page (all lanes)": timed(
            in_context(lambda: selectors.notifications_page(member, limit=20)), rounds
        ),
        "selector first page (social lane)": timed(
            in_context(lambda: selectors.notifications_page(member, lane="social", limit=20)),
            rounds,
        ),
    }
    client = Client(HTTP_ACCEPT="application/json")
    client.force_login(member)

    def get(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, response.content[:200]

        return run

    results["API GET /notifications/unread-counts"] = timed(
        get("/api/v1/notifications/unread-counts"), rounds
    )
    results["API GET /notifications?limit=20"] = timed(
        get("/api/v1/notifications?limit=20"), rounds
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--history", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-workers", action="store_true")
    args = parser.parse_args()

    admin_url = _admin_url()
    db_url = _create_db(admin_url)
    os.environ["DATABASE_URL"] = db_url
    try:
        import django

        django.setup()
        from django.core.management import call_command

        print(f"migrating {BENCH_DB} ...", flush=True)
        call_command("migrate", verbosity=0)
        from django.conf import settings

        print(f"real-time backend: {'redis' if settings.REDIS_URL else 'postgres NOTIFY'}")
        t = time.perf_counter()
        members = make_members(args.members, "bm")
        print(f"{args.members} members created in {time.perf_counter() - t:.1f} s", flush=True)
        ids = [str(m.pk) for m in members]

        direct = bench_bulk_direct(ids)
        rate = direct["rows"] / direct["seconds"] * 60
        print(
            f"notify_bulk, job function called in-process: {direct['rows']} rows "
            f"({direct['shown']} shown) in {direct['jobs']} jobs, {direct['seconds']:.2f} s "
            f"(deferring {direct['defer']:.2f} s) → {rate:,.0f} notifications/min",
            flush=True,
        )
        if not args.skip_workers:
            workers = bench_bulk_workers(ids, db_url, args.workers)
            rate = workers["rows"] / workers["seconds"] * 60
            print(
                f"notify_bulk, {args.workers} `yalls worker` processes (concurrency 2): "
                f"{workers['rows']} rows in {workers['jobs']} jobs, {workers['seconds']:.2f} s "
                f"→ {rate:,.0f} notifications/min",
                flush=True,
            )
        single = bench_single_calls(members, args.calls)
        per_s = single["calls"] / single["seconds"]
        print(
            f"notify() one call per transaction: {single['calls']} calls in "
            f"{single['seconds']:.2f} s → {per_s:,.0f}/s = {per_s * 60:,.0f}/min "
            f"({single['seconds'] / single['calls'] * 1000:.2f} ms each)",
            flush=True,
        )

        reader = make_members(1, "bench_reader")[0]
        t = time.perf_counter()
        make_history(reader, args.history)
        print(f"{args.history} notifications for one member in {time.perf_counter() - t:.1f} s")
        for name, samples in bench_reads(reader, args.rounds).items():
            print(f"  {name:40s} p50 {ms(statistics.median(samples))}  p95 {ms(pct(samples, 95))}")
    finally:
        from django.db import connections

        connections.close_all()
        _drop_db(admin_url)
        print(f"dropped {BENCH_DB}")


if __name__ == "__main__":
    main()
