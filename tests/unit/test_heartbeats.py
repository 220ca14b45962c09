"""One timer beats every connection: each at its own interval from its start, until it
stops, says it is done, or another connection's beat fails. On a clock the test moves,
so every count and interval is exact."""

from __future__ import annotations

import itertools

from helpline.server.sockets import Heartbeats
from tests.support.manual_clock import ManualClock

INTERVAL = 25.0


class Counting:
    def __init__(self, clock: ManualClock, beats_left: int = 1_000_000, fail: bool = False) -> None:
        self.clock = clock
        self.at: list[float] = []
        self.beats_left = beats_left
        self.fail = fail

    def beat(self) -> bool:
        self.at.append(self.clock.time())
        if self.fail:
            raise RuntimeError("this beat fails")
        self.beats_left -= 1
        return self.beats_left > 0


def test_each_connection_beats_every_interval_from_its_own_start() -> None:
    clock = ManualClock()
    heartbeats = Heartbeats(INTERVAL, clock)
    first, second = Counting(clock), Counting(clock)
    started = clock.time()
    heartbeats.start(first)
    clock.advance(INTERVAL / 2)
    heartbeats.start(second)
    clock.advance(INTERVAL * 5)

    assert first.at == [started + INTERVAL * n for n in range(1, 6)]
    assert second.at == [started + INTERVAL / 2 + INTERVAL * n for n in range(1, 6)]
    for beats in (first.at, second.at):
        assert {later - earlier for earlier, later in itertools.pairwise(beats)} == {INTERVAL}
    # One timer for all of them, whatever their number.
    assert clock.pending == 1


def test_a_stopped_connection_hears_no_more_and_the_timer_goes_away() -> None:
    clock = ManualClock()
    heartbeats = Heartbeats(INTERVAL, clock)
    connection = Counting(clock)
    heartbeats.start(connection)
    clock.advance(INTERVAL * 1.5)
    heartbeats.stop(connection)
    clock.advance(INTERVAL * 3)

    assert len(connection.at) == 1
    assert not heartbeats.waiting and clock.pending == 0


def test_a_connection_that_is_done_is_not_beaten_again() -> None:
    clock = ManualClock()
    heartbeats = Heartbeats(INTERVAL, clock)
    done_after_two, going_on = Counting(clock, beats_left=2), Counting(clock)
    heartbeats.start(done_after_two)
    heartbeats.start(going_on)
    clock.advance(INTERVAL * 5.5)

    assert len(done_after_two.at) == 2
    assert len(going_on.at) == 5


def test_a_failing_beat_does_not_stop_the_others() -> None:
    clock = ManualClock()
    heartbeats = Heartbeats(INTERVAL, clock)
    failing, fine = Counting(clock, fail=True), Counting(clock)
    heartbeats.start(failing)
    heartbeats.start(fine)
    clock.advance(INTERVAL * 4.5)

    assert len(fine.at) == 4 and len(failing.at) == 4
    assert len(clock.errors) == 4
    assert all(isinstance(error, RuntimeError) for error in clock.errors)
