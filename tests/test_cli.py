"""The `yalls` command: production refuses to seed the demo world, and `yalls serve` runs web
workers with no embedded database and no seeding."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command

from yalls import cli


def test_seed_and_up_refuse_in_production(monkeypatch, capsys):
    monkeypatch.setenv("YALLS_ENV", "production")
    assert cli.main(["seed"]) == 2
    assert cli.main(["up"]) == 2
    err = capsys.readouterr().err
    assert "refusing to seed the demo world" in err
    assert "yalls serve" in err


def test_the_seed_management_command_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never seeded in production"):
        call_command("seed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def _serving(*args: str, **env_overrides: str):
    """`yalls serve` in a subprocess on a free port; yields (port, process) once it answers."""
    port = _free_port()
    env = {**os.environ, "YALLS_ENV": "test", **env_overrides}
    server = subprocess.Popen(
        [sys.executable, "-m", "yalls.cli", "serve", "--port", str(port), *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                    status = r.status
            except urllib.error.HTTPError as exc:  # 503 when a dependency is down: still served
                status = exc.code
            except OSError:
                time.sleep(0.5)
        assert status in {200, 503}, server.stderr.read1().decode() if server.poll() else ""
        yield port, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_serve_runs_the_asked_number_of_web_workers_and_answers():
    with _serving(WEB_CONCURRENCY="2") as (_port, server):
        # `serve` became uvicorn (exec, same pid), which supervises the two web workers
        assert "uvicorn" in _cmdline(server.pid)
        workers = [p for p in _children(server.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2, [_cmdline(p) for p in _children(server.pid)]


def _test_database_url() -> str:
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    owner = settings.DATABASE_OWNER
    host = db["HOST"]
    netloc = quote(host, safe="") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    password = f":{quote(owner['PASSWORD'], safe='')}" if owner["PASSWORD"] else ""
    return f"postgres://{owner['USER']}{password}@{netloc}/{db['NAME']}"


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_signin_lockout_on_the_live_server():
    """The issue's reproduction, on the real server: wrong passwords from one client, each with a
    new X-Forwarded-For. uvicorn must not take the header as the address either."""
    with _serving(DATABASE_URL=_test_database_url(), WEB_CONCURRENCY="1") as (port, _server):
        codes = []
        for n in range(6):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                data=json.dumps(
                    {"email": f"guess{n}@example.test", "password": "wrong-password-1"}
                ).encode(),
                headers={"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{n}"},
                method="POST",
            )
            try:
                urllib.request.urlopen(request, timeout=10)  # noqa: S310 - http://127.0.0.1 only
            except urllib.error.HTTPError as exc:
                codes.append(json.loads(exc.read())["code"])
        assert codes[:3] == ["auth.invalid_credentials"] * 3
        assert codes[3:] == ["auth.too_many_attempts"] * 3


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
