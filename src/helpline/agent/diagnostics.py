"""The system information the agent sends when the customer allows it: a REPORT of
docs/protocol.md (operating system, uptime, CPU, memory, disks, network, DNS and
routes, top processes, and where the tools exist failed systemd units and recent
journal errors).

Why psutil and the standard library: they read the same facts on every Linux (and
most of them on macOS and Windows) without a shell, in well under a second. The
commands (``systemctl``, ``journalctl``) run in threads of their own while the CPU is
sampled, so the whole collection takes about ``SAMPLE_SECONDS`` plus the slowest tool,
and it runs off the event loop (``collect_report``). Each section is a probe; a probe
that fails becomes a section saying why, so the customer always has something to send.
Command lines of processes are left out on purpose: they may hold passwords.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import ipaddress
import os
import platform
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil

from helpline import __version__
from helpline.agent.diagnostics_system import (
    Runner,
    Section,
    command_probes,
    dns_routes,
    failed_section,
    run_command,
    section,
)
from helpline.agent.system import os_name
from helpline.domain.diagnostics import Report, check_report
from helpline.domain.files import human_size

# How long CPU use is measured (the machine's and each process's).
SAMPLE_SECONDS = 0.25
TOP_PROCESSES = 15
CPUINFO = Path("/proc/cpuinfo")


def _moment(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float) -> str:
    """``3 days, 4 h 05 min``."""
    days, rest = divmod(int(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    clock = f"{hours} h {minutes:02d} min"
    return f"{days} day{'s' if days != 1 else ''}, {clock}" if days else clock


def _percent(value: float) -> str:
    return f"{value:.1f} %"


# -------------------------------------------------------------- the probes


def operating_system() -> Section:
    uname = platform.uname()
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    offset = datetime.now().astimezone().strftime("%z")
    return section(
        "os",
        "Operating system",
        [
            ("Distribution", os_name()),
            ("Kernel", uname.release),
            ("Kernel build", uname.version),
            ("Architecture", uname.machine),
            ("Host name", socket.gethostname() or uname.node),
            ("User", user),
            ("Time zone", f"{'/'.join(dict.fromkeys(time.tzname))} (UTC{offset})"),
            ("Helpline agent", f"{__version__} (Python {platform.python_version()})"),
        ],
    )


def uptime() -> Section:
    booted = psutil.boot_time()
    fields: list[tuple[str, object]] = [
        ("Up for", _duration(time.time() - booted)),
        ("Booted at", _moment(booted)),
    ]
    # No utmp (a container): leave it out rather than guess.
    with contextlib.suppress(OSError, psutil.Error):
        fields.append(("Users logged in", str(len({u.name for u in psutil.users()}))))
    return section("uptime", "Uptime", fields)


def _cpu_model() -> str:
    try:
        for line in CPUINFO.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu(per_core: list[float]) -> Section:
    fields: list[tuple[str, object]] = [
        ("Model", _cpu_model()),
        ("Logical CPUs", str(psutil.cpu_count() or "unknown")),
        ("Physical cores", str(psutil.cpu_count(logical=False) or "unknown")),
    ]
    if hasattr(os, "getloadavg"):
        loads = ", ".join(f"{load:.2f}" for load in os.getloadavg())
        fields.append(("Load average (1, 5, 15 min)", loads))
    if per_core:
        fields.append(("Usage", _percent(sum(per_core) / len(per_core))))
        fields.append(("Usage per CPU", ", ".join(f"{p:.0f} %" for p in per_core)))
    frequency = psutil.cpu_freq() if hasattr(psutil, "cpu_freq") else None
    if frequency is not None and frequency.current:
        fields.append(("Frequency", f"{frequency.current:.0f} MHz"))
    return section("cpu", "CPU", fields)


def memory() -> Section:
    ram, swap = psutil.virtual_memory(), psutil.swap_memory()
    return section(
        "memory",
        "Memory",
        [
            ("Total", human_size(ram.total)),
            ("Available", human_size(ram.available)),
            ("Used", f"{human_size(ram.used)} ({_percent(ram.percent)})"),
            ("Swap total", human_size(swap.total)),
            ("Swap used", f"{human_size(swap.used)} ({_percent(swap.percent)})"),
        ],
    )


def disks() -> Section:
    rows = []
    for part in psutil.disk_partitions(all=False):
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError as error:
            rows.append([part.mountpoint, part.device, part.fstype, "?", "?", "?", error.strerror])
            continue
        rows.append(
            [
                part.mountpoint,
                part.device,
                part.fstype,
                human_size(usage.total),
                human_size(usage.used),
                human_size(usage.free),
                _percent(usage.percent),
            ]
        )
    columns = ["Mount point", "Device", "Type", "Size", "Used", "Free", "Use"]
    return section("disks", "Disks", [("File systems", str(len(rows)))], columns, rows)


def _prefix(mask: str | None) -> str:
    if not mask:
        return ""
    try:
        return f"/{bin(int(ipaddress.ip_address(mask))).count('1')}"
    except ValueError:
        return ""


def network() -> Section:
    stats = psutil.net_if_stats()
    rows = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        ips = [
            f"{a.address.split('%')[0]}{_prefix(a.netmask)}"
            for a in addresses
            if a.family in (socket.AF_INET, socket.AF_INET6)
        ]
        macs = [a.address for a in addresses if a.family == psutil.AF_LINK]
        stat = stats.get(name)
        state = "up" if stat is not None and stat.isup else "down"
        speed = f"{stat.speed} Mb/s" if stat is not None and stat.speed else ""
        mtu = str(stat.mtu) if stat is not None and stat.mtu else ""
        rows.append([name, state, speed, mtu, ", ".join(macs), ", ".join(ips) or "none"])
    columns = ["Interface", "State", "Speed", "MTU", "MAC", "Addresses"]
    return section("network", "Network interfaces", [("Interfaces", str(len(rows)))], columns, rows)


class _ProcessSample:
    """CPU use per process needs two readings: the first here, the second in ``table``."""

    def __init__(self) -> None:
        self.processes = list(psutil.process_iter(["pid", "name", "username"]))
        for process in self.processes:
            with contextlib.suppress(psutil.Error):  # gone or not ours: left out below
                process.cpu_percent(None)

    def section(self) -> Section:
        readings = []
        for process in self.processes:
            try:
                with process.oneshot():
                    cpu_use = process.cpu_percent(None)
                    rss = process.memory_info().rss
                    share = process.memory_percent()
            except psutil.Error:
                continue
            info = process.info
            readings.append((cpu_use, rss, share, info))
        busy = [r for r in readings if r[0] > 0]  # idle ones make no "top" list
        by_cpu = sorted(busy, key=lambda r: r[0], reverse=True)[:TOP_PROCESSES]
        by_memory = sorted(readings, key=lambda r: r[1], reverse=True)[:TOP_PROCESSES]
        shown = {id(r): r for r in [*by_cpu, *by_memory]}.values()
        rows = [
            [
                str(info["pid"]),
                info.get("name") or "?",
                info.get("username") or "?",
                f"{cpu_use:.1f}",
                human_size(rss),
                f"{share:.1f}",
            ]
            for cpu_use, rss, share, info in sorted(shown, key=lambda r: (-r[0], -r[1]))
        ]
        return section(
            "processes",
            "Top processes",
            [
                ("Processes", str(len(self.processes))),
                ("Shown", f"the {TOP_PROCESSES} using the most CPU and the most memory"),
            ],
            ["PID", "Name", "User", "CPU %", "Memory", "Memory %"],
            rows,
        )


# -------------------------------------------------------------- the report


def _probe(section_id: str, title: str, read: Callable[[], Section]) -> Section:
    try:
        return read()
    except Exception as error:  # any failure of one probe: say so, keep the rest
        return failed_section(section_id, title, error)


def _started(
    pool: ThreadPoolExecutor, run: Runner, elevated: bool
) -> list[tuple[str, str, Future[Section]]]:
    return [(sid, title, pool.submit(probe, run)) for sid, title, probe in command_probes(elevated)]


def collect(elevated: bool = False, run: Runner = run_command) -> Report:
    """The report, checked against the limits. ``run`` runs each command the report
    asks (``systemctl``, ``journalctl``, and ``dmesg`` when ``elevated``); an
    elevated collection passes one that runs them with administrator rights."""
    sections: list[Section] = []
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="helpline-diagnostics") as pool:
        commands = _started(pool, run, elevated)
        sample = _probe_sample()
        psutil.cpu_percent(None, percpu=True)
        time.sleep(SAMPLE_SECONDS)
        per_core: list[float] = psutil.cpu_percent(None, percpu=True)
        sections += [
            _probe("os", "Operating system", operating_system),
            _probe("uptime", "Uptime", uptime),
            _probe("cpu", "CPU", lambda: cpu(per_core)),
            _probe("memory", "Memory", memory),
            _probe("disks", "Disks", disks),
            _probe("network", "Network interfaces", network),
            _probe("dns_routes", "DNS and default route", dns_routes),
            _probe("processes", "Top processes", _processes(sample)),
        ]
        for section_id, title, pending in commands:
            sections.append(_probe(section_id, title, pending.result))
    return check_report(
        {
            "collected_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "elevated": elevated,
            "sections": sections,
        }
    )


def _probe_sample() -> _ProcessSample | Exception:
    try:
        return _ProcessSample()
    except Exception as error:  # psutil cannot list processes here: the section says so
        return error


def _processes(sample: _ProcessSample | Exception) -> Callable[[], Section]:
    def read() -> Section:
        if isinstance(sample, Exception):
            raise sample
        return sample.section()

    return read


async def collect_report(elevated: bool = False, run: Runner = run_command) -> Report:
    """``collect`` in a thread: the event loop keeps the chat and the socket going."""
    return await asyncio.to_thread(collect, elevated, run)
