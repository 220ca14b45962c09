"""The storm's timeline (how many clients were connected and current at each step
after the drop) and whose cores were full: a figure says where a storm's time went,
and whether it measured the server or the bench's own generator."""

from __future__ import annotations

from bench.stats import busy_percent, busy_timeline, timeline

S = 1_000_000_000


def test_counts_what_had_happened_by_each_step_up_to_the_last_moment() -> None:
    drop = 50 * S
    rows = timeline(
        drop,
        {"connected": [drop + 1 * S, drop + 2 * S, drop + 6 * S], "current": [drop + 7 * S]},
        5.0,
    )
    assert rows == [
        {"seconds": 5.0, "connected": 2, "current": 0},
        {"seconds": 10.0, "connected": 3, "current": 1},
    ]


def test_a_moment_on_a_step_counts_in_that_step() -> None:
    rows = timeline(0, {"current": [5 * S]}, 5.0)
    assert rows == [{"seconds": 5.0, "current": 1}]


def test_nothing_happened_is_one_empty_step() -> None:
    assert timeline(10 * S, {"connected": [], "current": []}, 5.0) == [
        {"seconds": 5.0, "connected": 0, "current": 0}
    ]


def test_a_pinned_process_busy_share_is_its_cpu_over_what_its_cores_offered() -> None:
    assert busy_percent(15.0, 30.0, [1]) == 50.0
    assert busy_percent(30.0, 30.0, [0, 1]) == 50.0


def test_an_unpinned_process_or_no_time_has_no_busy_share() -> None:
    assert busy_percent(15.0, 30.0, None) is None
    assert busy_percent(15.0, 0.0, [1]) is None


def test_each_second_says_how_full_each_sides_cores_were() -> None:
    drop = 100 * S
    # Sampled every half second: the server busy on its one core from the drop, the
    # generator on its two cores only in the first second.
    samples = [
        (drop + n * S // 2, {"server": 0.5 * n, "generator": min(n, 2) * 1.0}) for n in range(5)
    ]
    rows = busy_timeline(drop, samples, 1.0, {"server": 1, "generator": 2})
    assert rows == [
        {"seconds": 1.0, "server": 100.0, "generator": 100.0},
        {"seconds": 2.0, "server": 100.0, "generator": 0.0},
    ]


def test_a_step_before_the_first_sample_counts_from_it_and_no_samples_give_no_rows() -> None:
    drop = 100 * S
    samples = [(drop + S // 2, {"server": 0.0}), (drop + S, {"server": 0.25})]
    assert busy_timeline(drop, samples, 1.0, {"server": 1}) == [{"seconds": 1.0, "server": 50.0}]
    assert busy_timeline(drop, [], 1.0, {"server": 1}) == []
