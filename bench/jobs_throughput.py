"""Background-job throughput and latency, with real `yalls worker` processes.

    .venv/bin/python bench/jobs_throughput.py [--jobs 2000] [--concurrency 8]

Against the dev database (DATABASE_URL, or the embedded PostgreSQL). For a no-op job and for a job
that writes one row, with 1 and then 2 worker processes: enqueue a batch while the workers idle,
then report jobs/s (first start to last finish, from Procrastinate's event timestamps) and, in a
paced run (jobs deferred one by one at a steady rate), the enqueue-to-start latency p50/p95.
Uses its own queue (`bench_jobs`) and table (`bench_job_rows`) and removes both at the end.
Goal: >= 200 jobs/s on a 2-core machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

QUEUE = "bench_jobs"


def _setup():
    if not os.environ.get("DATABASE_URL"):
        from yalls.core import embedded_db

        embedded_db.start()
    import django

    django.setup()


_setup()

from django.db import connection  # noqa: E402

from yalls.core.jobs import yalls_task  # noqa: E402


@yalls_task(queue=QUEUE, name="bench.noop", retry=1)
def noop(n: int) -> None:
    return None


@yalls_task(queue=QUEUE, name="bench.write_row", retry=1)
def write_row(n: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_job_rows (job_no) VALUES (%s)", [n])


def _sql(query: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall() if cursor.description else None


def _cleanup() -> None:
    _sql("DELETE FROM procrastinate_jobs WHERE queue_name = %s", [QUEUE])
    _sql("TRUNCATE bench_job_rows")


def _start_workers(count: int, concurrency: int) -> list[subprocess.Popen]:
    procs = [
        subprocess.Popen(  # noqa: S603 (our own script)
            [sys.executable, __file__, "--worker", f"--concurrency={concurrency}"],
            cwd=REPO,
            start_new_session=True,
        )
        for _ in range(count)
    ]
    # Wait until every worker has registered (heartbeat row) before measuring.
    deadline = time.monotonic() + 60
    baseline = _sql("SELECT count(*) FROM procrastinate_workers")[0][0]
    while _sql("SELECT count(*) FROM procrastinate_workers")[0][0] < baseline + count:
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")
        time.sleep(0.1)
    time.sleep(0.5)
    return procs


def _stop_workers(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def _wait_done(total: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        done = _sql(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %s "
            "AND status IN ('succeeded', 'failed')",
            [QUEUE],
        )[0][0]
        if done >= total:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done}/{total} jobs finished")
        time.sleep(0.05)


def _throughput() -> float:
    first_start, last_finish, n = _sql(
        """
        SELECT min(e.at) FILTER (WHERE e.type = 'started'),
               max(e.at) FILTER (WHERE e.type = 'succeeded'),
               count(*) FILTER (WHERE e.type = 'succeeded')
          FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id
         WHERE j.queue_name = %s
        """,
        [QUEUE],
    )[0]
    return n / max((last_finish - first_start).total_seconds(), 1e-6)


def _start_latencies_ms() -> list[float]:
    rows = _sql(
        """
        SELECT extract(epoch FROM s.at - d.at) * 1000
          FROM procrastinate_jobs j
          JOIN procrastinate_events d ON d.job_id = j.id AND d.type = 'deferred'
          JOIN procrastinate_events s ON s.job_id = j.id AND s.type = 'started'
         WHERE j.queue_name = %s
        """,
        [QUEUE],
    )
    return sorted(float(r[0]) for r in rows)


def _p(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def run(jobs: int, concurrency: int, paced_rate: int, paced_seconds: float) -> list[dict]:
    _sql(
        "CREATE TABLE IF NOT EXISTS bench_job_rows (id bigserial PRIMARY KEY, job_no int, at timestamptz DEFAULT now())"
    )
    results = []
    try:
        for workers in (1, 2):
            for task in (noop, write_row):
                _cleanup()
                procs = _start_workers(workers, concurrency)
                try:
                    # Throughput: a backlog drained by idle, listening workers.
                    task.batch_defer(*({"n": i} for i in range(jobs)))
                    _wait_done(jobs)
                    rate = _throughput()
                    if task is write_row:
                        assert _sql("SELECT count(*) FROM bench_job_rows")[0][0] == jobs
                    _cleanup()
                    # Latency: one job at a time, at a steady rate, each in its own transaction.
                    total = int(paced_rate * paced_seconds)
                    started = time.monotonic()
                    for i in range(total):
                        task.defer(n=i)
                        pause = started + (i + 1) / paced_rate - time.monotonic()
                        if pause > 0:
                            time.sleep(pause)
                    _wait_done(total)
                    latencies = _start_latencies_ms()
                finally:
                    _stop_workers(procs)
                results.append(
                    {
                        "workers": workers,
                        "task": task.name,
                        "jobs_per_s": rate,
                        "p50_ms": statistics.median(latencies),
                        "p95_ms": _p(latencies, 0.95),
                        "paced_rate": paced_rate,
                    }
                )
                r = results[-1]
                print(
                    f"{workers} worker(s) x{concurrency}  {task.name:<16} {r['jobs_per_s']:7.0f} jobs/s   "
                    f"enqueue->start p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms "
                    f"(at {paced_rate} jobs/s)",
                    flush=True,
                )
    finally:
        _cleanup()
        _sql("DROP TABLE IF EXISTS bench_job_rows")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--paced-rate", type=int, default=100)
    parser.add_argument("--paced-seconds", type=float, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        from django.core.management import call_command

        call_command(
            "procrastinate", "worker", f"--queues={QUEUE}", f"--concurrency={args.concurrency}"
        )
        return 0
    print(f"{os.cpu_count()} CPUs, {args.jobs} jobs per throughput run", flush=True)
    results = run(args.jobs, args.concurrency, args.paced_rate, args.paced_seconds)
    best = max(r["jobs_per_s"] for r in results)
    print(f"best: {best:.0f} jobs/s (goal >= 200)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
