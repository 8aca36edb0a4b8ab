"""The `yalls` command: up (database, migrations, demo data, web server, worker), serve, worker, seed, manage."""

import argparse
import os
import signal
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yalls.settings")


def _ensure_database() -> bool:
    """Start the embedded PostgreSQL when DATABASE_URL is unset. Returns True if this call started it."""
    if os.environ.get("DATABASE_URL"):
        return False
    from yalls.core import embedded_db

    started = embedded_db.start()
    print(
        f"· embedded PostgreSQL {'started' if started else 'already running'} in {embedded_db.PGDATA}",
        flush=True,
    )
    return started


def _manage(*args: str, **options) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command(*args, **options)


def cmd_manage(argv: list[str]) -> int:
    _ensure_database()
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    execute_from_command_line(["yalls manage", *argv])
    return 0


def _production() -> bool:
    return os.environ.get("YALLS_ENV", "development").strip().lower() == "production"


def _refuse_in_production(what: str) -> int:
    print(
        f"yalls: refusing to {what} with YALLS_ENV=production: the demo world signs in with a "
        "published password. Run migrations with `yalls manage migrate`, then `yalls serve` and "
        "`yalls worker` (docs/runbooks/deploy.md).",
        file=sys.stderr,
    )
    return 2


def cmd_seed(_args) -> int:
    if _production():
        return _refuse_in_production("seed the demo world")
    _ensure_database()
    _manage("migrate", "--no-input", verbosity=0)
    _manage("seed")
    return 0


def cmd_worker(args) -> int:
    _ensure_database()
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connections

    options = [f"--concurrency={args.concurrency}"]
    if args.queues:
        options.append(f"--queues={args.queues}")
    # SIGTERM/SIGINT: stop fetching, let running jobs finish (a job still running when the
    # supervisor gives up and SIGKILLs is handed back by the stalled-job sweeper).
    # The worker stops when it loses the database (a restart, a failover): start it again with
    # backoff instead of exiting, so a database restart is ridden through, not a dead worker.
    import logging

    class _SideTaskFailure(logging.Handler):
        """Procrastinate stops cleanly (returns) when a side task such as its LISTEN connection
        dies with the database: that stop is a failure to restart from, not a requested one."""

        failed = False

        def emit(self, record):
            if getattr(record, "action", "") == "side_task_failed":
                self.failed = True

    watcher = _SideTaskFailure()
    logging.getLogger("procrastinate.worker").addHandler(watcher)
    failures = 0
    while True:
        started = time.monotonic()
        watcher.failed = False
        try:
            call_command("procrastinate", "worker", *options)
            if not watcher.failed:
                return 0  # asked to stop (SIGTERM/SIGINT)
            raise RuntimeError("a worker side task (the job listener) failed")
        except (Exception, SystemExit) as exc:  # procrastinate's command exits 1 on a DB error
            if isinstance(exc, SystemExit) and exc.code in (0, None) and not watcher.failed:
                return 0
            if time.monotonic() - started > RESTART_RESET_SECONDS:
                failures = 0
            delay = _backoff(failures)
            failures += 1
            print(
                f"· worker stopped ({exc.__class__.__name__}: {str(exc)[:200]}); "
                f"starting again in {delay:.1f}s",
                file=sys.stderr,
                flush=True,
            )
            connections.close_all()
            time.sleep(delay)


def cmd_serve(args) -> int:
    """Production web processes: uvicorn workers (one per core by default) and nothing else: no
    embedded database, no migrations, no demo data. uvicorn restarts a worker that dies."""
    command = [
        sys.executable, "-m", "uvicorn", "yalls.asgi:application",
        "--host", args.host, "--port", str(args.port), "--workers", str(args.workers),
        "--lifespan", "off", "--no-access-log", "--timeout-graceful-shutdown", "5",
        # The client address is settled by yalls.core.http.client_ip (TRUSTED_PROXY_HOPS) alone.
        "--no-proxy-headers", "--no-server-header",
    ]  # fmt: skip
    # Become uvicorn: the service manager's SIGTERM reaches it directly, and its exit code is ours.
    os.execv(sys.executable, command)  # noqa: S606 - a fixed argv, no shell
    return 0  # not reached


