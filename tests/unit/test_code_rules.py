"""Session codes: nine digits read over the phone, typed however the customer types
them, used once and only while fresh (``helpline.domain.codes``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.codes import (
    DEFAULT_CODE_LIFETIME,
    SessionCode,
    check_can_create,
    check_redeemable,
    format_code,
    normalize_code,
)
from helpline.domain.errors import Expired, InvalidInput, LimitReached

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def code(used_at: datetime | None = None) -> SessionCode:
    return SessionCode("004217839", 1, None, NOW, NOW + DEFAULT_CODE_LIFETIME, used_at)


def test_a_code_keeps_its_leading_zeros() -> None:
    assert format_code(4217839) == "004217839"
    assert format_code(999_999_999) == "999999999"


@pytest.mark.parametrize("number", [-1, 1_000_000_000])
def test_a_number_of_more_than_nine_digits_is_no_code(number: int) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        format_code(number)


@pytest.mark.parametrize("typed", ["004217839", "004 217 839", "004-217-839", " 004217839 "])
def test_spaces_and_dashes_a_customer_types_are_ignored(typed: str) -> None:
    assert normalize_code(typed) == "004217839"


@pytest.mark.parametrize(
    "typed", ["", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩", "123_456_789"]
)
def test_anything_but_nine_digits_is_refused_with_the_rule(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"^A session code has 9 digits\.$"):
        normalize_code(typed)


def test_a_code_is_active_until_used_or_expired() -> None:
    assert code().is_active(NOW)
    assert not code().is_active(NOW + DEFAULT_CODE_LIFETIME)
    assert not code(used_at=NOW).is_active(NOW)


def test_a_used_code_and_an_expired_one_are_refused_each_with_its_reason() -> None:
    check_redeemable(code(), NOW + DEFAULT_CODE_LIFETIME - timedelta(seconds=1))
    with pytest.raises(Expired, match="already used"):
        check_redeemable(code(used_at=NOW), NOW)
    with pytest.raises(Expired, match="has expired"):
        check_redeemable(code(), NOW + DEFAULT_CODE_LIFETIME)


def test_a_representative_has_at_most_the_limit_of_active_codes() -> None:
    check_can_create(active_codes=7, limit=8)
    with pytest.raises(LimitReached, match="You already have 8 active session codes"):
        check_can_create(active_codes=8, limit=8)
