"""A real ASGI server (uvicorn, the site's server) in a thread of the test process, against the
test database, and a tiny server-sent events reader. pytest-django's live_server is WSGI and
threaded: it can't stream an async body, so the real-time tests and the browser journey use this.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AsgiServer:
    host: str
    port: int
    server: object
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def hub(self):
        """The real-time hub of the server's event loop (None before any stream opened)."""
        from yalls.notifications import realtime

        entry = realtime._hubs.get(id(self.loop))
        return entry[1] if entry and entry[0] is self.loop else None

    def stop(self) -> None:
        # End the streams and the listener first, so no connection outlives the server (the test
        # database is dropped at the end of the run).
        hub = self.hub()
        if hub is not None and self.loop is not None and self.loop.is_running():
            with contextlib.suppress(Exception):  # a stop must still stop
                asyncio.run_coroutine_threadsafe(hub.aclose(), self.loop).result(5)
        self.server.should_exit = True
        self.server.force_exit = True  # open streams don't hold the shutdown
        self.thread.join(timeout=10)
        from django.core.signals import request_finished

        request_finished.disconnect(dispatch_uid="surface-asgi-close")


def _close_thread_connections(**kwargs) -> None:
    """Like Django's threaded live server: a request thread gives its database connection back
    when the request ends (the test database is dropped at the end of the run). Never the main
    thread's: that one holds the test's own transaction."""
    from django.db import connections

    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


def asgi_server_start() -> AsgiServer:
    import uvicorn
    from django.core.signals import request_finished

    from yalls.asgi import application

    request_finished.connect(_close_thread_connections, dispatch_uid="surface-asgi-close")

    port = free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    holder = AsgiServer("127.0.0.1", port, server, None)  # type: ignore[arg-type]

    def run() -> None:
        loop = asyncio.new_event_loop()
        holder.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve())
        finally:
            loop.close()

    holder.thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    holder.thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not holder.thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return holder


@dataclass
class SSEReader:
    """Reads `event:`/`data:` blocks from a streaming response; comments are kept apart."""

    connection: http.client.HTTPConnection
    response: http.client.HTTPResponse
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def next_event(self, timeout: float = 5.0) -> tuple[str, dict] | None:
        """The next event within `timeout` seconds (TimeoutError otherwise, comments don't
        count); None when the stream ended."""
        deadline = time.monotonic() + timeout
        event, data = "message", []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event in time")
            self.connection.sock.settimeout(left)
            raw = self.response.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    return event, json.loads("\n".join(data))
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line.startswith("retry:"):
                self.retry = int(line[6:].strip())

    def close(self) -> None:
        self.connection.close()


def sse_open(server: AsgiServer, path: str, *, session_key: str | None = None) -> SSEReader:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    headers = {"Accept": "text/event-stream"}
    if session_key:
        headers["Cookie"] = f"sessionid={session_key}"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return SSEReader(connection, response)
