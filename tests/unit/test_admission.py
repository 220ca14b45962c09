"""The server spreads a reconnect storm: the times it gives the sockets it turns away."""

from __future__ import annotations

import pytest

from helpline.server.admission import (
    INITIAL_SECONDS,
    MAX_DELAY_SECONDS,
    WEIGHT,
    Admission,
    Ticket,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sockets_past_the_limit_are_given_times_one_after_another() -> None:
    admission = Admission(2, Clock())
    assert isinstance(admission.enter(), Ticket)
    assert isinstance(admission.enter(), Ticket)
    delays = [admission.enter() for _ in range(3)]
    # Two in flight, each taking INITIAL_SECONDS: one gets through every half of it.
    step = INITIAL_SECONDS / 2
    # After the two being let in, one place each.
    assert delays == pytest.approx([3 * step, 4 * step, 5 * step])


def test_a_socket_let_in_frees_its_place_once() -> None:
    admission = Admission(1, Clock())
    ticket = admission.enter()
    assert isinstance(ticket, Ticket)
    assert not isinstance(admission.enter(), Ticket)
    ticket.done()
    ticket.done()
    assert admission.in_flight == 0
    assert isinstance(admission.enter(), Ticket)
    assert not isinstance(admission.enter(), Ticket)


def test_the_times_follow_how_long_letting_a_socket_in_took() -> None:
    clock = Clock()
    admission = Admission(10, clock)
    tickets = [admission.enter() for _ in range(10)]
    clock.now += 0.5
    for ticket in tickets:
        assert isinstance(ticket, Ticket)
        ticket.done()
    # Each took 0.5 s, averaged in one by one.
    took = 0.5 - (0.5 - INITIAL_SECONDS) * (1 - WEIGHT) ** 10
    assert admission.seconds == pytest.approx(took)
    for _ in range(10):
        admission.enter()
    # 10 at a time, each taking that long: the 11th gets through after 11 steps.
    assert admission.enter() == pytest.approx(11 * took / 10)


def test_no_socket_is_told_to_wait_longer_than_the_longest_backoff() -> None:
    admission = Admission(1, Clock())
    admission.enter()
    delays = [admission.enter() for _ in range(100_000)]
    assert max(d for d in delays if not isinstance(d, Ticket)) == MAX_DELAY_SECONDS


def test_without_a_limit_every_socket_is_let_in() -> None:
    admission = Admission(0, Clock())
    assert all(isinstance(admission.enter(), Ticket) for _ in range(1000))
