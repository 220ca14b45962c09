"""Processes under test: start one pinned to a core, read its memory and CPU from /proc.

Linux only, like the rest of the bench (``taskset``, loopback aliases 127.0.0.x).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
START_TIMEOUT_S = 60.0
# prctl(2): the signal a process gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1
# Where a stopped server's log is copied (``python -m bench run --keep-logs DIR``); the
# run's own folder, with the log in it, is deleted at the end of the run.
logs_kept_in: Path | None = None


def _die_with_parent() -> None:
    """In a server's process, before it runs: be sent SIGTERM when the bench's process
    ends, however it ends. A run stopped by a timeout or a kill left its servers
    running (in their own session, so no terminal signal reaches them), holding ports
    and a core for the next run."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def raise_open_files() -> int:
    """Raise this process's open-file limit to its hard limit; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1_048_576
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def core_plan() -> tuple[list[int] | None, list[int] | None]:
    """(server cores, generator cores): the first core for the server, the rest for
    the generator. On a single core both share it, and the report says so."""
    available = cores()
    if len(available) < 2:
        return None, None
    return [available[0]], available[1:]


def pin_self(cpus: list[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, set(cpus))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of ``pid`` and its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # Fields after the command name: state is [0], utime is [11], stime is [12].
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def _schedstat_seconds(pid: int, field: int) -> float:
    """One field of every live thread's /proc schedstat, summed, in seconds."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with (
            contextlib.suppress(OSError, ValueError, IndexError),
            open(f"/proc/{pid}/task/{task}/schedstat") as f,
        ):
            total += int(f.read().split()[field])
    return total / 1e9


def run_queue_wait_seconds(pid: int) -> float:
    """How long ``pid``'s threads have waited for a core while ready to run (the
    second field of each thread's /proc schedstat): a process that waits much is short
    of CPU, whatever its own CPU time says."""
    return _schedstat_seconds(pid, 1)


def threads_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid``'s live threads to the nanosecond (the first field of each
    thread's /proc schedstat), where ``cpu_seconds`` counts in clock ticks (10 ms): for
    short intervals. A thread that ended takes its time with it, so compare only
    intervals over which the threads live."""
    return _schedstat_seconds(pid, 0)


def over_tree(measure: Callable[[int], float], pid: int) -> float:
    """``measure`` of ``pid`` and of every process it started, summed: a server whose
    work runs in a child (granian's worker) is measured whole. A process that ended
    meanwhile counts nothing."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            total += measure(each)
    return total


def tree_threads_cpu_seconds(pid: int) -> float:
    return over_tree(threads_cpu_seconds, pid)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` and its threads."""
    user, system = cpu_split(pid)
    return user + system


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    found.append(int(child))
                    found.extend(_children(int(child)))
    return found


@dataclass
class Server:
    """A server process under test, pinned with ``taskset`` when cores are given."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    cpus: list[int] | None = None
    env: dict[str, str] = field(default_factory=dict)
    health_path: str = "/healthz"
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = list(self.command)
        if self.cpus and shutil.which("taskset"):
            command = ["taskset", "-c", ",".join(map(str, self.cpus)), *command]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        self._wait_healthy()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        url = f"http://127.0.0.1:{self.port}{self.health_path}"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1.0) as response:
                    if response.status < 500:
                        return
            except OSError as error:
                code = getattr(error, "code", None)
                if code is not None and code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start in {START_TIMEOUT_S}s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def cpu(self) -> float:
        """CPU seconds of the server and of any processes it started."""
        return over_tree(cpu_seconds, self.pid)

    def open_files(self) -> tuple[int, int]:
        """(files open now, the limit): the storm's sockets come close to it."""
        try:
            count = len(os.listdir(f"/proc/{self.pid}/fd"))
            limit = resource.prlimit(self.pid, resource.RLIMIT_NOFILE)[0]
        except OSError:
            return 0, 0
        return count, limit

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            self._stop()
        finally:
            self._keep_log()

    def _keep_log(self) -> None:
        if logs_kept_in is None or not self.log_path.exists():
            return
        logs_kept_in.mkdir(parents=True, exist_ok=True)
        label = self.log_path.parent.name or self.name
        shutil.copyfile(self.log_path, logs_kept_in / f"{label}-{self.port}.log")

    def _stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class _Sampler:
    """Calls ``_take`` every ``interval_s`` from a thread while entered, and once more
    on each side of it."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _take(self) -> None:
        raise NotImplementedError

    def _sample(self) -> None:
        self._take()
        while not self._stop.wait(self.interval_s):
            self._take()
        self._take()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class OpenFilesPeak(_Sampler):
    """The most files a server held open while this is entered, sampled every 0.1 s
    (the storm's sockets come close to the open-file limit)."""

    def __init__(self, server: Server) -> None:
        super().__init__(0.1)
        self.server = server
        self.peak = 0
        self.limit = 0

    def _take(self) -> None:
        count, self.limit = self.server.open_files()
        self.peak = max(self.peak, count)


class CpuTimeline(_Sampler):
    """The CPU seconds of groups of processes (each group every thread of its pids),
    sampled every ``interval_s`` while this is entered: when in a storm the server and
    the generator were each busy, not only how busy overall."""

    def __init__(self, groups: dict[str, list[int]], interval_s: float = 0.25) -> None:
        super().__init__(interval_s)
        self.groups = groups
        # (monotonic ns, {group: CPU seconds so far})
        self.samples: list[tuple[int, dict[str, float]]] = []

    def _take(self) -> None:
        used = {
            name: sum(tree_threads_cpu_seconds(pid) for pid in pids)
            for name, pids in self.groups.items()
        }
        self.samples.append((time.monotonic_ns(), used))


def python() -> str:
    return sys.executable
