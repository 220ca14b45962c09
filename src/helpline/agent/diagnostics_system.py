"""The parts of a diagnostics report read from the system's own tools and files: DNS
and the default routes, failed systemd units, recent journal errors, kernel errors;
and the small builders every section of the report goes through.

Why apart from the collector: these probes run commands (``systemctl``,
``journalctl``, ``dmesg``) that may be missing, refuse, or hang, and read files that
exist on Linux only. Each command goes through a ``Runner``, so the same probes run
unprivileged here and with administrator rights (``sudo``) when the customer's login
credentials allow it: the caller decides how a command runs, this module only what
it asks and how to read the answer. A probe that fails says so in the report; it
never raises out of the collector.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import struct
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from helpline.domain.diagnostics import (
    MAX_CELL,
    MAX_COLUMNS,
    MAX_FIELDS,
    MAX_LABEL,
    MAX_ROWS,
    MAX_TITLE,
    MAX_VALUE,
)

Section = dict[str, Any]
# Runs one command (an argument list) and returns what it printed; raises
# ``ProbeFailed`` when it cannot run, exits with an error, or outlives the timeout.
Runner = Callable[[Sequence[str], float], str]

# "Answer within a few seconds": a tool that takes longer is reported as not answering.
COMMAND_TIMEOUT_SECONDS = 3.0
JOURNAL_LINES = 50
KERNEL_LINES = 50
RESOLV_CONF = Path("/etc/resolv.conf")
# Where systemd-resolved lists the servers behind its local stub (127.0.0.53).
RESOLVED_UPSTREAM = Path("/run/systemd/resolve/resolv.conf")
PROC_ROUTE = Path("/proc/net/route")
PROC_ROUTE6 = Path("/proc/net/ipv6_route")
_RTF_UP, _RTF_GATEWAY, _RTF_REJECT = 0x0001, 0x0002, 0x0200


class ProbeFailed(Exception):
    """A probe could not read what it wanted; the message is for the report's reader."""


# -------------------------------------------------------------- building sections


def fit(value: object, limit: int) -> str:
    """``value`` as text of at most ``limit`` characters, cut with an ellipsis."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(
    section_id: str,
    title: str,
    fields: Iterable[tuple[str, object]] = (),
    columns: Sequence[str] | None = None,
    rows: Iterable[Sequence[object]] = (),
) -> Section:
    """A report section within the limits of ``helpline.domain.diagnostics``: values
    are cut, extra fields and rows are left out (and the last field says how many)."""
    pairs = [[fit(label, MAX_LABEL), fit(value, MAX_VALUE)] for label, value in fields]
    if len(pairs) > MAX_FIELDS:
        left_out = len(pairs) - (MAX_FIELDS - 1)
        pairs = [*pairs[: MAX_FIELDS - 1], ["Left out", f"{left_out} more"]]
    table = None
    if columns:
        names = [fit(name, MAX_LABEL) for name in columns[:MAX_COLUMNS]]
        cells = [[fit(cell, MAX_CELL) for cell in row[: len(names)]] for row in rows]
        table = {"columns": names, "rows": cells[:MAX_ROWS]}
    return {"id": section_id, "title": fit(title, MAX_TITLE), "fields": pairs, "table": table}


def failed_section(section_id: str, title: str, error: BaseException) -> Section:
    """The section of a probe that failed: one field saying why."""
    reason = str(error) if isinstance(error, ProbeFailed) else f"{type(error).__name__}: {error}"
    return section(section_id, title, [("Not available", reason.strip() or "no reason given")])


# -------------------------------------------------------------- running commands


def run_command(command: Sequence[str], timeout: float) -> str:
    """The default ``Runner``: the command as the agent's own user, no shell, no input."""
    name = command[0]
    try:
        # Fixed argument lists of this module, no shell: nothing untrusted runs.
        done = subprocess.run(  # noqa: S603
            list(command),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as error:
        raise ProbeFailed(f"{name} is not installed.") from error
    except subprocess.TimeoutExpired as error:
        raise ProbeFailed(f"{name} did not answer within {timeout:g} seconds.") from error
    except OSError as error:
        raise ProbeFailed(f"{name} could not run ({error.strerror or error}).") from error
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        reason = f": {said[-1]}" if said else ""
        raise ProbeFailed(f"{name} exited with status {done.returncode}{reason}")
    return done.stdout


def has_tool(name: str) -> bool:
    return shutil.which(name) is not None


# -------------------------------------------------------------- DNS and routes


def _resolv_conf(path: Path) -> tuple[list[str], list[str]]:
    servers: list[str] = []
    search: list[str] = []
    for line in path.read_text(errors="replace").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            servers.append(words[1])
        elif words and words[0] in ("search", "domain"):
            search.extend(words[1:])
    return servers, search


def _hex_ipv4(value: str) -> str:
    # /proc/net/route writes addresses as the host's 32-bit integers, little-endian here.
    return socket.inet_ntoa(struct.pack("<I", int(value, 16)))


def default_routes_v4(path: Path = PROC_ROUTE) -> list[str]:
    routes = []
    for line in path.read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) < 8 or parts[1] != "00000000" or parts[7] != "00000000":
            continue
        flags = int(parts[3], 16)
        if not flags & _RTF_UP:
            continue
        via = f"via {_hex_ipv4(parts[2])} " if flags & _RTF_GATEWAY else ""
        routes.append(f"{via}dev {parts[0]} metric {int(parts[6])}")
    return routes


