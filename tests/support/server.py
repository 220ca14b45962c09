"""A real Helpline server in its own process, on a free port, for one test or module.

Tests talk to it over real sockets exactly as the console, the customer's browser and
the agent do. The data folder (or PostgreSQL database) belongs to the fixture, so a
killed server can be started again on the same data.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from helpline.domain.people import Role
from helpline.server.bootstrap import DEMO_PASSWORD, create_rep, demo
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.sql import SqlStore

START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# One seeded SQLite database per test run, copied for every server that asks for a new
# one: seeding runs every migration and hashes three passwords with argon2 (about
# 0.6 s), and the suite starts about a hundred seeded servers.
_TEMPLATES: dict[str, Path] = {}


async def _seeded_template() -> Path:
    made = _TEMPLATES.get("sqlite")
    if made is None:
        folder = Path(tempfile.mkdtemp(prefix="helpline-seeded-"))
        atexit.register(shutil.rmtree, folder, True)
        made = folder / "helpline.db"
        await seed(f"sqlite+aiosqlite:///{made}")
        # Closed, so the write-ahead log is in the file itself and a copy is whole.
        assert not made.with_name("helpline.db-wal").exists() or (
            made.with_name("helpline.db-wal").stat().st_size == 0
        )
        _TEMPLATES["sqlite"] = made
    return made


async def seed(database_url: str) -> None:
    """Demo accounts alice (manager) and bob, plus carol, in portals acme and globex."""
    await upgrade(database_url)
    store = SqlStore(create_engine(database_url))
    try:
        await demo(store)
        if await store.find_login("carol") is None:
            await create_rep(store, "carol", "Carol Diaz", DEMO_PASSWORD, Role.REPRESENTATIVE)
        carol = await store.find_login("carol")
        assert carol is not None
        for portal in await store.list_portals():
            await store.add_portal_member(portal.id, carol[0].id)
    finally:
        await store.close()


@dataclass
class ServerProcess:
    data_dir: Path
    database_url: str | None = None
    bus: str = "memory"
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    log_level: str = "warning"
    # The command that runs Helpline: this checkout's, or an installed one's `helpline`.
    program: tuple[str, ...] = (sys.executable, "-m", "helpline")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir.resolve()}/helpline.db"

    async def seed(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        target = self.data_dir / "helpline.db"
        if self.database_url is None and not target.exists():
            shutil.copyfile(await _seeded_template(), target)
            return
        await seed(self.resolved_database_url)

    async def start(self) -> None:
        env = {**os.environ, **self.extra_env, "PYTHONUNBUFFERED": "1"}
        command = [
            *self.program,
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--bus",
            self.bus,
            "--log-level",
            self.log_level,
        ]
        if self.database_url:
            command += ["--database-url", self.database_url]
        self.log_path = self.data_dir / f"server-{self.port}.log"
        log = self.log_path.open("ab")
        # Popen returns at once; the server's start is awaited below by polling /healthz.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            command, stdout=log, stderr=subprocess.STDOUT, env=env
        )
        log.close()
        await self._wait_until_healthy()

    async def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"The server exited at start:\n{self.log()}")
                try:
                    response = await client.get(f"{self.base_url}/healthz", timeout=1.0)
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                # Polling a starting process: there is no event to wait on.
                await asyncio.sleep(0.05)
        raise RuntimeError(f"The server did not start in time:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what is committed must survive."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@asynccontextmanager
async def running(process: ServerProcess) -> AsyncIterator[ServerProcess]:
    """Seed, start, and always stop: the body of every server fixture."""
    await process.seed()
    await process.start()
    try:
        yield process
    finally:
        process.stop()


@contextmanager
def running_across_tests(process: ServerProcess) -> Iterator[ServerProcess]:
    """``running`` for a fixture wider than one test, which has no event loop to await in."""
    asyncio.run(process.seed())
    asyncio.run(process.start())
    try:
        yield process
    finally:
        process.stop()


async def two_nodes(
    folder: Path, database_url: str, bus: str, **env: str
) -> tuple[ServerProcess, ServerProcess]:
    """Two server processes on one database (seeded) and one bus, not started yet. Their
    bus namespace is their own, so tests sharing the bus do not hear each other."""
    isolated = {"HELPLINE_BUS_NAMESPACE": f"test-{uuid.uuid4().hex}:", **env}
    first, second = (
        ServerProcess(folder / name, database_url=database_url, bus=bus, extra_env=isolated)
        for name in ("a", "b")
    )
    await first.seed()
    second.data_dir.mkdir(parents=True)
    return first, second