RESTART_RESET_SECONDS = 60.0  # a child that ran this long starts its backoff from scratch
RESTART_MAX_DELAY_SECONDS = 30.0


def _backoff(failures: int) -> float:
    """0.5 s, 1 s, 2 s, ... capped: fast enough to ride out a database restart, slow enough not to
    spin on a child that cannot start."""
    return min(RESTART_MAX_DELAY_SECONDS, 0.5 * (2**failures))


class _Child:
    """One supervised process of `yalls up`: started, watched, started again when it dies."""

    def __init__(self, name: str, argv: list[str], env: dict):
        self.name, self.argv, self.env = name, argv, env
        self.process: subprocess.Popen | None = None
        self.failures = 0
        self.started_at = 0.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def watch(self) -> None:
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                print(f"· starting {self.name} again", flush=True)
                self.start()
            return
        code = self.process.poll() if self.process is not None else None
        if code is None:
            return
        if now - self.started_at > RESTART_RESET_SECONDS:
            self.failures = 0
        delay = _backoff(self.failures)
        self.failures += 1
        self.restart_at = now + delay
        print(
            f"· {self.name} exited with code {code}; starting it again in {delay:.1f}s",
            file=sys.stderr,
            flush=True,
        )

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def cmd_up(args) -> int:
    if _production():
        return _refuse_in_production("start `yalls up` (embedded database and demo data)")
    started_db = _ensure_database()
    print("· applying migrations", flush=True)
    _manage("migrate", "--no-input", verbosity=0)
    _manage("seed")
    env = dict(os.environ)
    python = sys.executable
    children = [
        _Child(
            "web",
            [python, "-m", "uvicorn", "yalls.asgi:application", "--host", args.host, "--port", str(args.port),
             "--no-access-log", "--lifespan", "off", "--timeout-graceful-shutdown", "5",
             # uvicorn would otherwise take X-Forwarded-For from any local client as the address.
             "--no-proxy-headers"],
            env,
        ),
        _Child("worker", [python, "-m", "yalls.cli", "worker"], env),
    ]  # fmt: skip
    for child in children:
        child.start()
    print(
        f"\n  yalls is up: http://{args.host}:{args.port}   (Ctrl-C stops everything)\n", flush=True
    )

    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        # A child that dies is started again (with backoff); only Ctrl-C/SIGTERM stops yalls,
        # and never because a child failed does the database go down under the others.
        while not stopping:
            for child in children:
                child.watch()
            time.sleep(0.3)
    finally:
        for child in children:
            child.terminate()
        deadline = time.time() + 10
        for child in children:
            child.wait_or_kill(deadline)
        if started_db:
            from yalls.core import embedded_db

            embedded_db.stop()
            print("· embedded PostgreSQL stopped", flush=True)
    print("· yalls stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["manage"]:
        return cmd_manage(argv[1:])
    parser = argparse.ArgumentParser(prog="yalls", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="database, migrations, demo data, web server and worker")
    up.add_argument("--host", default=os.environ.get("YALLS_HOST", "127.0.0.1"))
    up.add_argument("--port", type=int, default=int(os.environ.get("YALLS_PORT", "8000")))
    up.set_defaults(func=cmd_up)
    serve = sub.add_parser(
        "serve", help="production web server: uvicorn workers, no embedded database, no seeding"
    )
    serve.add_argument("--host", default=os.environ.get("YALLS_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("YALLS_PORT", "8000")))
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "0")) or os.cpu_count() or 1,
        help="web processes (default: WEB_CONCURRENCY, else one per core)",
    )
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run the background job worker")
    worker.add_argument("--concurrency", type=int, default=4)
    worker.add_argument("--queues", default="", help="comma-separated queues (default: all)")
    worker.set_defaults(func=cmd_worker)
    seed = sub.add_parser("seed", help="load the demo world (idempotent)")
    seed.set_defaults(func=cmd_seed)
    sub.add_parser("manage", help="run a Django management command")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
