"""The server spreads a reconnect storm: the times it gives the sockets it turns away."""

from __future__ import annotations

import pytest

from helpline.server.admission import INITIAL_RATE, MAX_DELAY_SECONDS, Admission, Ticket


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
    step = 1 / INITIAL_RATE
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


def test_the_times_follow_the_rate_at_which_sockets_were_let_in() -> None:
    clock = Clock()
    admission = Admission(10, clock)
    tickets = [admission.enter() for _ in range(10)]
    admission.enter()  # turned away: the rate is measured from now
    for ticket in tickets:
        clock.now += 0.2
        assert isinstance(ticket, Ticket)
        ticket.done()
    # One let in every 0.2 s while the limit was reached: 5 per second, averaged in
    # once a second had passed.
    assert admission.rate == pytest.approx((INITIAL_RATE + 5) / 2)
    for _ in range(10):
        admission.enter()
    assert admission.enter() == pytest.approx(11 / admission.rate)


def test_no_socket_is_told_to_wait_longer_than_the_longest_backoff() -> None:
    admission = Admission(1, Clock())
    admission.enter()
    delays = [admission.enter() for _ in range(100_000)]
    assert max(d for d in delays if not isinstance(d, Ticket)) == MAX_DELAY_SECONDS
