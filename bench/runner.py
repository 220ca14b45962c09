"""Runs the scenarios, prints one table, writes the figures as JSON.

Every scenario gets a freshly started server pinned to its own core; the generator's
processes are pinned to the others. All traffic stays on loopback addresses.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import machine, proc, report, stats, targets
from bench.environment import described
from bench.generator import Generator
from bench.ladder import Run, capacity, connect, figure, ladder, percent, profiled
from bench.plan import Plan
from bench.seed import seed_sync

SCENARIOS = ("idle", "chat", "fanout", "storm", "baseline", "peers")
DEFAULT_SCENARIOS = ("idle", "chat", "fanout", "storm", "baseline")


class Population:
    """A seeded Helpline server with customers and consoles connected (idle, storm)."""

    def __init__(self, run: Run, database: str, sessions: int) -> None:
        self.run = run
        self.database = database
        self.sessions = sessions
        url, data_dir, cleanup = targets.database_url(run.workdir, database, f"idle-{database}")
        run.progress(f"idle/storm: seeding {sessions} sessions on {database}")
        self.groups = [g.as_dict() for g in seed_sync(url, sessions, progress=run.progress)]
        self.target = targets.helpline(url, data_dir, database, run.server_cpus, cleanup)
        self.generator = Generator(run.plan.workers, run.generator_cpus)
        self.connected_groups = 0
        self.connected = {"parties": 0, "customers": 0, "consoles": 0}

    def connect_up_to(self, sessions: int) -> dict[str, Any]:
        wanted = (sessions + 7) // 8
        new = self.groups[self.connected_groups : wanted]
        summary = connect(self.generator, self.target, new)
        self.connected_groups = wanted
        for key in self.connected:
            self.connected[key] += summary[key]
        return summary

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.generator.broadcast({"op": "close", "abort": True}, timeout=120)
        self.generator.close()
        self.target.stop()


def scenario_idle(run: Run, population: Population) -> dict[str, Any]:
    server = population.target.server
    time.sleep(1.0)
    rss0 = server.rss()
    levels = []
    for level in run.plan.idle_levels:
        run.progress(f"idle: connecting {level} customers and {level // 8} consoles")
        started = time.monotonic()
        population.connect_up_to(level)
        connect_s = time.monotonic() - started
        time.sleep(2.0)
        rss = server.rss()
        parties = population.connected["parties"]
        # "Idle" still costs: heartbeats every 25 s, and the clients' pings.
        window = 2.0 if run.quick else 10.0
        cpu_before = server.cpu()
        time.sleep(window)
        idle_cpu_percent = 100 * (server.cpu() - cpu_before) / window
        row = {
            "sessions": level,
            "connections": parties,
            "customers": population.connected["customers"],
            "consoles": population.connected["consoles"],
            "rss_before_bytes": rss0,
            "rss_bytes": rss,
            "kib_per_connection": (rss - rss0) / 1024 / parties,
            "connect_seconds": connect_s,
            "idle_cpu_percent": idle_cpu_percent,
            "server_alive": server.alive(),
        }
        levels.append(row)
        run.progress(
            f"idle: {parties} connections, RSS {rss / 2**20:.0f} MiB "
            f"(+{(rss - rss0) / 2**20:.0f} MiB), "
            f"{row['kib_per_connection']:.1f} KiB per connection, "
            f"server CPU at rest {idle_cpu_percent:.0f}%, connected in {connect_s:.0f} s"
        )
    return {"database": population.database, "levels": levels}


def scenario_storm(run: Run, population: Population) -> dict[str, Any]:
    generator = population.generator
    if population.connected_groups * 8 < run.plan.storm_sessions:
        run.progress(f"storm: connecting {run.plan.storm_sessions} customers")
        population.connect_up_to(run.plan.storm_sessions)
    run.progress("storm: one message per session, delivered everywhere, before the drop")
    primed = generator.broadcast({"op": "prime", "timeout": run.plan.storm_timeout_s})
    if not all(p["complete"] for p in primed):
        pending = sum(p["pending"] for p in primed)
        acks = sum(p.get("pending_acks", 0) for p in primed)
        raise RuntimeError(
            f"priming the storm did not finish in {run.plan.storm_timeout_s:.0f}s: "
            f"{pending - acks} deliveries and {acks} acknowledgements still pending"
        )
    prime_s = max(p["seconds"] for p in primed)
    run.progress(f"storm: primed in {prime_s:.1f}s; dropping every socket at once")
    start_ns = time.monotonic_ns() + 1_000_000_000
    cpu_before = population.target.server.cpu()
    tcp_before = machine.tcp_counters()
    busy = proc.CpuTimeline(
        {
            "server": [population.target.server.pid],
            "generator": [process.pid for process in generator.processes],
        }
    )
    with (
        proc.OpenFilesPeak(population.target.server) as open_files,
        busy,
        profiled(run, population.target, "storm", min(run.plan.storm_timeout_s, 60)),
    ):
        began = time.monotonic()
        replies = generator.broadcast(
            {"op": "storm", "start_ns": start_ns, "timeout": run.plan.storm_timeout_s},
            timeout=run.plan.storm_timeout_s + 120,
        )
        wall = time.monotonic() - began
    server_cpu = population.target.server.cpu() - cpu_before
    generator_cpu = sum(r["cpu_s"] for r in replies)
    tcp_after = machine.tcp_counters()
    failures: dict[str, int] = {}
    for reply in replies:
        for key, count in reply["counters"].items():
            if key.startswith("reconnect_failed: "):
                kind = key.removeprefix("reconnect_failed: ")
                failures[kind] = failures.get(kind, 0) + count
    drop_ns = min(r["reconnect_at_ns"] for r in replies)
    times = sorted(t for r in replies for t in r["current_at_ns"])
    connected = sorted(t for r in replies for t in r["connected_at_ns"])
    parties = sum(r["parties"] for r in replies)
    not_current = sum(r["not_current"] for r in replies)
    result = {
        "database": population.database,
        "clients": parties,
        "customers": population.connected["customers"],
        "consoles": population.connected["consoles"],
        "current": sum(r["current"] for r in replies),
        "not_current": not_current,
        "seconds_until_all_current": (times[-1] - drop_ns) / 1e9
        if times and not not_current
        else None,
        "seconds_until_half_current": (times[len(times) // 2] - drop_ns) / 1e9 if times else None,
        "seconds_until_all_resubscribed": (connected[-1] - drop_ns) / 1e9 if connected else None,
        "connect_attempts": sum(r["attempts"] for r in replies),
        "reconnects_deferred": sum(r.get("deferred", 0) for r in replies),
        "missing": sum(r["missing"] for r in replies),
        "duplicated_appends": sum(r["duplicated_appends"] for r in replies),
        "redelivered": sum(r["redelivered"] for r in replies),
        "same_seq_twice": sum(r["same_seq_twice"] for r in replies),
        "errors": [e for r in replies for e in r["errors"]][:5],
        "server_cpu_s": server_cpu,
        "generator_cpu_s": generator_cpu,
        # Whose cores were full: a storm the generator cannot keep up with measures it.
        "wall_s": wall,
        "server_busy_percent": stats.busy_percent(server_cpu, wall, run.server_cpus),
        "generator_busy_percent": stats.busy_percent(generator_cpu, wall, run.generator_cpus),
        # Connected (resubscribed) and current, and how full the server's and the
        # generator's cores were, each second after the drop.
        "timeline": stats.timeline(drop_ns, {"connected": connected, "current": times}, 1.0),
        "busy_timeline": stats.busy_timeline(
            drop_ns,
            busy.samples,
            1.0,
            {
                "server": len(run.server_cpus or range(os.cpu_count() or 1)),
                "generator": len(run.generator_cpus or range(os.cpu_count() or 1)),
            },
        ),
        "reconnect_failures": failures,
        "tcp_counters": {k: tcp_after[k] - tcp_before.get(k, 0) for k in tcp_after},
        "kernel_listen_settings": machine.listen_settings(),
        "server_open_files_peak": open_files.peak,
        "server_open_files_limit": open_files.limit,
        "prime_seconds": prime_s,
        "server_alive": population.target.server.alive(),
    }
    run.progress(
        f"storm: {result['current']}/{parties} current, all in "
        f"{figure(result['seconds_until_all_current'])} s, missing {result['missing']}, "
        f"duplicated {result['duplicated_appends']}, redelivered {result['redelivered']}; "
        f"{result['connect_attempts']} connection attempts "
        f"({result['reconnects_deferred']} told to come back later), "
        f"server CPU {server_cpu:.1f} s ({percent(result['server_busy_percent'])} of its "
        f"cores), generator CPU {generator_cpu:.1f} s "
        f"({percent(result['generator_busy_percent'])} of its cores), "
        f"at most {open_files.peak} of the server's {open_files.limit} files open"
    )
    busy_by_second = {row["seconds"]: row for row in result["busy_timeline"]}
    run.progress(
        "storm: after the drop, connected / current (server's / generator's cores busy): "
        + ", ".join(
            f"{r['seconds']:g} s {r['connected']}/{r['current']}"
            + _busy_note(busy_by_second.get(r["seconds"]))
            for r in result["timeline"]
        )
    )
    for kind, count in sorted(failures.items(), key=lambda item: -item[1]):
        run.progress(f"storm: {count} failed connection attempts: {kind}")
    run.progress(
        f"storm: the kernel's TCP counters (machine-wide): {result['tcp_counters']}; "
        f"its listen settings: {result['kernel_listen_settings']}"
    )
    return result


def _busy_note(row: dict[str, float] | None) -> str:
    return "" if row is None else f" ({row['server']:.0f}%/{row['generator']:.0f}%)"


def scenario_chat_helpline(run: Run, database: str) -> dict[str, Any]:
    url, data_dir, cleanup = targets.database_url(run.workdir, database, f"chat-{database}")
    run.progress(f"chat ({database}): seeding {run.plan.chat_sessions} sessions")
    groups = [g.as_dict() for g in seed_sync(url, run.plan.chat_sessions)]
    target = targets.helpline(url, data_dir, database, run.server_cpus, cleanup)
    generator = Generator(run.plan.workers, run.generator_cpus)
    try:
        connected = connect(generator, target, groups)
        steps = ladder(run, generator, target, run.plan.chat_rates, f"chat-{database}")
    finally:
        with contextlib.suppress(Exception):
            generator.broadcast({"op": "close"}, timeout=60)
        generator.close()
        target.stop()
    return _ladder_result(steps, connected, persisted=True)


def _ladder_result(
    steps: list[dict[str, Any]], connected: dict[str, Any], persisted: bool
) -> dict[str, Any]:
    return {
        "persisted": persisted,
        "connections": connected["parties"],
        "steps": steps,
        "capacity_rate": capacity(steps),
        "rate_with_p99_under_25ms": capacity(steps, 25.0),
    }


def scenario_fanout(run: Run, database: str) -> dict[str, Any]:
    url, data_dir, cleanup = targets.database_url(run.workdir, database, f"fanout-{database}")
    run.progress(f"fanout ({database}): seeding {run.plan.fanout_sessions} sessions, 3 reps each")
    groups = [
        g.as_dict()
        for g in seed_sync(url, run.plan.fanout_sessions, reps_per_group=3, masked_last=True)
    ]
    target = targets.helpline(url, data_dir, database, run.server_cpus, cleanup)
    generator = Generator(run.plan.workers, run.generator_cpus)
    try:
        connected = connect(generator, target, groups)
        steps = ladder(run, generator, target, run.plan.fanout_rates, f"fanout-{database}")
    finally:
        with contextlib.suppress(Exception):
            generator.broadcast({"op": "close"}, timeout=60)
        generator.close()
        target.stop()
    result = _ladder_result(steps, connected, persisted=True)
    result["database"] = database
    return result


def scenario_relay_like(run: Run, name: str) -> dict[str, Any]:
    starters = {
        "relay": targets.relay,
        "channels": targets.channels,
        "socketio": targets.socketio,
    }
    run.progress(f"{name}: starting")
    target = starters[name](run.workdir, run.server_cpus)
    generator = Generator(run.plan.workers, run.generator_cpus)
    try:
        connected = connect(generator, target, targets.peer_groups(run.plan.chat_sessions))
        steps = ladder(run, generator, target, run.plan.chat_rates, name)
    finally:
        with contextlib.suppress(Exception):
            generator.broadcast({"op": "close"}, timeout=60)
        generator.close()
        target.stop()
    return _ladder_result(steps, connected, persisted=False)


# The run -----------------------------------------------------------------------------


def execute(
    quick: bool,
    scenarios: tuple[str, ...],
    databases: tuple[str, ...],
    out: Path | None,
    workers: int | None = None,
    profile_dir: Path | None = None,
    storm_sessions: int | None = None,
    keep_logs: Path | None = None,
) -> dict[str, Any]:
    proc.raise_open_files()
    proc.logs_kept_in = keep_logs
    plan = Plan.quick() if quick else Plan.full()
    if workers:
        plan = Plan(**{**plan.__dict__, "workers": workers})
    if storm_sessions:
        plan = Plan(**{**plan.__dict__, "storm_sessions": storm_sessions})
    server_cpus, generator_cpus = proc.core_plan()
    proc.pin_self(generator_cpus)
    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as tmp:
        run = Run(plan, quick, scenarios, databases, Path(tmp), server_cpus, generator_cpus)
        run.profile_dir = profile_dir
        results: dict[str, Any] = {"environment": described(run), "scenarios": {}}
        figures = results["scenarios"]
        failures: list[str] = []

        def attempt(name: str, work: Any) -> Any:
            around = machine.before(0.0 if quick else 1.0)
            try:
                result = work()
            except Exception as error:
                run.progress(f"{name}: FAILED: {error}")
                failures.append(f"{name}: {error}")
                result = {"failed": str(error)}
            around["load_after"] = machine.load()
            run.progress(f"{name}: {machine.describe(around)}")
            result["machine"] = around
            return result

        first_db = databases[0]
        if "idle" in scenarios or "storm" in scenarios:
            size = max(
                plan.idle_levels[-1] if "idle" in scenarios else 0,
                plan.storm_sessions if "storm" in scenarios else 0,
            )
            population: Population | None = None
            try:
                population = Population(run, first_db, size)
                if "idle" in scenarios:
                    figures["idle"] = attempt("idle", lambda: scenario_idle(run, population))
                if "storm" in scenarios:
                    figures["storm"] = attempt("storm", lambda: scenario_storm(run, population))
            except Exception as error:
                run.progress(f"idle/storm: FAILED: {error}")
                failures.append(f"idle/storm: {error}")
                for name in ("idle", "storm"):
                    if name in scenarios and name not in figures:
                        figures[name] = {"failed": str(error)}
            finally:
                if population is not None:
                    population.close()
        if "chat" in scenarios:
            figures["chat"] = {
                db: attempt(f"chat-{db}", lambda db=db: scenario_chat_helpline(run, db))
                for db in databases
            }
        if "fanout" in scenarios:
            figures["fanout"] = attempt("fanout", lambda: scenario_fanout(run, first_db))
        if "baseline" in scenarios:
            figures["baseline"] = attempt("baseline", lambda: scenario_relay_like(run, "relay"))
        if "peers" in scenarios:
            figures["peers"] = {
                name: attempt(name, lambda name=name: scenario_relay_like(run, name))
                for name in ("channels", "socketio")
            }
        results["ratios"] = report.ratios(results)
        results["failures"] = failures
        results["elapsed_s"] = time.monotonic() - run.started
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    return results
