"""Guessing and brute force are slowed down, and honest users get a clear answer."""

from __future__ import annotations

import pytest

from helpline.domain.errors import RateLimited
from helpline.server.ratelimit import SlidingWindowLimiter


def test_attempts_past_the_limit_are_refused_until_the_window_slides() -> None:
    limiter = SlidingWindowLimiter(3, 60.0, "wrong session codes")
    for second in range(3):
        limiter.check("10.0.0.1", float(second))
        limiter.hit("10.0.0.1", float(second))
    with pytest.raises(RateLimited) as refused:
        limiter.check("10.0.0.1", 10.0)
    assert refused.value.retry_after_seconds == pytest.approx(50.0)
    assert "Too many wrong session codes" in refused.value.message
    limiter.check("10.0.0.2", 10.0)
    limiter.check("10.0.0.1", 60.5)


def test_a_success_clears_the_count_and_quiet_keys_are_forgotten() -> None:
    limiter = SlidingWindowLimiter(2, 60.0, "login attempts")
    limiter.hit("a", 0.0)
    limiter.hit("a", 1.0)
    limiter.reset("a")
    limiter.check("a", 2.0)
    limiter.hit("b", 0.0)
    limiter.check("b", 100.0)
    assert "b" not in limiter._hits