def default_routes_v6(path: Path = PROC_ROUTE6) -> list[str]:
    routes = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 10 or parts[0] != "0" * 32 or parts[1] != "00":
            continue
        flags = int(parts[8], 16)
        if not flags & _RTF_UP or flags & _RTF_REJECT:
            continue
        hop = ipaddress.IPv6Address(bytes.fromhex(parts[4]))
        via = f"via {hop} " if flags & _RTF_GATEWAY else ""
        routes.append(f"{via}dev {parts[9]} metric {int(parts[5], 16)}")
    return routes


def dns_routes() -> Section:
    fields: list[tuple[str, object]] = []
    try:
        servers, search = _resolv_conf(RESOLV_CONF)
    except OSError as error:
        fields.append(("DNS servers", f"{RESOLV_CONF} cannot be read ({error.strerror})"))
    else:
        fields.append(("DNS servers", ", ".join(servers) or "none listed"))
        if search:
            fields.append(("Search domains", " ".join(search)))
        if any(s.startswith("127.0.0.53") for s in servers) and RESOLVED_UPSTREAM.exists():
            upstream, _ = _resolv_conf(RESOLVED_UPSTREAM)
            fields.append(("DNS servers behind systemd-resolved", ", ".join(upstream) or "none"))
    for label, read, path in (
        ("Default route (IPv4)", default_routes_v4, PROC_ROUTE),
        ("Default route (IPv6)", default_routes_v6, PROC_ROUTE6),
    ):
        try:
            fields.append((label, "; ".join(read(path)) or "none"))
        except OSError:
            fields.append((label, f"not available ({path} cannot be read)"))
    return section("dns_routes", "DNS and default route", fields)


# -------------------------------------------------------------- systemd and the kernel


def systemd_failed(run: Runner) -> Section:
    out = run(["systemctl", "--failed", "--no-legend", "--plain"], COMMAND_TIMEOUT_SECONDS)
    rows = []
    for line in out.splitlines():
        parts = line.split(None, 4)
        if parts:
            rows.append([*parts, *[""] * (5 - len(parts))])
    return section(
        "systemd_failed",
        "Failed systemd units",
        [("Failed units", str(len(rows)) if rows else "none")],
        ["Unit", "Load", "Active", "Sub", "Description"] if rows else None,
        rows,
    )


def _log_rows(out: str, limit: int) -> list[list[str]]:
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("-- ")]
    return [line.split(" ", 1) if " " in line else ["", line] for line in lines[-limit:]]


def journal_errors(run: Runner) -> Section:
    command = ["journalctl", "-p", "err", "-n", str(JOURNAL_LINES), "--no-pager"]
    rows = _log_rows(run([*command, "-o", "short-iso"], COMMAND_TIMEOUT_SECONDS), JOURNAL_LINES)
    return section(
        "journal_errors",
        "Recent errors in the system journal",
        [("Entries", f"the last {len(rows)} at priority error or worse" if rows else "none")],
        ["Time", "Entry"] if rows else None,
        rows,
    )


def kernel_errors(run: Runner) -> Section:
    out = run(["dmesg", "--level=err,crit", "--time-format", "iso"], COMMAND_TIMEOUT_SECONDS)
    rows = _log_rows(out, KERNEL_LINES)
    return section(
        "dmesg",
        "Kernel errors (dmesg)",
        [("Entries", f"the last {len(rows)} errors or critical" if rows else "none")],
        ["Time", "Message"] if rows else None,
        rows,
    )


def command_probes(elevated: bool) -> list[tuple[str, str, Callable[[Runner], Section]]]:
    """The probes that run a command, for the tools this computer has: ``(id, title,
    probe)``. ``dmesg`` needs administrator rights on most systems: elevated only."""
    probes: list[tuple[str, str, str, Callable[[Runner], Section]]] = [
        ("systemctl", "systemd_failed", "Failed systemd units", systemd_failed),
        ("journalctl", "journal_errors", "Recent errors in the system journal", journal_errors),
    ]
    if elevated:
        probes.append(("dmesg", "dmesg", "Kernel errors (dmesg)", kernel_errors))
    return [(sid, title, probe) for tool, sid, title, probe in probes if has_tool(tool)]
