"""A real local HTTP receiver for webhook calls: records each request, and answers
by its path: ``/ok/...`` with 204, ``/200/...`` with 200, ``/flaky/...`` with 500
twice then 204, and ``/hang/...`` not at all until the test ends (longer than any
caller waits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    calls: list[Call] = field(default_factory=list)

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]


@contextmanager
def receiver() -> Iterator[Receiver]:
    release = threading.Event()
    fails: dict[str, int] = {}
    lock = threading.Lock()
    made: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            call = Call(self.path, dict(self.headers.items()), self.rfile.read(length))
            with lock:
                made[0].calls.append(call)
                failed = fails.get(self.path, 0)
                if self.path.startswith("/flaky") and failed < 2:
                    fails[self.path] = failed + 1
                    status = 500
                elif self.path.startswith("/200"):
                    status = 200
                else:
                    status = 204
            if self.path.startswith("/hang"):
                release.wait(30)
                status = 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads the calls instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    made.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made[0]
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
