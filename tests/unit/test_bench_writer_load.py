"""The bench's account of the append writer in a chat step: the share of the time
between two readings of the server's /metrics that it spent committing, and its
batches, read from the commit-time and batch-size histograms."""

from __future__ import annotations

from bench.writer_load import Sample, describe, read, step_figures
from prometheus_client import generate_latest

from helpline.server.metrics import Metrics


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


def metrics_page(*one_statement: bool) -> str:
    """The /metrics page of a server whose writer committed these batches, of 2
    appends each (True: in one statement)."""
    metrics = Metrics()
    for one in one_statement:
        metrics.committed(2, 0.25, [], one)
    return generate_latest(metrics.registry).decode()


def test_the_totals_are_read_from_the_server_s_metrics_page() -> None:
    page = metrics_page(True, True, False)

    assert read(page, 5.0) == Sample(5.0, 0.75, 3, 6, one_statement=2)


def test_a_server_that_never_saved_a_batch_in_one_statement_gives_no_share() -> None:
    reading = read(metrics_page(False, False), 5.0)

    assert reading is not None and reading.one_statement is None
    assert "one statement" not in describe(step_figures(reading, reading))
    assert read("# nothing of the writer here\n", 5.0) is None
