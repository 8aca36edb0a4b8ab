"""The `yalls` command: production refuses to seed the demo world, and `yalls serve` runs web
workers with no embedded database and no seeding."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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


def test_serve_runs_the_asked_number_of_web_workers_and_answers():
    port = _free_port()
    env = {**os.environ, "YALLS_ENV": "test", "WEB_CONCURRENCY": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "yalls.cli", "serve", "--port", str(port)],
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
        # `serve` became uvicorn (exec, same pid), which supervises the two web workers
        assert "uvicorn" in _cmdline(server.pid)
        workers = [p for p in _children(server.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2, [_cmdline(p) for p in _children(server.pid)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
