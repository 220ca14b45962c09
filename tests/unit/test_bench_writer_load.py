"""The bench's account of the append writer in a chat step: the share of the time
between two readings of the server's /metrics that it spent committing, and its
batches, read from the commit-time and batch-size histograms."""

from __future__ import annotations

from bench.writer_load import Sample, describe, step_figures


def test_the_writer_s_busy_share_and_batches_come_from_the_two_readings() -> None:
    before = Sample(at=100.0, commit_seconds=3.0, batches=40, appends=90)
    after = Sample(at=110.0, commit_seconds=8.0, batches=540, appends=24_090)

    figures = step_figures(before, after)

    assert figures == {
        "writer_busy_percent": 50.0,
        "writer_batches": 500,
        "writer_appends_per_batch": 48.0,
        "writer_ms_per_batch": 10.0,
        "writer_one_statement_percent": None,
    }
    assert describe(figures) == ", writer busy 50% (500 batches of 48.0 appends, 10.0 ms each)"


def test_the_share_of_batches_saved_in_one_statement_comes_from_their_counter() -> None:
    before = Sample(at=100.0, commit_seconds=3.0, batches=40, appends=90, one_statement=10)
    after = Sample(at=110.0, commit_seconds=8.0, batches=540, appends=24_090, one_statement=460)

    figures = step_figures(before, after)

    assert figures["writer_one_statement_percent"] == 90.0
    assert describe(figures) == (
        ", writer busy 50% (500 batches of 48.0 appends, 10.0 ms each, 90% in one statement)"
    )


def test_a_step_without_batches_says_so_rather_than_dividing_by_zero() -> None:
    idle = Sample(at=100.0, commit_seconds=3.0, batches=40, appends=90)
    later = Sample(at=110.0, commit_seconds=3.0, batches=40, appends=90)

    figures = step_figures(idle, later)

    assert figures["writer_busy_percent"] == 0.0
    assert figures["writer_appends_per_batch"] is None
    assert describe(figures) == ", writer busy 0% (0 batches of - appends, - ms each)"


def test_a_server_without_the_writer_s_metrics_adds_no_figures() -> None:
    reading = Sample(at=100.0, commit_seconds=3.0, batches=40, appends=90)
    assert step_figures(None, reading) == {}
    assert step_figures(reading, None) == {}
    assert describe({}) == ""
