"""How busy the machine was around a scenario: load averages and idle CPU.

Why: a figure measured while something else ran is not the product's. Every scenario
records the load before and after it, and (in full runs) the share of the machine's
CPU time that was idle in the second before it began, so a reader can tell a quiet
run from a disturbed one. The bench's own server and generator are idle then.
"""

from __future__ import annotations

import os
import time
from typing import Any


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


def idle_percent(seconds: float) -> float | None:
    """The share of all CPUs' time that was idle over the next ``seconds``."""
    if seconds <= 0:
        return None
    idle_before, total_before = _cpu_times()
    time.sleep(seconds)
    idle_after, total_after = _cpu_times()
    total = total_after - total_before
    return 100.0 * (idle_after - idle_before) / total if total else None


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def before(sample_seconds: float) -> dict[str, Any]:
    return {"load_before": load(), "idle_percent_before": idle_percent(sample_seconds)}


def describe(machine: dict[str, Any]) -> str:
    """One line: "load 0.4 -> 1.9, 97% idle before"."""
    idle = machine.get("idle_percent_before")
    return f"load {machine['load_before'][0]} -> {machine['load_after'][0]}" + (
        f", {idle:.0f}% idle before" if idle is not None else ""
    )


TCP_COUNTERS = ("ListenOverflows", "ListenDrops", "TCPSynRetrans", "TCPTimeouts")


def tcp_counters() -> dict[str, int]:
    """The kernel's TCP counters that tell a full accept queue (``ListenOverflows``:
    a handshake's last ACK dropped because the listener's backlog was full) from other
    losses. Machine-wide: other work on the machine counts too."""
    found: dict[str, int] = {}
    try:
        with open("/proc/net/netstat") as netstat:
            lines = netstat.read().splitlines()
    except OSError:
        return found
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            for name, value in zip(names.split()[1:], values.split()[1:], strict=False):
                if name in TCP_COUNTERS:
                    found[name] = int(value)
    return found


# The kernel's settings that cap a listener's queues: the storm's figures depend on them.
LISTEN_SETTINGS = ("net/core/somaxconn", "net/ipv4/tcp_max_syn_backlog")


def listen_settings() -> dict[str, int]:
    """``net.core.somaxconn`` (the most a listen backlog can be) and
    ``net.ipv4.tcp_max_syn_backlog``, as the kernel has them now."""
    found: dict[str, int] = {}
    for name in LISTEN_SETTINGS:
        try:
            with open(f"/proc/sys/{name}") as setting:
                found[name.replace("/", ".")] = int(setting.read().split()[0])
        except (OSError, ValueError):
            continue
    return found
