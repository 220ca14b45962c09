"""The one table a run prints, and the ratios that hold on a noisy machine."""

from __future__ import annotations

from typing import Any

from bench import machine

TARGET_KIB_PER_CONNECTION = 30.0
TARGET_RATE = 5000.0
TARGET_P99_MS = 25.0
TARGET_RATIO = 0.5
TARGET_STORM_S = 10.0
TARGET_CONNECTIONS = 10_000


def _capacity(figures: Any) -> float | None:
    if not isinstance(figures, dict) or "capacity_rate" not in figures:
        return None
    return float(figures["capacity_rate"])


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    scenarios = results["scenarios"]
    chat = scenarios.get("chat", {})
    out: dict[str, float | None] = {}
    references = {"relay": _capacity(scenarios.get("baseline"))}
    for name, figures in (scenarios.get("peers") or {}).items():
        references[name] = _capacity(figures)
    for database, figures in chat.items():
        mine = _capacity(figures)
        for name, reference in references.items():
            ratio = mine / reference if mine is not None and reference else None
            out[f"helpline-{database}/{name}"] = ratio
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cores_busy(storm: dict[str, Any]) -> str:
    """ ", cores busy: server 97%, generator 40%" where the storm recorded them (runs
    from before it did not)."""
    server, generator = storm.get("server_busy_percent"), storm.get("generator_busy_percent")
    if server is None or generator is None:
        return ""
    return f", cores busy: server {server:.0f}%, generator {generator:.0f}%"


def server_tree(env: dict[str, Any]) -> str:
    """ " (server: abc1234)" where the server ran another tree's code than the bench's."""
    server = env.get("server_commit")
    return f" (server: {server})" if server and server != env["commit"] else ""


def _verdict(ok: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "-"}[ok]


def _ladder_rows(name: str, figures: dict[str, Any], target: str) -> list[list[str]]:
    if "failed" in figures:
        return [[name, "", f"FAILED: {figures['failed'][:60]}", target]]
    rows = []
    for step in figures["steps"]:
        lat = step["latency"]
        errors = step["counters"].get("errors", 0) + len(step["errors"])
        rows.append(
            [
                name,
                f"{step['offered_rate']}/s offered"
                + (" (again)" if step.get("attempt", 1) > 1 else ""),
                f"{step['achieved_rate']:.0f}/s, p50 {_ms(lat['p50_ms'])} p95 {_ms(lat['p95_ms'])} "
                f"p99 {_ms(lat['p99_ms'])} p99.9 {_ms(lat.get('p999_ms'))} "
                f"max {_ms(lat.get('max_ms'))} ms, lost {step['missing']} dup {step['duplicated']} "
                f"reord {step['reordered']}"
                + (f", unacked {step['unacked']}" if step.get("unacked") else "")
                + (f", {errors} errors" if errors else "")
                + (
                    f", srv {step['server_us_per_delivered_frame']:.0f} us/frame"
                    if step.get("server_us_per_delivered_frame")
                    else ""
                ),
                "",
            ]
        )
    if rows:
        rows[-1][3] = target
    rows.append(
        [
            name,
            "capacity",
            f"{figures['capacity_rate']:.0f}/s with p99 <= 100 ms; "
            f"{figures['rate_with_p99_under_25ms']:.0f}/s with p99 <= 25 ms"
            + ("" if figures["persisted"] else "  (does NOT persist)"),
            "",
        ]
    )
    return rows


