"""The coordinator's handle on the load-generator processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from typing import Any

from bench import proc, worker


class GeneratorError(RuntimeError):
    pass


class Generator:
    """Several worker processes, pinned to the generator's cores, driven in lockstep."""

    def __init__(self, count: int, cpus: list[int] | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Any] = []
        self.processes: list[Any] = []
        for index in range(count):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=worker.main, args=(theirs, index, cpus), daemon=True, name=f"gen-{index}"
            )
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        # How many sessions each worker holds: the offered rate is split in proportion.
        self.sessions = [0] * count

    @property
    def size(self) -> int:
        return len(self.pipes)

    def call(self, commands: list[dict[str, Any]], timeout: float = 900.0) -> list[dict[str, Any]]:
        """Send one command to each worker (``len(commands) == size``), wait for all."""
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        replies = []
        deadline = time.monotonic() + timeout
        for index, pipe in enumerate(self.pipes):
            remaining = max(0.1, deadline - time.monotonic())
            if not pipe.poll(remaining):
                raise GeneratorError(f"generator {index} did not answer in {timeout:.0f}s")
            reply = pipe.recv()
            if not reply.get("ok"):
                raise GeneratorError(f"generator {index}: {reply.get('trace') or reply}")
            replies.append(reply)
        return replies

    def rate_shares(self, rate: float) -> list[float]:
        total = sum(self.sessions)
        if not total:
            return [rate / self.size] * self.size
        return [rate * held / total for held in self.sessions]

    def broadcast(self, command: dict[str, Any], timeout: float = 900.0) -> list[dict[str, Any]]:
        return self.call([dict(command) for _ in self.pipes], timeout)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(OSError):
                total += proc.cpu_seconds(process.pid)
        return total

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send({"op": "exit"})
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)


def split(items: list[Any], parts: int) -> list[list[Any]]:
    """Round-robin ``items`` into ``parts`` lists."""
    out: list[list[Any]] = [[] for _ in range(parts)]
    for index, item in enumerate(items):
        out[index % parts].append(item)
    return out
