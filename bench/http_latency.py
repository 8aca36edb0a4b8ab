"""HTTP latency and throughput of a few hot pages under uvicorn and granian (ASGI), with wrk.

Starts each server on a free loopback port against the dev database (run `yalls seed` first),
drives it with `wrk` (Debian package `wrk`) for a fixed time at a fixed concurrency, prints
requests/s and latency percentiles, and stops the server. Loopback only; bounded in time.

    .venv/bin/python bench/http_latency.py [--seconds 10] [--connections 16] [--servers uvicorn,granian]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATHS = ["/health", "/@little_thunder", "/api/v1/entities?limit=20", "/@maya_rides"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(name: str, port: int) -> list[str]:
    python = sys.executable
    if name == "uvicorn":
        return [python, "-m", "uvicorn", "yalls.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--lifespan", "off", "--log-level", "warning"]  # fmt: skip
    if name == "granian":
        return [python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                "--no-ws", "--log-level", "warning", "yalls.asgi:application"]  # fmt: skip
    raise SystemExit(f"unknown server {name}")


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on :{port} did not become ready")


def run_wrk(port: int, path: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": pct.get("50"),
        "p90": pct.get("90"),
        "p99": pct.get("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", default="uvicorn,granian")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    env = {**os.environ, "YALLS_DEBUG": "0", "RATELIMIT_ENABLED": "0", "LOG_LEVEL": "WARNING"}
    print(f"{args.connections} connections, {args.seconds} s per path, 1 server process, 2 cores")
    for name in args.servers.split(","):
        port = free_port()
        server = subprocess.Popen(
            server_command(name, port), cwd=ROOT, env=env, start_new_session=True
        )
        try:
            wait_ready(port)
            for path in PATHS:
                run_wrk(port, path, 2, args.connections)  # warm-up
                r = run_wrk(port, path, args.seconds, args.connections)
                print(
                    f"{name:8} {path:28} {r['rps']:8.0f} req/s  p50 {r['p50']:>8}  p90 {r['p90']:>8}  p99 {r['p99']:>8}  non-2xx {r['errors']}"
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # granian may linger on SIGTERM: don't leave it running
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=5)


if __name__ == "__main__":
    main()
