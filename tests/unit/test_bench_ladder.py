"""The bench's rule for a step and a capacity: a step passes within the latency limit
with nothing lost or doubled, and a capacity counts a second run that passed where
the first did not (one transient must not decide a figure)."""

from __future__ import annotations

from typing import Any

from bench.database_load import Sample, describe, step_figures
from bench.ladder import capacity, passed


def step(rate: float, p99: float | None, *, missing: int = 0, attempt: int = 1) -> dict[str, Any]:
    return {
        "achieved_rate": rate,
        "latency": {"p99_ms": p99},
        "missing": missing,
        "duplicated": 0,
        "attempt": attempt,
    }


def test_a_step_passes_within_the_limit_with_nothing_lost() -> None:
    assert passed(step(100, 99.9))
    assert not passed(step(100, 100.1))
    assert not passed(step(100, None))
    assert not passed(step(100, 5.0, missing=1))


def test_a_step_that_passed_on_its_second_run_counts_for_the_capacity() -> None:
    steps = [
        step(100, 4.0),
        step(200, 430.0),  # a transient
        step(200, 6.0, attempt=2),
        step(400, 180.0),
        step(400, 150.0, attempt=2),
    ]

    assert capacity(steps) == 200
    assert capacity(steps, 5.0) == 100


def test_nothing_passed_is_a_capacity_of_zero() -> None:
    assert capacity([step(25, 432.0), step(25, 250.0, attempt=2)]) == 0.0


def test_postgresql_s_work_is_counted_per_message_of_the_step() -> None:
    before = Sample(cpu={7: 10.0, 8: 1.0}, waits={7: 3.0, 8: 0.5}, commits=100, wal_syncs=90)
    # Process 8 ended in between; 9 began.
    after = Sample(cpu={7: 12.0, 9: 0.5}, waits={7: 3.5, 9: 0.5}, commits=600, wal_syncs=340)

    figures = step_figures(before, after, wall_s=10.0, messages=1000)

    assert figures["database_cpu_percent"] == 25.0
    assert figures["database_us_per_message"] == 2500.0
    assert figures["database_commits_per_message"] == 0.5
    assert figures["database_wal_syncs_per_message"] == 0.25
    # Waiting for a core, summed over the processes: 0.5 s + 0.5 s in 10 s.
    assert figures["database_wait_percent"] == 10.0
    assert describe(figures) == (
        ", postgres cpu 25% (2500 us/msg), 0.50 commits and 0.25 WAL flushes a message, "
        "postgres waited for a core 10%"
    )


def test_a_target_without_postgresql_adds_no_database_figures() -> None:
    assert step_figures(None, None, wall_s=10.0, messages=1000) == {}
    assert describe({}) == ""
    unreadable = Sample(cpu={}, waits={}, commits=None, wal_syncs=None)
    figures = step_figures(unreadable, unreadable, wall_s=10.0, messages=1000)
    assert figures["database_cpu_percent"] is None
    assert figures["database_wait_percent"] is None
    assert describe(figures) == ""
