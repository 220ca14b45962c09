"""Representatives: usernames, passwords and Chat Preferences
(``helpline.domain.people``); names are in test_fields.py."""

from __future__ import annotations

import pytest

from helpline.domain.errors import InvalidInput
from helpline.domain.people import Preferences, check_password, check_username


def test_preferences_change_only_what_is_given_and_stay_in_range() -> None:
    changed = Preferences().updated({"font_size": 18, "chat_sound": True})
    assert (changed.font_size, changed.chat_sound) == (18, True)
    assert changed.idle_warning_seconds == Preferences().idle_warning_seconds
    assert changed.as_dict()["font_size"] == 18


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"theme": "dark"}, "There is no preference called 'theme'"),
        ({"chat_sound": 1}, "must be true or false"),
        ({"font_size": True}, "must be a whole number"),
        ({"font_size": "18"}, "must be a whole number"),
        ({"font_size": 9}, "between 10 and 32"),
        ({"idle_warning_seconds": 4}, "between 5 and 3600"),
        ({"idle_alert_seconds": 60}, "larger than the first"),
        ({"request_alert_seconds": 601}, "5 to 600 seconds"),
    ],
)
def test_a_preference_out_of_range_or_of_the_wrong_type_is_refused(
    changes: dict[str, object], refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        Preferences().updated(changes)


def test_a_username_is_stored_in_one_form() -> None:
    assert check_username("  Alice.M ") == "alice.m"
    for wrong in ("a", "-alice", "alice smith", "x" * 33):
        with pytest.raises(InvalidInput, match="A username has 2 to 32 characters"):
            check_username(wrong)


def test_a_password_has_at_least_ten_characters() -> None:
    assert check_password("correct horse") == "correct horse"
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        check_password("short")
