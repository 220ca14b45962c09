"""One timer beats every connection: each at its own interval from its start, until it
stops, says it is done, or another connection's beat fails."""

from __future__ import annotations

import asyncio
import itertools

from helpline.server.sockets import Heartbeats

INTERVAL = 0.05


class Counting:
    def __init__(self, beats_left: int = 1_000_000, fail: bool = False) -> None:
        self.at: list[float] = []
        self.beats_left = beats_left
        self.fail = fail

    def beat(self) -> bool:
        self.at.append(asyncio.get_running_loop().time())
        if self.fail:
            raise RuntimeError("this beat fails")
        self.beats_left -= 1
        return self.beats_left > 0


async def test_each_connection_beats_every_interval_from_its_own_start() -> None:
    heartbeats = Heartbeats(INTERVAL)
    loop = asyncio.get_running_loop()
    first, second = Counting(), Counting()
    started = loop.time()
    heartbeats.start(first)
    await asyncio.sleep(INTERVAL / 2)
    second_started = loop.time()
    heartbeats.start(second)
    await asyncio.sleep(INTERVAL * 5.2)
    heartbeats.stop(first)
    heartbeats.stop(second)

    assert len(first.at) >= 4 and len(second.at) >= 4
    assert first.at[0] - started >= INTERVAL
    assert second.at[0] - second_started >= INTERVAL
    for beats in (first.at, second.at):
        gaps = [later - earlier for earlier, later in itertools.pairwise(beats)]
        assert min(gaps) >= INTERVAL * 0.9


async def test_a_stopped_connection_hears_no_more_and_the_timer_goes_away() -> None:
    heartbeats = Heartbeats(INTERVAL)
    connection = Counting()
    heartbeats.start(connection)
    await asyncio.sleep(INTERVAL * 1.5)
    heartbeats.stop(connection)
    beaten = len(connection.at)
    await asyncio.sleep(INTERVAL * 3)

    assert beaten == 1
    assert len(connection.at) == beaten
    assert heartbeats._timer is None


async def test_a_connection_that_is_done_is_not_beaten_again() -> None:
    heartbeats = Heartbeats(INTERVAL)
    done_after_two, going_on = Counting(beats_left=2), Counting()
    heartbeats.start(done_after_two)
    heartbeats.start(going_on)
    await asyncio.sleep(INTERVAL * 5.5)
    heartbeats.stop(going_on)

    assert len(done_after_two.at) == 2
    assert len(going_on.at) >= 4


async def test_a_failing_beat_does_not_stop_the_others() -> None:
    loop = asyncio.get_running_loop()
    errors: list[object] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context.get("exception")))
    try:
        heartbeats = Heartbeats(INTERVAL)
        failing, fine = Counting(fail=True), Counting()
        heartbeats.start(failing)
        heartbeats.start(fine)
        await asyncio.sleep(INTERVAL * 4.5)
        heartbeats.stop(failing)
        heartbeats.stop(fine)
    finally:
        loop.set_exception_handler(None)

    assert len(fine.at) >= 3
    assert errors and all(isinstance(error, RuntimeError) for error in errors)
