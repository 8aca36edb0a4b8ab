"""A real `yalls worker` in a subprocess, pointed at this run's test database.

The worker is another process, so tests that use it need `transactional_db` (rows committed, so the
worker sees them). Its sync tasks come from tests.core.jobs.probe_tasks, imported before the worker
starts (the same module path in both processes, so the task names match).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[3]

WORKER_SCRIPT = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")
import django
django.setup()
import tests.core.jobs.probe_tasks  # noqa: F401  (registers the probe tasks)
from django.core.management import call_command
# What `yalls worker` runs (yalls.cli.cmd_worker), with the test's extra options.
call_command("procrastinate", "worker", *sys.argv[1:])
"""


def database_url() -> str:
    """The test database (its name is only known once pytest-django has set it up)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgresql://{auth}@{host}{port}/{quote(db['NAME'])}"


class Workers:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.logs: list = []

    def start(self, *args: str, heartbeat: float = 1.0) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "YALLS_ENV": "test",
            "PYTHONPATH": str(REPO),
            "JOBS_HEARTBEAT_SECONDS": str(heartbeat),
            "LOG_LEVEL": "WARNING",
        }
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "w")  # noqa: SIM115 (closed in stop_all)
        self.logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, "--queues=test_jobs", *args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path = log.name
        self.procs.append(proc)
        return proc

    def run_once(self, *args: str, timeout: float = 30) -> subprocess.Popen:
        """A worker that processes what is due and exits (`--one-shot`)."""
        proc = self.start("--one-shot", *args)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"one-shot worker did not exit:\n{self.log(proc)}") from None
        assert proc.returncode == 0, self.log(proc)
        return proc

    def log(self, proc) -> str:
        return Path(proc.log_path).read_text()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in self.logs:
            log.close()


def truncate_jobs() -> None:
    """Procrastinate's tables are not Django-managed, so a transactional test's flush leaves them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )


@pytest.fixture
def empty_jobs(db):
    """Start from empty job tables (another suite's transactional test may have left jobs); inside
    the test's transaction, so it is rolled back with it."""
    truncate_jobs()


@pytest.fixture
def clean_jobs(transactional_db):
    truncate_jobs()
    yield
    truncate_jobs()


@pytest.fixture
def workers(clean_jobs, tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or "condition not met in time")
