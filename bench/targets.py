"""Servers under test: Helpline (SQLite or PostgreSQL), the bare relay, the peers.

Each is started fresh, pinned to the server's core, on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import proc

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parent.parent
# helpline serve's --log-level (python -m bench run --server-log-level).
server_log_level = "warning"
# The server's open-file limit (python -m bench run --server-open-files): a smaller
# limit reproduces at a small size what the machine's 20,000 does to the 10,000 storm.
server_open_files: int | None = None
# The server's listen backlog (python -m bench run --server-backlog).
server_backlog = 16384


@dataclass
class Target:
    """A started server and how the generator reaches it."""

    name: str
    server: proc.Server
    kind: str  # helpline | relay | channels | socketio
    database_url: str | None = None
    cleanup: list[Any] = field(default_factory=list)

    @property
    def spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "host": "127.0.0.1", "port": self.server.port}

    def stop(self) -> None:
        self.server.stop()
        for action in reversed(self.cleanup):
            action()


# Databases -------------------------------------------------------------------------


def _postgres_base() -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0]


async def _pg(sql: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


def create_postgres_database() -> tuple[str, Any]:
    """A fresh database; returns its SQLAlchemy URL and a function that drops it."""
    name = f"helpline_bench_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    base = _postgres_base().replace("postgresql://", "postgresql+asyncpg://", 1)

    def drop() -> None:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return f"{base}/{name}", drop


def database_url(workdir: Path, database: str, label: str) -> tuple[str, Path, Any]:
    data_dir = workdir / label
    data_dir.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{(data_dir / 'helpline.db').resolve()}"
        return url, data_dir, lambda: shutil.rmtree(data_dir, ignore_errors=True)
    url, drop = create_postgres_database()

    def cleanup() -> None:
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)

    return url, data_dir, cleanup


# Servers -----------------------------------------------------------------------------


def helpline(
    url: str,
    data_dir: Path,
    database: str,
    cpus: list[int] | None,
    cleanup: Any,
    pythonpath: str | None = None,
) -> Target:
    """Helpline on ``url``; ``pythonpath``: the tree whose code it runs (default: the one
    this process imports, or the environment's PYTHONPATH)."""
    port = proc.free_port()
    command = [
        sys.executable,
        "-m",
        "helpline",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        server_log_level,
    ]
    if database == "postgresql":
        command += ["--database-url", url]
    if server_open_files is not None:
        limit = f"--nofile={server_open_files}:{server_open_files}"
        command = ["prlimit", limit, "--", *command]
    server = proc.Server(
        f"helpline ({database})",
        command,
        port,
        data_dir / "server.log",
        cpus=cpus,
        # The storm reconnects 11,250 sockets at once; the kernel caps this at
        # net.core.somaxconn. An environment variable, so older trees still start.
        # A console sends for eight sessions at the offered rate: far above what a
        # person types, so the per-socket message limit is raised (still checked).
        # /metrics open to loopback: each chat step reads how busy the append writer was.
        env={
            "HELPLINE_BACKLOG": str(server_backlog),
            "HELPLINE_MESSAGE_LIMIT": "1000 per second",
            "HELPLINE_METRICS_ALLOW": "127.0.0.1",
            **({"PYTHONPATH": pythonpath} if pythonpath else {}),
        },
    )
    target = Target(f"helpline-{database}", server, "helpline", url, [cleanup])
    try:
        server.start()
    except Exception:
        target.stop()
        raise
    return target


def relay(workdir: Path, cpus: list[int] | None) -> Target:
    return _python_peer("relay", "bare relay", "bench.relay", "/", workdir, cpus)


def channels(workdir: Path, cpus: list[int] | None) -> Target:
    port = proc.free_port()
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    prefix = f"bench{os.getpid()}"
    server = proc.Server(
        "Django Channels (daphne, channels-redis)",
        [daphne, "-b", "127.0.0.1", "-p", str(port), "bench.peers.channels_relay.asgi:application"],
        port,
        workdir / "channels.log",
        cpus=cpus,
        env={
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "bench.peers.channels_relay.settings",
            "BENCH_REDIS_URL": REDIS_URL,
            "BENCH_REDIS_PREFIX": prefix,
        },
        health_path="/healthz",
    )
    server.start()
    return Target("channels", server, "channels")


def socketio(workdir: Path, cpus: list[int] | None) -> Target:
    return _python_peer(
        "socketio",
        "python-socketio (uvicorn)",
        "bench.peers.socketio_relay",
        "/socket.io/?EIO=4&transport=polling",
        workdir,
        cpus,
    )


def _python_peer(
    name: str, title: str, module: str, health_path: str, workdir: Path, cpus: list[int] | None
) -> Target:
    """A peer that is a module of this repository, run with ``--port`` on a free port."""
    port = proc.free_port()
    server = proc.Server(
        title,
        [sys.executable, "-m", module, "--port", str(port)],
        port,
        workdir / f"{name}.log",
        cpus=cpus,
        env={"PYTHONPATH": str(REPO)},
        health_path=health_path,
    )
    server.start()
    return Target(name, server, name)


def peer_groups(sessions: int, per_group: int = 8) -> list[dict[str, Any]]:
    """Session names for the relays and peers: no accounts, a room per session."""
    groups = []
    for g in range((sessions + per_group - 1) // per_group):
        count = min(per_group, sessions - g * per_group)
        ids = [f"S{g:04d}-{i:03d}" for i in range(count)]
        groups.append({"sessions": [{"id": i, "token": ""} for i in ids], "consoles": []})
    return groups
