"""One benchmark run's settings, and the rate ladder every throughput scenario climbs:
step up the rate, measure, stop on two failed steps, and say the capacity.

Apart from ``runner.py`` (which runs the scenarios and reports) so each stays short.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import database_load, proc, stats, targets, writer_load
from bench.generator import Generator, split
from bench.plan import Plan

LOOPBACK_SOURCES = [f"127.0.0.{i}" for i in range(2, 18)]
P99_LIMIT_MS = 100.0


@dataclass
class Run:
    plan: Plan
    quick: bool
    scenarios: tuple[str, ...]
    databases: tuple[str, ...]
    workdir: Path
    server_cpus: list[int] | None
    generator_cpus: list[int] | None
    results: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    profile_dir: Path | None = None

    def progress(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.1f}s] {text}", file=sys.stderr, flush=True)


# Helpers ----------------------------------------------------------------------------


@contextlib.contextmanager
def profiled(run: Run, target: targets.Target, name: str, seconds: float) -> Any:
    """With --profile, sample the server with py-spy (collapsed stacks) meanwhile, for
    at most ``seconds``."""
    if run.profile_dir is None or not target.server.alive():
        yield
        return
    spy = Path(sys.executable).parent / "py-spy"
    out = run.profile_dir / f"{name}.txt"
    run.profile_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(spy),
        "record",
        "--pid",
        str(target.server.pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        "--gil",
        "--nonblocking",
    ]
    spy_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        # Stopped when the measured work ends, so that the idle time after a short
        # storm does not dilute its profile; py-spy writes what it has on SIGINT.
        spy_process.send_signal(signal.SIGINT)
        try:
            spy_process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy_process.kill()
        run.progress(f"profile of {name}: {out}")


def _merge_steps(replies: list[dict[str, Any]]) -> dict[str, Any]:
    latency = stats.Latency()
    ack = stats.Latency()
    merged: dict[str, Any] = {"errors": [], "counters": {}}
    for key in ("sent", "send_failures", "expected_deliveries", "delivered", "missing", "unacked"):
        merged[key] = sum(r[key] for r in replies)
    for reply in replies:
        latency.merge(reply["latency"])
        ack.merge(reply["ack_latency"])
        merged["errors"].extend(reply["errors"])
        for name, value in reply["counters"].items():
            merged["counters"][name] = merged["counters"].get(name, 0) + value
    start = min(r["start_ns"] for r in replies)
    last = max(r["last_delivery_ns"] for r in replies)
    merged["elapsed_s"] = max(0.001, (last - start) / 1e9) if last else None
    merged["behind_max_ms"] = max(r["behind_max_ms"] for r in replies)
    merged["latency"] = latency.summary()
    merged["ack_latency"] = ack.summary()
    merged["closed_unexpectedly"] = sum(r["closed_unexpectedly"] for r in replies)
    merged["generator_cpu_s"] = sum(r["cpu_s"] for r in replies)
    return merged


def connect(
    generator: Generator, target: targets.Target, groups: list[dict[str, Any]], **more: Any
) -> dict[str, Any]:
    parts = split(groups, generator.size)
    replies = generator.call(
        [
            {
                "op": "connect",
                "target": target.spec,
                "groups": part,
                "addresses": LOOPBACK_SOURCES,
                **more,
            }
            for part in parts
        ]
    )
    failures = [f for r in replies for f in r["failures"]]
    for index, reply in enumerate(replies):
        generator.sessions[index] += reply["customers"]
    summary = {
        "parties": sum(r["parties"] for r in replies),
        "customers": sum(r["customers"] for r in replies),
        "consoles": sum(r["consoles"] for r in replies),
        "failed": sum(r["failed"] for r in replies),
        "failures": failures[:5],
        "seconds": max(r["seconds"] for r in replies),
    }
    if summary["failed"]:
        raise RuntimeError(
            f"{summary['failed']} of {summary['parties']} connections to {target.name} failed: "
            f"{failures[:3]}\n{target.server.log_tail()}"
        )
    return summary


def ladder(
    run: Run,
    generator: Generator,
    target: targets.Target,
    rates: tuple[int, ...],
    label: str,
) -> list[dict[str, Any]]:
    """Offered rates in increasing order, until two steps failed (p99 past 100 ms, or
    anything lost): a step that fails is measured once more before it counts."""
    steps = []
    # Warm up (first queries compile and cache, lazy imports load): not reported.
    warmup_start = time.monotonic_ns() + 200_000_000
    generator.call(
        [
            {
                "op": "chat",
                "step": f"{label}-warmup",
                "rate": share,
                "duration": min(2.0, run.plan.step_s),
                "start_ns": warmup_start,
                "drain": run.plan.drain_s,
            }
            for share in generator.rate_shares(rates[0])
        ],
        timeout=run.plan.step_s + 3 * run.plan.drain_s + 60,
    )
    failed_steps = 0
    for number, rate in enumerate(rates):
        step = _step(run, generator, target, rate, f"{label}-{number}", label)
        steps.append(step)
        if step["server_alive"] and not passed(step):
            # One transient on a busy machine must not decide the capacity: the step is
            # measured once more, and both runs are reported.
            run.progress(f"{label}: {rate}/s failed once; measuring it again")
            step = _step(run, generator, target, rate, f"{label}-{number}-again", label)
            step["attempt"] = 2
            steps.append(step)
        if not step["server_alive"]:
            run.progress(f"{label}: the server died:\n{target.server.log_tail()}")
            break
        if not passed(step):
            failed_steps += 1
            if failed_steps == 2:
                break
    return steps


def passed(step: dict[str, Any], p99_limit_ms: float = P99_LIMIT_MS) -> bool:
    """Within the latency limit, and nothing lost or doubled."""
    p99 = step["latency"]["p99_ms"]
    return (
        p99 is not None and p99 <= p99_limit_ms and step["missing"] == 0 and step["duplicated"] == 0
    )


def _step(
    run: Run,
    generator: Generator,
    target: targets.Target,
    rate: int,
    step_name: str,
    label: str,
) -> dict[str, Any]:
    """One step of the ladder: ``rate`` messages a second offered for the step's
    seconds, and what the server and the generator did meanwhile."""
    database_before = database_load.sample(target.database_url)
    writer_before = _writer_sample(target)
    cpu_before = target.server.cpu()
    sys_before = proc.cpu_split(target.server.pid)[1]
    wait_before = proc.run_queue_wait_seconds(target.server.pid)
    generator_cpu = generator.cpu_seconds()
    start_ns = time.monotonic_ns() + 500_000_000
    with profiled(run, target, f"{step_name}-{rate}", run.plan.step_s + 0.5):
        replies = generator.call(
            [
                {
                    "op": "chat",
                    "step": step_name,
                    "rate": share,
                    "duration": run.plan.step_s,
                    "start_ns": start_ns,
                    "drain": run.plan.drain_s,
                }
                for share in generator.rate_shares(rate)
            ],
            timeout=run.plan.step_s + 3 * run.plan.drain_s + 60,
        )
    step = _merge_steps(replies)
    alive = target.server.alive()
    server_cpu = target.server.cpu() - cpu_before if alive else None
    server_sys = proc.cpu_split(target.server.pid)[1] - sys_before if alive else None
    server_wait = proc.run_queue_wait_seconds(target.server.pid) - wait_before if alive else None
    generator_cpu = generator.cpu_seconds() - generator_cpu
    database_after = database_load.sample(target.database_url)
    writer_after = _writer_sample(target) if alive else None
    # The window the work happened in: the send window, or longer if deliveries lagged.
    wall = max(run.plan.step_s, step["elapsed_s"] or 0.0)
    per_message = step["expected_deliveries"] / step["sent"] if step["sent"] else 1
    delivered_messages = step["delivered"] / per_message if per_message else 0
    achieved = delivered_messages / step["elapsed_s"] if step["elapsed_s"] else 0.0
    frames = step["delivered"] + step["counters"].get("echo", 0)
    step.update(
        {
            "offered_rate": rate,
            "attempt": 1,
            "achieved_rate": achieved,
            "receivers_per_message": per_message,
            "server_cpu_s": server_cpu,
            "server_cpu_percent": 100 * server_cpu / wall if server_cpu is not None else None,
            "server_system_cpu_percent": (
                100 * server_sys / wall if server_sys is not None else None
            ),
            # Ready to run but kept from its core (by PostgreSQL, on a two-core machine).
            "server_wait_percent": 100 * server_wait / wall if server_wait is not None else None,
            "server_us_per_delivered_frame": (
                1e6 * server_cpu / frames if server_cpu is not None and frames else None
            ),
            "generator_cpu_percent": 100 * generator_cpu / wall,
            "duplicated": step["counters"].get("duplicated", 0),
            "reordered": step["counters"].get("reordered", 0),
            "server_alive": target.server.alive(),
            **database_load.step_figures(database_before, database_after, wall, step["sent"]),
            **writer_load.step_figures(writer_before, writer_after),
        }
    )
    lat = step["latency"]
    run.progress(
        f"{label}: offered {rate}/s achieved {achieved:.0f}/s "
        f"p50 {figure(lat['p50_ms'])} p95 {figure(lat['p95_ms'])} "
        f"p99 {figure(lat['p99_ms'])} p99.9 {figure(lat['p999_ms'])} "
        f"max {figure(lat['max_ms'])} ms, "
        f"lost {step['missing']} dup {step['duplicated']} reord {step['reordered']}, "
        f"server cpu {percent(step['server_cpu_percent'])} "
        f"(sys {percent(step['server_system_cpu_percent'])}, waited for its core "
        f"{percent(step['server_wait_percent'])}) gen cpu "
        f"{percent(step['generator_cpu_percent'])}"
        + database_load.describe(step)
        + writer_load.describe(step)
        + (f", errors: {step['errors'][:1]}" if step["errors"] else "")
    )
    return step


def _writer_sample(target: targets.Target) -> writer_load.Sample | None:
    return writer_load.sample(target.server.port) if target.kind == "helpline" else None


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def capacity(steps: list[dict[str, Any]], p99_limit_ms: float = P99_LIMIT_MS) -> float:
    """The highest achieved rate of a step (a first run or its second) with p99 within
    the limit and nothing lost."""
    good = [s["achieved_rate"] for s in steps if passed(s, p99_limit_ms)]
    return max(good, default=0.0)


# Scenarios ---------------------------------------------------------------------------
