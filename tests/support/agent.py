"""Test support for the agent: a listener that records what a connection reports, a
TCP proxy that is the agent's network (cut it, mute it), and a representative who
hands out a session code.

The proxy is real networking: the agent connects to it as to any server, and a cut
aborts the TCP connections the way a dropped Wi-Fi or a dead NAT entry does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from helpline.agent import state
from helpline.agent.connection import ConnectionState, Listener, Phase
from helpline.agent.events import Event
from helpline.agent.joining import Credentials, JoinTarget, join
from helpline.agent.service import ProcessManager
from helpline.agent.session import AgentSession
from helpline.agent.system import client_report
from helpline.agent.view import LogLine, View
from helpline.protocol.server_frames import CustomerSession
from tests.support.clients import Browser, Peer

WAIT_SECONDS = 15.0


@dataclass
class Recorder(Listener):
    """Keeps everything a connection reports; tests wait on it instead of sleeping."""

    events: list[Event] = field(default_factory=list)
    live: list[int] = field(default_factory=list)
    states: list[ConnectionState] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    watches: int = 0
    welcomes: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _ring(self) -> None:
        self._changed.set()

    def state_changed(self, state: ConnectionState) -> None:
        self.states.append(state)
        self._ring()

    def welcomed(self, session: CustomerSession) -> None:
        self.welcomes += 1
        self._ring()

    def event(self, event: Event, live: bool) -> None:
        self.events.append(event)
        if live:
            self.live.append(event.seq)
        self._ring()

    def outbox_changed(self) -> None:
        self._ring()

    def subscribed(self, session: CustomerSession, last_seq: int) -> None:
        self._ring()

    def screen_watch(self) -> None:
        self.watches += 1
        self._ring()

    def error(self, code: str, message: str) -> None:
        self.errors.append((code, message))
        self._ring()

    def texts(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "message"]

    def phases(self) -> list[Phase]:
        return [s.phase for s in self.states]

    async def wait(self, check: Callable[[], bool], what: str) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while not check():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"Not within {WAIT_SECONDS}s: {what}; states {self.states}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


class TcpProxy:
    """Forwards 127.0.0.1:port to the server. ``cut()`` aborts every connection;
    ``down`` refuses new ones; ``mute_replies()`` stops forwarding what the server
    says on the connections open now (the agent hears silence)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.down = False
        self.connections = 0
        # Every byte the agent sent towards the server, to scan for what must not leave.
        self.sent = bytearray()
        self._pairs: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._muted: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._pairs.append((writer, up_writer))
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer, None)),
            asyncio.create_task(self._pipe(up_reader, writer, up_writer)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        source: asyncio.StreamWriter | None,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if source is not None and source in self._muted:
                    continue
                if source is None:
                    self.sent += data
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()

    def cut(self) -> None:
        """Abort every open connection, both ways, without a close handshake."""
        for client, upstream in self._pairs:
            client.transport.abort()
            upstream.transport.abort()
        self._pairs.clear()
        self._muted.clear()

    def mute_replies(self) -> None:
        for _, upstream in self._pairs:
            self._muted.add(upstream)

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def session_code(rep: Browser) -> dict[str, Any]:
    """A representative makes a session code (``POST /api/codes``)."""
    made = await rep.http.post("/api/codes", json={})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def service_to_be(
    server_url: str, rep: Browser, tmp_path: Path
) -> tuple[Credentials, Path, ProcessManager]:
    """Dana joins by the representative's code, and her agent's service is ready to run:
    its state file written as ``helpline agent service`` writes it, under a home of the
    test's own, and the manager that runs it as a detached process. Returns the
    credentials, the state file and the manager."""
    code = await session_code(rep)
    joined = await join(JoinTarget(server_url, code["code"]), "Dana", client_report())
    folder = tmp_path / "home" / ".local" / "state" / "helpline"
    state_file = state.service_path(joined.session, folder)
    record = state.ServiceState(
        joined.server, joined.session, joined.token, str(tmp_path / "dl"), manager="process"
    )
    state.write_private(state_file, asdict(record))
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PYTHONUNBUFFERED": "1"}
    env.pop("XDG_RUNTIME_DIR", None)
    return joined, state_file, ProcessManager(joined.session, folder, env)


def messages(peer: Peer, session: str) -> list[str]:
    return [e["body"]["text"] for e in peer.events(session) if e["kind"] == "message"]


@dataclass
class RecordingView(View):
    """Keeps what an ``AgentSession`` shows; tests wait on it."""

    lines: list[LogLine] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def line(self, line: LogLine) -> None:
        self.lines.append(line)
        self._changed.set()

    def changed(self, what: str) -> None:
        self.changes.append(what)
        self._changed.set()

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def problems(self) -> list[str]:
        return [line.text for line in self.lines if line.kind == "problem"]

    async def wait(self, check: Callable[[], object], what: str) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while not check():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"Not within {WAIT_SECONDS}s: {what}; shown:\n{self.text()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


@asynccontextmanager
async def running_agent(
    server_url: str, rep: Browser, folder: Path, **more: Any
) -> AsyncIterator[tuple[AgentSession, RecordingView]]:
    """An agent joined by the representative's code, connected, and closed after; then
    the session is ended, so that a representative on a shared server never holds the
    most sessions they may, whichever tests ran before."""
    code = await session_code(rep)
    credentials = await join(
        JoinTarget(server=server_url, code=code["code"]), "Dana", client_report()
    )
    view = RecordingView()
    agent = AgentSession(
        credentials,
        download_dir=folder / "downloads",
        view=view,
        state_folder=folder / "state",
        **more,
    )
    task = asyncio.create_task(agent.run())
    try:
        await view.wait(lambda: agent.connection.ready, "the agent is connected")
        yield agent, view
    finally:
        await agent.close()
        await asyncio.wait_for(task, 10)
        await rep.http.post(f"/api/sessions/{credentials.session}/end", json={})


async def until(check: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    """Wait for what another process writes to a file: there is no event to wait on, so
    the file is read again every 50 ms until ``check`` holds or ``seconds`` pass."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"Not within {seconds}s: {what}")
        await asyncio.sleep(0.05)
