"""One load-generator process: real WebSocket clients on one asyncio loop.

The coordinator (``bench.runner``, through ``bench.generator``) starts several of
these, pinned to the generator's cores, and drives them over a pipe with small command
dicts, one at a time: ``{"op": OP, ...}`` is answered with the step's figures and
``"ok": True``, or ``"ok": False`` with the error and its trace. This module is the
process's entry and that command loop; the clients live in ``bench.clients``, the
steps in ``bench.chat`` and ``bench.storm``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from multiprocessing.connection import Connection
from typing import Any

from bench import chat, storm
from bench.clients import Clients

Command = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def commands(clients: Clients) -> dict[str, Command]:
    """What each ``op`` of the pipe runs."""
    return {
        "connect": clients.connect,
        "chat": lambda cmd: chat.run(clients, cmd),
        "prime": lambda cmd: storm.prime(clients, cmd),
        "storm": lambda cmd: storm.run(clients, cmd),
        "close": clients.close,
    }


async def _serve(pipe: Connection, clients: Clients) -> None:
    loop = asyncio.get_running_loop()
    steps = commands(clients)
    while True:
        cmd = await loop.run_in_executor(None, pipe.recv)
        op = cmd["op"]
        if op == "exit":
            pipe.send({"ok": True})
            return
        try:
            step = steps.get(op)
            if step is None:
                raise ValueError(f"unknown op {op!r}")
            reply = await step(cmd)
            reply["ok"] = True
        except Exception as error:
            reply = {"ok": False, "error": f"{error!r}", "trace": traceback.format_exc()}
        pipe.send(reply)


def main(pipe: Connection, index: int, cpus: list[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, set(cpus))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # The clients hold as many objects as the server does; with the default
    # thresholds the generator's full collections took 4 s of each process's CPU in a
    # storm and held its clients up meanwhile. The server's own settings
    # (helpline/commands/collector.py), kept here apart: the bench's clients are not
    # the product's.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)
    clients = Clients(index)
    runner: Callable[[Coroutine[Any, Any, None]], None]
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(_serve(pipe, clients))
