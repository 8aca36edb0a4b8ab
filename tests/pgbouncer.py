"""A private PgBouncer in transaction pooling mode in front of the test database server (Debian's
`pgbouncer` package; `make test` installs it), as production would run one past one machine."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.redis_server import free_port


def _config(*, socket_dir: str, port: int, users: list[str], system_role: str, tmp: Path) -> str:
    # The login role's session must sit in the system role whichever client used the server
    # connection last (a session-level RESET ROLE would otherwise outlive its transaction), so
    # every new server connection and every transaction's end puts it back there.
    reset = f"SELECT set_config('role', '{system_role}', false)"
    return f"""
[databases]
* = host={socket_dir} connect_query='{reset.replace("'", "''")}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp / "users.txt"}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
server_reset_query = {reset}
server_reset_query_always = 1
ignore_startup_parameters = extra_float_digits,options
logfile = {tmp / "pgbouncer.log"}
pidfile = {tmp / "pgbouncer.pid"}
"""


class PgBouncer:
    def __init__(self, *, socket_dir: str, users: list[str], system_role: str):
        # Debian puts it in /usr/sbin, often not on a non-root PATH.
        self.binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
        if self.binary is None:
            pytest.fail("pgbouncer is needed for this test (make test installs it)")
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="yalls-pgbouncer-"))
        (self.tmp / "users.txt").write_text("".join(f'"{u}" ""\n' for u in users))
        (self.tmp / "pgbouncer.ini").write_text(
            _config(
                socket_dir=socket_dir,
                port=self.port,
                users=users,
                system_role=system_role,
                tmp=self.tmp,
            )
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> "PgBouncer":
        command = [self.binary, str(self.tmp / "pgbouncer.ini")]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root; run it as the database server's user, which may
            # also reach the server's socket.
            owner = _socket_owner() or "postgres"
            shutil.chown(self.tmp, user=owner)
            for path in self.tmp.iterdir():
                shutil.chown(path, user=owner)
            command = [self.binary, "-u", owner, str(self.tmp / "pgbouncer.ini")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.tmp / "pgbouncer.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"pgbouncer exited: {self.process.stderr.read()!r} {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        pytest.fail("pgbouncer did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _socket_owner() -> str | None:
    from django.conf import settings

    host = settings.DATABASES["default"]["HOST"]
    if not host.startswith("/"):
        return None
    return pwd.getpwuid(os.stat(host).st_uid).pw_name
