"""Latency recording: an HDR histogram when ``hdrh`` is installed, exact percentiles
from a sorted list when it is not (the smoke test runs without the bench's packages).

Values are microseconds. A recorder travels between processes as a plain payload.
"""

from __future__ import annotations

import base64
import bisect
from typing import Any

try:  # pragma: no cover - depends on what is installed
    from hdrh.histogram import HdrHistogram
except ImportError:  # pragma: no cover
    HdrHistogram = None

LOWEST_US = 1
HIGHEST_US = 600_000_000  # ten minutes: a stalled server must still be recorded
SIGNIFICANT_DIGITS = 3


def backend() -> str:
    return "hdrhistogram" if HdrHistogram is not None else "exact (sorted list)"


class Latency:
    """Microsecond latencies; merge payloads from workers, then read percentiles."""

    def __init__(self) -> None:
        self._hdr = (
            HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS) if HdrHistogram else None
        )
        self._values: list[int] = []
        self.count = 0
        self.max_us = 0

    def record(self, micros: int) -> None:
        micros = min(max(micros, LOWEST_US), HIGHEST_US)
        self.count += 1
        if micros > self.max_us:
            self.max_us = micros
        if self._hdr is not None:
            self._hdr.record_value(micros)
        else:
            self._values.append(micros)

    def payload(self) -> dict[str, Any]:
        if self._hdr is not None:
            encoded = self._hdr.encode() if self.count else b""
            return {"hdr": base64.b64encode(encoded).decode() if encoded else "", "n": self.count}
        return {"values": self._values, "n": self.count}

    def merge(self, payload: dict[str, Any]) -> None:
        if not payload.get("n"):
            return
        if "hdr" in payload and self._hdr is not None:
            other = HdrHistogram.decode(base64.b64decode(payload["hdr"]))
            self._hdr.add(other)
            self.count += payload["n"]
            self.max_us = max(self.max_us, other.get_max_value())
        else:
            for value in payload.get("values", []):
                self.record(value)

    def percentile_ms(self, percentile: float) -> float | None:
        if not self.count:
            return None
        if self._hdr is not None:
            return self._hdr.get_value_at_percentile(percentile) / 1000.0
        ordered = sorted(self._values)
        rank = max(0, min(len(ordered) - 1, round(percentile / 100.0 * len(ordered)) - 1))
        return ordered[rank] / 1000.0

    def summary(self) -> dict[str, float | int | None]:
        return {
            "count": self.count,
            "p50_ms": self.percentile_ms(50),
            "p95_ms": self.percentile_ms(95),
            "p99_ms": self.percentile_ms(99),
            "p999_ms": self.percentile_ms(99.9),
            "max_ms": self.max_us / 1000.0 if self.count else None,
        }


def timeline(
    since_ns: int, series: dict[str, list[int]], step_s: float
) -> list[dict[str, float | int]]:
    """How many of each series' moments (monotonic ns) had passed at every ``step_s``
    after ``since_ns``, up to the last moment: where a storm's time went, the clients
    connected against those current."""
    last = max((max(moments) for moments in series.values() if moments), default=since_ns)
    end_s = (last - since_ns) / 1e9
    rows: list[dict[str, float | int]] = []
    at_s = step_s
    while True:
        cut = since_ns + int(at_s * 1e9)
        row: dict[str, float | int] = {"seconds": round(at_s, 3)}
        for name, moments in series.items():
            row[name] = sum(1 for moment in moments if moment <= cut)
        rows.append(row)
        if at_s >= end_s:
            return rows
        at_s += step_s


def busy_timeline(
    since_ns: int,
    samples: list[tuple[int, dict[str, float]]],
    step_s: float,
    cores: dict[str, int],
) -> list[dict[str, float]]:
    """From CPU samples (monotonic ns, {name: CPU seconds so far}), how full each
    name's cores were in every ``step_s`` after ``since_ns``, in percent: the sample
    last taken by each step's end against the one last taken by its start."""
    rows: list[dict[str, float]] = []
    if not samples:
        return rows
    at_s = step_s
    while since_ns + int((at_s - step_s) * 1e9) < samples[-1][0]:
        start = _last_sample_by(samples, since_ns + int((at_s - step_s) * 1e9))
        end = _last_sample_by(samples, since_ns + int(at_s * 1e9))
        row: dict[str, float] = {"seconds": round(at_s, 3)}
        wall = (end[0] - start[0]) / 1e9
        for name, count in cores.items():
            used = end[1][name] - start[1][name]
            row[name] = round(100 * used / (wall * count), 1) if wall > 0 else 0.0
        rows.append(row)
        at_s += step_s
    return rows


def _last_sample_by(
    samples: list[tuple[int, dict[str, float]]], moment: int
) -> tuple[int, dict[str, float]]:
    taken = bisect.bisect_right(samples, moment, key=lambda sample: sample[0])
    return samples[max(0, taken - 1)]


def busy_percent(cpu_s: float, wall_s: float, cores: list[int] | None) -> float | None:
    """How full the cores a process was pinned to were: its CPU time over the wall
    time they offered. None when it was not pinned (the cores it ran on are unknown)."""
    if not cores or wall_s <= 0:
        return None
    return 100.0 * cpu_s / (wall_s * len(cores))
