"""Two trees' server CPU per chat message, measured in alternating rounds.

Why this exists: a change worth a few percent of the server's CPU is lost in the chat
ladder's noise (on these shared two-core machines a step's CPU share moves by ten
points from run to run, and one run of each tree is an hour apart from the next). This
measures one figure, the server's CPU (every thread's, from /proc) per chat message at
a fixed closed-loop load, for two trees at once: both servers run side by side, pinned
to the same core, each on its own freshly seeded database, and the rounds alternate
between them (A B B A ...), so a neighbour's burst or a slow hour falls on both alike.
It reports each tree's median over the rounds with its spread, and the median of the
paired ratios (each round of B against the round of A next to it), which is what a
change is judged by.

    python -m bench.compare --before HEAD~1                # a commit against this checkout
    python -m bench.compare --before A/src --after B/src --rounds 30
    python -m bench.compare --before HEAD~1 --load reconnect

Two loads: ``chat`` (the default), CPU per chat message; ``reconnect``, CPU per socket
that drops and comes back, as in the storm (``compare_reconnect.py``). After each
round the server is given until it falls quiet, so work a round leaves behind (the
customers' presence told to the consoles) is counted in that round.

A tree is a commit of this repository (its ``src``, taken with ``git archive``) or a
directory holding the ``helpline`` package. Each tree seeds its own database with its
own code, so two trees whose schemas differ still compare. Every message is
acknowledged to its sender and delivered to the session's console before a round
ends; a round with a refusal or a missing delivery stops the run.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import machine, proc, targets
from bench.compare_load import Load
from bench.compare_reconnect import ReconnectLoad
from bench.environment import commit_of

DEFAULT_ROUNDS = 20
DEFAULT_MESSAGES = 1200
# Sessions per tree, by load: a reconnect round of 400 sessions is 450 sockets.
DEFAULT_SESSIONS = {"chat": 16, "reconnect": 400}
# A server is quiet again when QUIET_WINDOWS windows in a row each add less than
# QUIET_SHARE of a core: one is not enough, as a commit's fsync is quiet too.
QUIET_WINDOW_S = 0.03
QUIET_WINDOWS = 3
QUIET_SHARE = 0.05
SETTLE_LIMIT_S = 5.0
# What ``--after`` is by default: this checkout's src, uncommitted changes and all.
THIS_CHECKOUT = "this checkout"


@dataclass
class Side:
    """One tree: its server, its database and the load that drives it."""

    label: str
    src: Path
    # The commit it is, or the directory's own commit ("" outside git).
    name: str
    # As it was given on the command line (the result records no machine's paths).
    given: str
    target: targets.Target | None = None
    load: Load | ReconnectLoad | None = None
    per_unit_us: list[float] = field(default_factory=list)

    def commit(self) -> str:
        return self.name or "(not in git)"


def seed(src: Path, url: str, sessions: int) -> list[dict[str, Any]]:
    """Seed ``url`` with ``src``'s own code (in a process of its own, with ``src`` first
    on the path), so the database matches that tree's migrations."""
    code = (
        "import json, sys\n"
        "from bench.seed import seed_sync\n"
        "groups = seed_sync(sys.argv[1], int(sys.argv[2]))\n"
        "print(json.dumps([g.as_dict() for g in groups]))\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{targets.REPO}"}
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(sessions)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding for {src} failed:\n{done.stderr[-2000:]}")
    groups: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return groups


def tree_of(given: str, scratch: Path) -> tuple[Path, str]:
    """The ``src`` directory to run and the commit it is: ``given`` itself, or the
    commit it names, taken out of this repository into ``scratch``. Raises ValueError,
    in words, for neither."""
    path = targets.REPO / "src" if given == THIS_CHECKOUT else Path(given)
    if path.is_dir():
        if not (path / "helpline" / "__init__.py").exists():
            raise ValueError(f"{given} holds no helpline package: give a tree's src directory")
        return path.resolve(), commit_of(path)
    named = subprocess.run(
        ["git", "rev-parse", "--short", "--verify", f"{given}^{{commit}}"],
        cwd=targets.REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if named.returncode != 0:
        raise ValueError(f"{given} is neither a directory nor a commit of this repository")
    scratch.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", given, "src"],
        cwd=targets.REPO,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive.stdout, check=True)
    return (scratch / "src").resolve(), named.stdout.strip()