def rows(results: dict[str, Any]) -> list[list[str]]:
    scenarios = results["scenarios"]
    out: list[list[str]] = []
    idle = scenarios.get("idle")
    if idle:
        if "failed" in idle:
            out.append(["1 idle", "", f"FAILED: {idle['failed'][:60]}", ""])
        for level in idle.get("levels", []):
            ok = None
            if level["sessions"] >= TARGET_CONNECTIONS:
                ok = level["kib_per_connection"] <= TARGET_KIB_PER_CONNECTION
            out.append(
                [
                    "1 idle",
                    f"N={level['sessions']} ({level['connections']} sockets)",
                    f"{level['kib_per_connection']:.1f} KiB/connection, "
                    f"RSS {level['rss_bytes'] / 2**20:.0f} MiB, "
                    f"CPU at rest {level.get('idle_cpu_percent', 0):.0f}%",
                    f"<= 30 KiB at 10k: {_verdict(ok)}" if ok is not None else "",
                ]
            )
    for database, figures in (scenarios.get("chat") or {}).items():
        ok = None
        if "rate_with_p99_under_25ms" in figures and database == "sqlite":
            ok = figures["rate_with_p99_under_25ms"] >= TARGET_RATE
        target = f">= 5000/s p99<25ms: {_verdict(ok)}" if database == "sqlite" else ""
        out.extend(_ladder_rows(f"2 chat {database}", figures, target))
    fanout = scenarios.get("fanout")
    if fanout:
        out.extend(_ladder_rows("3 fan-out 1+3", fanout, "cost per delivered frame"))
    storm = scenarios.get("storm")
    if storm:
        if "failed" in storm:
            out.append(["4 storm", "", f"FAILED: {storm['failed'][:60]}", ""])
        else:
            seconds = storm["seconds_until_all_current"]
            ok = (
                seconds is not None
                and seconds < TARGET_STORM_S
                and storm["missing"] == 0
                and storm["duplicated_appends"] == 0
            )
            if storm["customers"] < TARGET_CONNECTIONS:
                ok = None
            out.append(
                [
                    "4 storm",
                    f"{storm['clients']} clients",
                    f"all current in {_ms(seconds)} s "
                    f"(half {_ms(storm['seconds_until_half_current'])} s), "
                    f"{storm['not_current']} not current, missing {storm['missing']}, "
                    f"duplicated {storm['duplicated_appends']}, redelivered {storm['redelivered']}"
                    + _cores_busy(storm),
                    f"< 10 s, 0 lost at 10k: {_verdict(ok)}" if ok is not None else "",
                ]
            )
    baseline = scenarios.get("baseline")
    if baseline:
        out.extend(_ladder_rows("5 bare relay", baseline, ""))
    for name, figures in (scenarios.get("peers") or {}).items():
        out.extend(_ladder_rows(f"6 peer {name}", figures, ""))
    for key, value in results.get("ratios", {}).items():
        relay = key.endswith("/relay")
        ok = value >= TARGET_RATIO if relay and value is not None else None
        out.append(
            [
                "ratio",
                key,
                f"{value:.2f}x of capacity" if value is not None else "n/a: a capacity is 0",
                f">= 0.5x relay: {_verdict(ok)}" if relay else "the peer does NOT persist",
            ]
        )
    return out


def _machine_notes(scenarios: dict[str, Any]) -> list[str]:
    """ "chat sqlite: load 0.4 -> 1.9, 97% idle before", for every scenario that ran."""
    notes = []
    for name, figures in scenarios.items():
        nested = figures if name in ("chat", "peers") else {"": figures}
        for part, value in nested.items():
            if isinstance(value, dict) and "machine" in value:
                notes.append(f"{name} {part}".strip() + f": {machine.describe(value['machine'])}")
    return notes


def table(results: dict[str, Any]) -> str:
    header = ["scenario", "setting", "figures", "target"]
    body = rows(results)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(3)]
    lines = []

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]

    lines.append(line(header))
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    lines.extend(line(row) for row in body)
    env = results["environment"]
    lines.append("")
    lines.append(
        f"{env['mode']} run {env['date']} commit {env['commit']}{server_tree(env)}; {env['cpu']}, "
        f"{env['cores']} cores, {env['memory']}; server on cores {env['server_cores']}, generator "
        f"({env['generator_processes']} processes) on {env['generator_cores']}; "
        f"latency from scheduled send to delivery on the other party's socket "
        f"({env['histogram']}); compression off. Peers and the relay do not persist."
    )
    quiet = _machine_notes(results["scenarios"])
    if quiet:
        lines.append("The machine around each scenario: " + "; ".join(quiet) + ".")
    if results.get("failures"):
        lines.append("FAILURES: " + "; ".join(results["failures"]))
    return "\n".join(lines)


def lost(results: dict[str, Any]) -> dict[str, int]:
    """Every loss, duplicate and reordering of the run, by scenario (the smoke test's check)."""
    counts: dict[str, int] = {}
    scenarios = results["scenarios"]

    def ladder(name: str, figures: dict[str, Any]) -> None:
        for step in figures.get("steps", []):
            counts[name] = (
                counts.get(name, 0)
                + step["missing"]
                + step["duplicated"]
                + step["reordered"]
                + step.get("unacked", 0)
            )

    for database, figures in (scenarios.get("chat") or {}).items():
        ladder(f"chat-{database}", figures)
    for name in ("fanout", "baseline"):
        if scenarios.get(name):
            ladder(name, scenarios[name])
    for name, figures in (scenarios.get("peers") or {}).items():
        ladder(name, figures)
    storm = scenarios.get("storm")
    if storm and "failed" not in storm:
        counts["storm"] = storm["missing"] + storm["duplicated_appends"] + storm["not_current"]
    return counts
