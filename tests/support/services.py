"""A Redis and a PostgreSQL of one test's (or one fault run's) own, to break.

Never the machine's shared servers: these are started on free ports in a folder of
their own, killed, hung (SIGSTOP), resumed and restarted on the same port, and always
stopped afterwards. Nothing sleeps for a fixed time: each start waits for the server
to answer, under a deadline.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.support.server import free_port

START_SECONDS = 30.0
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


class ServiceMissing(Exception):
    """The program a test needs is not installed; the message says how to install it."""


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, seconds: float = START_SECONDS
) -> None:
    """Polls the async ``check()`` until it returns true (there is no event to wait on
    for another process); raises ``TimeoutError`` naming ``what`` past the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds:g}s")
        await asyncio.sleep(0.05)


class OwnRedis:
    """``redis-server`` on a free port: ``kill`` it, ``hang``/``resume`` it, ``start`` again."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceMissing("redis-server is not installed: apt-get install -y redis-server")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        # Popen returns at once; the start is awaited below.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            command, cwd=self.folder, stdout=subprocess.DEVNULL
        )
        await wait_until(self.answers, f"Redis on port {self.port} answering")

    async def answers(self) -> bool:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port), 1.0
            )
        except (OSError, TimeoutError):
            return False
        try:
            writer.write(b"PING\r\n")
            line = await asyncio.wait_for(reader.readline(), 1.0)
            return line.startswith(b"+PONG")
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()

    def hang(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill()


class OwnPostgres:
    """A PostgreSQL 15 cluster of its own (initdb in ``folder``), on a free port.

    PostgreSQL refuses to run as root, so it runs as the ``postgres`` user.
    """

    def __init__(self) -> None:
        if not (POSTGRES_BIN / "initdb").exists():
            raise ServiceMissing("PostgreSQL 15 is not installed: apt-get install -y postgresql")
        # Under /tmp, not pytest's folder: the postgres user must be able to reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="helpline-postgres-"))
        self.data = self.folder / "cluster"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "start",
            "-l", str(self.folder / "postgres.log"),
        )  # fmt: skip

    def crash(self) -> None:
        """Stops at once, as a crash would: the next start recovers from the WAL."""
        self._as_postgres(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
        )

    def stop(self) -> None:
        """Stops the cluster and removes its folder."""
        if (self.data / "postmaster.pid").exists():
            self.crash()
        shutil.rmtree(self.folder, ignore_errors=True)