def order(rounds: int) -> list[int]:
    """Which side measures each round: A B B A A B B A ..., so neither side is always
    first after the other (a drift over the run falls on both alike)."""
    return [(i + (i // 2)) % 2 for i in range(2 * rounds)]


def paired_ratios(a: list[float], b: list[float]) -> list[float]:
    """B's round against A's next to it, round by round."""
    return [y / x for x, y in zip(a, b, strict=False) if x > 0]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else ordered * 3
    return {
        "median": statistics.median(ordered),
        "p25": quartiles[0],
        "p75": quartiles[-1],
        "min": ordered[0],
        "max": ordered[-1],
    }


async def settle(pid: int, cpu: Callable[[int], float] = proc.threads_cpu_seconds) -> float:
    """Wait until the server falls quiet (or ``SETTLE_LIMIT_S``); its CPU seconds then,
    as ``cpu`` reads them."""
    used = cpu(pid)
    deadline = time.monotonic() + SETTLE_LIMIT_S
    quiet = 0
    while quiet < QUIET_WINDOWS and time.monotonic() < deadline:
        await asyncio.sleep(QUIET_WINDOW_S)
        now = cpu(pid)
        quiet = quiet + 1 if now - used < QUIET_WINDOW_S * QUIET_SHARE else 0
        used = now
    return used


async def cpu_per_unit(
    pid: int,
    work: Callable[[], Awaitable[int]],
    cpu: Callable[[int], float] = proc.threads_cpu_seconds,
) -> float:
    """The server's CPU (us) per unit of ``work``, which returns how many units it did:
    from the server quiet before it to quiet after it, so what it leaves behind counts.
    To the nanosecond: a round is a fraction of a second of CPU, a clock tick 10 ms."""
    before = await settle(pid, cpu)
    done = await work()
    return (await settle(pid, cpu) - before) / done * 1e6


def round_done(tool: str, n: int, total: int, label: str, us: float, unit: str) -> None:
    """One line of progress on standard error, written over by the next."""
    print(
        f"\r[{tool}] round {n}/{total}: {label} {us:.1f} us a {unit}    ",
        end="",
        file=sys.stderr,
        flush=True,
    )


async def measure(sides: list[Side], rounds: int, messages: int) -> None:
    for side in sides:
        assert side.load is not None
        await side.load.connect()
        await side.load.round(messages // 2, f"{side.label}-warm")  # warm-up, not counted
    plan = order(rounds)
    for n, which in enumerate(plan, 1):
        side = sides[which]
        assert side.target is not None and side.load is not None
        work = functools.partial(side.load.round, messages, f"{side.label}-{n}")
        us = await cpu_per_unit(side.target.server.pid, work)
        side.per_unit_us.append(us)
        round_done("compare", n, len(plan), side.label, us, side.load.unit)
    print(file=sys.stderr)
    for side in sides:
        assert side.load is not None
        await side.load.close()


def start(side: Side, workdir: Path, load: str, sessions: int, cpus: list[int] | None) -> None:
    url, data_dir, cleanup = targets.database_url(workdir, "sqlite", side.label)
    groups = seed(side.src, url, sessions)
    side.target = targets.helpline(url, data_dir, "sqlite", cpus, cleanup, pythonpath=str(side.src))
    kind = ReconnectLoad if load == "reconnect" else Load
    side.load = kind("127.0.0.1", side.target.server.port, groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--before", required=True, help="tree A: a commit, or a directory holding helpline"
    )
    parser.add_argument(
        "--after",
        default=THIS_CHECKOUT,
        help="tree B, the same way (default: this checkout's src, as it is now)",
    )
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds per tree")
    parser.add_argument(
        "--messages", type=int, default=DEFAULT_MESSAGES, help="chat messages per round"
    )
    parser.add_argument(
        "--load",
        choices=sorted(DEFAULT_SESSIONS),
        default="chat",
        help="chat: CPU per chat message; reconnect: CPU per socket dropped and back",
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=0,
        help="sessions per tree (default: 16 for chat, 400 for reconnect)",
    )
    parser.add_argument("--out", default="", help="JSON file for the figures ('' for none)")
    args = parser.parse_args(argv)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"helpline-compare-{os.getpid()}"
    try:
        trees = [
            tree_of(given, workdir / f"tree-{label}")
            for given, label in ((args.before, "A"), (args.after, "B"))
        ]
        givens = [args.before, args.after]
    except ValueError as error:
        parser.error(str(error))
    server_cpus, generator_cpus = proc.core_plan()
    proc.pin_self(generator_cpus)
    quiet = machine.before(3.0)
    sides = [Side("A", *trees[0], givens[0]), Side("B", *trees[1], givens[1])]
    started = time.monotonic()
    try:
        sessions = args.sessions or DEFAULT_SESSIONS[args.load]
        for side in sides:
            start(side, workdir, args.load, sessions, server_cpus)
        asyncio.run(measure(sides, args.rounds, args.messages))
    finally:
        for side in sides:
            if side.target is not None:
                side.target.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    quiet["load_after"] = machine.load()
    result = report(sides, args.load, quiet, time.monotonic() - started)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


def report(sides: list[Side], load: str, quiet: dict[str, Any], wall_s: float) -> dict[str, Any]:
    a, b = sides
    ratios = paired_ratios(a.per_unit_us, b.per_unit_us)
    assert a.load is not None
    unit = a.load.unit
    result: dict[str, Any] = {
        "machine": quiet,
        "wall_s": round(wall_s, 1),
        "load": load,
        "trees": {s.label: {"given": s.given, "commit": s.commit()} for s in sides},
        f"per_{unit}_us": {s.label: summary(s.per_unit_us) for s in sides},
        "rounds_us": {s.label: [round(v, 1) for v in s.per_unit_us] for s in sides},
        "b_over_a": summary(ratios),
    }
    print(f"machine: {machine.describe(quiet)}")
    for side in sides:
        figures = result[f"per_{unit}_us"][side.label]
        print(
            f"{side.label} {side.commit():>16}  median {figures['median']:6.0f} us a {unit}"
            f"  (middle half {figures['p25']:.0f}-{figures['p75']:.0f},"
            f" all {figures['min']:.0f}-{figures['max']:.0f})"
        )
    ratio = result["b_over_a"]
    print(
        f"B / A, round by round: median {ratio['median']:.3f}"
        f" (middle half {ratio['p25']:.3f}-{ratio['p75']:.3f})"
    )
    return result


if __name__ == "__main__":
    raise SystemExit(main())
