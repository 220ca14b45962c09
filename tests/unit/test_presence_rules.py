"""When the customer counts as online: a presence mark is fresh for three heartbeats,
so a server process that died without a word stops counting soon after."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.presence import PRESENCE_INTERVALS, is_fresh, stale_before
from tests.support.domain import T0


def test_a_mark_is_stale_once_three_heartbeats_passed_without_renewal() -> None:
    assert PRESENCE_INTERVALS == 3
    assert stale_before(T0, 0.5) == T0 - timedelta(seconds=1.5)
    assert is_fresh(T0 - timedelta(seconds=1.5), T0, 0.5)
    assert not is_fresh(T0 - timedelta(seconds=1.5, microseconds=1), T0, 0.5)


def test_a_mark_renewed_after_now_is_fresh() -> None:
    # Another process's clock may run a little ahead.
    assert is_fresh(T0 + timedelta(seconds=2), T0, 25)


@given(
    st.integers(min_value=0, max_value=10_000_000),
    st.floats(min_value=0.01, max_value=120, allow_nan=False),
)
def test_a_mark_is_fresh_exactly_while_it_is_younger_than_three_heartbeats(
    age_ms: int, heartbeat_seconds: float
) -> None:
    seen_at = T0 - timedelta(milliseconds=age_ms)
    expected = timedelta(milliseconds=age_ms) <= timedelta(seconds=heartbeat_seconds * 3)
    assert is_fresh(seen_at, T0, heartbeat_seconds) is expected
