"""Limits that answer clearly: usernames in one form, rates people can write, and a
socket that sends too fast told how long to wait."""

from __future__ import annotations

import pytest
from limits import parse

from helpline.domain.errors import RateLimited
from helpline.domain.people import check_username, normalize_username
from helpline.server.message_rate import MessageRate
from helpline.server.ratelimit import parse_rate, wait_words


@pytest.mark.parametrize(
    "typed", ["bob", " bob", "bob\t", "\u00a0bob", "BOB", "Bob \n", "\uff42\uff4f\uff42"]
)
def test_every_way_of_typing_a_username_means_the_same_account(typed: str) -> None:
    assert normalize_username(typed) == "bob"
    assert check_username(typed) == "bob"


def test_normalizing_a_username_twice_changes_nothing() -> None:
    for typed in ["Stra\u00dfe", "\u212bngstr\u00f6m", " \u00a0Ma\u00f1ana\t", "\u2167"]:
        once = normalize_username(typed)
        assert normalize_username(once) == once


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_socket_past_its_message_rate_is_told_how_long_to_wait() -> None:
    clock = FakeClock()
    rate = MessageRate(parse("3 per 10 seconds"), clock)
    for _ in range(3):
        rate.take()
        clock.now += 1.0
    with pytest.raises(RateLimited) as refused:
        rate.take()
    assert refused.value.retry_after_seconds == pytest.approx(7.0)
    assert "sent again in 7 seconds" in refused.value.message
    # A refused send is not counted: the window frees up when the first send ages out.
    clock.now = 1010.0
    rate.take()
    with pytest.raises(RateLimited):
        rate.take()
    clock.now = 1011.0
    rate.take()


def test_a_rate_that_is_not_one_says_how_to_write_it() -> None:
    assert parse_rate("10 per 10 minutes", "login").amount == 10
    with pytest.raises(ValueError, match="'10 per 10 minutes'"):
        parse_rate("ten a minute", "login")


def test_waits_are_said_in_seconds_or_whole_minutes() -> None:
    assert wait_words(0.2) == "1 second"
    assert wait_words(12.3) == "13 seconds"
    assert wait_words(89) == "89 seconds"
    assert wait_words(599.5) == "10 minutes"
