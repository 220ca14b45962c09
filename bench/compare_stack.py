"""The bare relay on several ASGI servers and WebSocket implementations, side by side.

Why this exists: of the server's CPU in a storm's reconnect, uvicorn, ``websockets``
and the event loop are about 62% (docs/performance.md), and a chat message's frames
in and out are a good part of its cost too. Before Helpline's server moves to another
stack, this measures what the stack alone costs: the same relay (``bench/relay.py``)
runs on each stack, all pinned to the same core, and the rounds go round the stacks in
turn (and backwards the next time round), so a neighbour's burst falls on all alike.

    python -m bench.compare_stack                                  # every stack, both loads
    python -m bench.compare_stack --stacks uvicorn granian --load reconnect --rounds 20

For each stack it prints the median server CPU (every thread of the server and of any
process it started) per unit with its spread, the median of the paired ratios to the
first stack (each round against the first stack's round next to it), and the resident
memory per idle socket with ``--idle`` of them open.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import machine, proc, targets
from bench.compare import cpu_per_unit, paired_ratios, round_done, settle, summary
from bench.relay import STACKS
from bench.relay_load import RelayLoad, idle_sockets

ROOMS = {"chat": 16, "reconnect": 200}
FRAMES = 2000
IDLE_SOCKETS = 2000
# What each stack needs beyond the project's own packages (bench/peers.in has them).
NEEDS = {"uvicorn-wsproto": "wsproto", "granian": "granian", "granian-rust-tasks": "granian"}


@dataclass
class Stack:
    """One stack: its relay server, its load and what each round cost."""

    name: str
    server: proc.Server
    load: RelayLoad
    per_unit_us: list[float] = field(default_factory=list)
    idle_kib: float | None = None


def start(name: str, workdir: Path, cpus: list[int] | None, kind: str, rooms: int = 0) -> Stack:
    port = proc.free_port()
    server = proc.Server(
        name,
        [sys.executable, "-m", "bench.relay", "--port", str(port), "--stack", name],
        port,
        workdir / f"{name}.log",
        cpus=cpus,
        env={"PYTHONPATH": str(targets.REPO)},
        health_path="/",
    )
    server.start()
    return Stack(name, server, RelayLoad(f"ws://127.0.0.1:{port}", rooms or ROOMS[kind], kind))


def order(stacks: int, rounds: int) -> list[int]:
    """Each pass goes round every stack, forwards then backwards (0 1 2 2 1 0 ...), so
    no stack is always measured right after the same other one."""
    plan: list[int] = []
    for n in range(rounds):
        one = list(range(stacks))
        plan += one if n % 2 == 0 else one[::-1]
    return plan


async def measure(stacks: list[Stack], rounds: int, frames: int) -> None:
    for stack in stacks:
        await stack.load.connect()
        await stack.load.round(frames // 2, f"{stack.name}-warm")  # warm-up, not counted
    plan = order(len(stacks), rounds)
    for n, which in enumerate(plan, 1):
        stack = stacks[which]
        work = functools.partial(stack.load.round, frames, f"r{n}")
        us = await cpu_per_unit(stack.server.pid, work, proc.tree_threads_cpu_seconds)
        stack.per_unit_us.append(us)
        round_done("compare_stack", n, len(plan), stack.name, us, stack.load.unit)
    print(file=sys.stderr)
    for stack in stacks:
        await stack.load.close()


async def idle_memory_kib(stack: Stack, count: int) -> float:
    """Resident memory each idle socket adds to a fresh server: a first batch opened
    and closed (what first use loads is not a socket's), then ``count`` held open."""
    pid, base = stack.server.pid, stack.load.base
    first = await idle_sockets(base, 100)
    await asyncio.gather(*(s.close() for s in first))
    await settle(pid, proc.tree_threads_cpu_seconds)
    before = proc.over_tree(proc.rss_bytes, pid)
    sockets = await idle_sockets(base, count)
    await settle(pid, proc.tree_threads_cpu_seconds)
    grown = proc.over_tree(proc.rss_bytes, pid) - before
    await asyncio.gather(*(s.close() for s in sockets))
    return grown / count / 1024


def run_load(
    kind: str, args: argparse.Namespace, workdir: Path, cpus: list[int] | None
) -> dict[str, Any]:
    """Every stack through one load's rounds, then (reconnect) each on a fresh server
    for its idle memory; the load's figures, printed and returned."""
    quiet = machine.before(3.0)
    started = time.monotonic()
    stacks: list[Stack] = []
    try:
        for name in args.stacks:
            stacks.append(start(name, workdir, cpus, kind, args.rooms))
        asyncio.run(measure(stacks, args.rounds, args.frames))
    finally:
        for stack in stacks:
            stack.server.stop()
    for stack in stacks if kind == "reconnect" and args.idle else []:
        fresh = start(stack.name, workdir, cpus, kind, args.rooms)
        try:
            stack.idle_kib = asyncio.run(idle_memory_kib(fresh, args.idle))
        finally:
            fresh.server.stop()
    quiet["load_after"] = machine.load()
    return report(stacks, kind, quiet, time.monotonic() - started)


def report(stacks: list[Stack], kind: str, quiet: dict[str, Any], wall_s: float) -> dict[str, Any]:
    first = stacks[0]
    unit = first.load.unit
    result: dict[str, Any] = {
        "machine": quiet,
        "wall_s": round(wall_s, 1),
        "load": kind,
        "unit": unit,
        "stacks": {
            s.name: {
                "per_unit_us": summary(s.per_unit_us),
                "rounds_us": [round(v, 1) for v in s.per_unit_us],
                "over_first": summary(paired_ratios(first.per_unit_us, s.per_unit_us)),
                "idle_kib_per_socket": None if s.idle_kib is None else round(s.idle_kib, 2),
            }
            for s in stacks
        },
    }
    print(f"{kind}: server CPU a {unit}; machine: {machine.describe(quiet)}")
    for stack in stacks:
        figures = result["stacks"][stack.name]
        cpu, ratio = figures["per_unit_us"], figures["over_first"]
        idle = figures["idle_kib_per_socket"]
        print(
            f"  {stack.name:<26} median {cpu['median']:7.1f} us"
            f"  (middle half {cpu['p25']:.1f}-{cpu['p75']:.1f})"
            f"  x{ratio['median']:.3f} of {first.name}"
            + (f"  idle {idle:.1f} KiB a socket" if idle is not None else "")
        )
    return result


def not_installed(stacks: list[str], installed: set[str]) -> list[str]:
    """The packages ``stacks`` need that are not among ``installed``."""
    return sorted({NEEDS[s] for s in stacks if s in NEEDS} - installed)


def _installed() -> set[str]:
    return {name for name in set(NEEDS.values()) if importlib.util.find_spec(name) is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare_stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--stacks",
        nargs="+",
        choices=STACKS,
        default=STACKS,
        help="the stacks, the first the one the others are compared with (default: all)",
    )
    parser.add_argument("--load", choices=[*ROOMS, "both"], default="both")
    parser.add_argument("--rounds", type=int, default=10, help="rounds per stack and load")
    parser.add_argument("--frames", type=int, default=FRAMES, help="frames a chat round")
    parser.add_argument(
        "--rooms", type=int, default=0, help="rooms of two (default: 16 chat, 200 reconnect)"
    )
    parser.add_argument(
        "--idle", type=int, default=IDLE_SOCKETS, help="idle sockets for memory (0: none)"
    )
    parser.add_argument("--out", default="", help="JSON file for the figures ('' for none)")
    args = parser.parse_args(argv)
    missing = not_installed(args.stacks, _installed())
    if missing:
        parser.error(
            f"{', '.join(missing)} not installed: 'make bench-peers' installs what the "
            "other stacks need (bench/peers.lock), or leave them out with --stacks"
        )
    proc.raise_open_files()
    server_cpus, generator_cpus = proc.core_plan()
    proc.pin_self(generator_cpus)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"helpline-stack-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    try:
        for kind in ROOMS if args.load == "both" else [args.load]:
            results[kind] = run_load(kind, args, workdir, server_cpus)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
