"""How busy Helpline's append writer was during a chat step, read from its /metrics.

Why: past its capacity on PostgreSQL the server's core was two-thirds busy,
PostgreSQL a third of a core and the generator under two-thirds of its own, while
latency grew to seconds: nothing was saturated, so something waits. The writer saves
one batch at a time; if it is committing for (nearly) the whole step, it is what the
messages queue behind, and a faster commit or more of them at once is the next thing
to change. If it is idle for much of the step, the wait is elsewhere.

Each step reads the server's ``helpline_append_commit_seconds`` and
``helpline_append_batch_size`` histograms before and after (the bench's server lets
127.0.0.1 read /metrics). A server without them (a peer, the relay, a tree from before
the writer's metrics) gives no figures.
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

COMMIT = "helpline_append_commit_seconds"
BATCH = "helpline_append_batch_size"
# Batches by how they were saved, from a server that has saved one in one statement.
WAYS = "helpline_append_batches"
ONE_STATEMENT = "one_statement"


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic() when read
    commit_seconds: float
    batches: float
    appends: float
    one_statement: float | None = None  # batches saved in one statement (PostgreSQL)


def sample(port: int, timeout_s: float = 5.0) -> Sample | None:
    """The writer's totals so far, or None where the server has no such metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout_s) as r:
            text = r.read().decode()
    except OSError:
        return None
    return read(text, time.monotonic())


def read(text: str, at: float) -> Sample | None:
    """The writer's totals in a /metrics page read at ``at``; None if it has none."""
    totals: dict[str, float] = {}
    one_statement: float | None = None
    for family in text_string_to_metric_families(text):
        if family.name in (COMMIT, BATCH):
            for metric in family.samples:
                if metric.name in (f"{family.name}_sum", f"{family.name}_count"):
                    totals[metric.name] = metric.value
        elif family.name == WAYS:
            # Only a server that has saved a batch in one statement (PostgreSQL's) says
            # so; SQLite's never does, and a share of 0% would mislead.
            for metric in family.samples:
                if metric.name == f"{WAYS}_total" and metric.labels.get("how") == ONE_STATEMENT:
                    one_statement = metric.value
    try:
        return Sample(
            at,
            totals[f"{COMMIT}_sum"],
            totals[f"{COMMIT}_count"],
            totals[f"{BATCH}_sum"],
            one_statement,
        )
    except KeyError:
        return None


def step_figures(before: Sample | None, after: Sample | None) -> dict[str, Any]:
    """The step's writer figures: the share of the time between the two samples it
    spent committing, its batches, their mean size and their mean commit time (none
    where unknown)."""
    if before is None or after is None or after.at <= before.at:
        return {}
    busy = after.commit_seconds - before.commit_seconds
    batches = after.batches - before.batches
    appends = after.appends - before.appends
    one_statement = None
    if batches and before.one_statement is not None and after.one_statement is not None:
        one_statement = 100 * (after.one_statement - before.one_statement) / batches
    return {
        "writer_busy_percent": 100 * busy / (after.at - before.at),
        "writer_batches": batches,
        "writer_appends_per_batch": appends / batches if batches else None,
        "writer_ms_per_batch": 1000 * busy / batches if batches else None,
        "writer_one_statement_percent": one_statement,
    }


def describe(step: dict[str, Any]) -> str:
    """ ", writer busy 97% (512 batches of 48.2 appends, 15.1 ms each, 99% in one
    statement)"; the last part only from a server that counts it."""
    if step.get("writer_busy_percent") is None:
        return ""
    size = step.get("writer_appends_per_batch")
    took = step.get("writer_ms_per_batch")
    one = step.get("writer_one_statement_percent")
    return (
        f", writer busy {step['writer_busy_percent']:.0f}% "
        f"({step['writer_batches']:.0f} batches of "
        f"{'-' if size is None else f'{size:.1f}'} appends, "
        f"{'-' if took is None else f'{took:.1f}'} ms each"
        f"{'' if one is None else f', {one:.0f}% in one statement'})"
    )
