"""Scripted messages and URLs, as the domain rules them: titles, the text a script may
hold, placeholders filled in when a representative inserts one, and reordering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.errors import Conflict, InvalidInput
from helpline.domain.events import MAX_MESSAGE_CHARS
from helpline.domain.scripts import (
    MAX_TITLE_CHARS,
    PLACEHOLDER,
    PLACEHOLDERS,
    ScriptKind,
    check_order,
    check_script_text,
    check_title,
    fill_placeholders,
)

VALUES = {
    "customer.name": "Dana",
    "representative.name": "Bob",
    "session.id": "ABCD-0001",
    "portal.name": "Billing",
}


# Titles ----------------------------------------------------------------------------------------


def test_a_title_is_one_line_with_its_spaces_collapsed() -> None:
    assert check_title("  Reset   the\tprinter\n") == "Reset the printer"


def test_a_title_cannot_be_blank_and_says_what_it_names() -> None:
    with pytest.raises(InvalidInput, match=r"^A title cannot be empty\.$"):
        check_title(" \t\n")
    with pytest.raises(InvalidInput, match=r"^A category's name cannot be empty\.$"):
        check_title("", "A category's name")


def test_a_title_has_at_most_120_characters_once_its_spaces_are_collapsed() -> None:
    assert MAX_TITLE_CHARS == 120
    assert check_title("t" * 60 + "     " + "t" * 59) == "t" * 60 + " " + "t" * 59

    with pytest.raises(InvalidInput, match=r"^A title has at most 120 characters\.$"):
        check_title("t" * 121)


# Texts -----------------------------------------------------------------------------------------


def test_a_scripted_message_is_kept_exactly_as_written() -> None:
    text = "  Hello {customer.name},\n\nthanks for waiting.\n"
    assert check_script_text(ScriptKind.MESSAGE, text) == text


def test_a_scripted_message_cannot_be_blank() -> None:
    with pytest.raises(InvalidInput, match=r"^A scripted message cannot be empty\.$"):
        check_script_text(ScriptKind.MESSAGE, " \n\t")


def test_a_scripted_message_is_no_longer_than_a_chat_line() -> None:
    assert check_script_text(ScriptKind.MESSAGE, "m" * MAX_MESSAGE_CHARS)
    with pytest.raises(
        InvalidInput, match=rf"^A scripted message has at most {MAX_MESSAGE_CHARS} characters\.$"
    ):
        check_script_text(ScriptKind.MESSAGE, "m" * (MAX_MESSAGE_CHARS + 1))


def test_a_scripted_url_follows_the_rules_of_a_pushed_address() -> None:
    assert check_script_text(ScriptKind.URL, " https://example.com/kb \n") == (
        "https://example.com/kb"
    )
    with pytest.raises(InvalidInput, match="Only http:// and https:// addresses"):
        check_script_text(ScriptKind.URL, "javascript:alert(1)")


# Placeholders ----------------------------------------------------------------------------------


def test_every_documented_placeholder_is_filled_in() -> None:
    text = " ".join("{" + name + "}" for name in PLACEHOLDERS)
    assert fill_placeholders(text, VALUES) == "Dana Bob ABCD-0001 Billing"


def test_an_unknown_placeholder_stays_as_typed_so_nothing_vanishes() -> None:
    text = "Mail {customer.email} or {Customer.Name}, {not a placeholder}, {}."
    assert fill_placeholders(text, VALUES) == text


def test_a_placeholder_without_a_value_stays_as_typed() -> None:
    assert fill_placeholders("Hi {customer.name}", {}) == "Hi {customer.name}"


def test_a_value_that_looks_like_a_placeholder_is_not_filled_in_again() -> None:
    values = {"customer.name": "{session.id}", "session.id": "ABCD-0001"}
    assert fill_placeholders("Hi {customer.name}", values) == "Hi {session.id}"


@given(st.text())
def test_text_without_placeholders_is_inserted_unchanged(text: str) -> None:
    if PLACEHOLDER.search(text) is None:
        assert fill_placeholders(text, VALUES) == text


@given(st.lists(st.sampled_from([*PLACEHOLDERS, "plain words", "{customer.email}", "{"])))
def test_filling_in_changes_only_the_known_placeholders(parts: list[str]) -> None:
    text = "|".join("{" + p + "}" if p in PLACEHOLDERS else p for p in parts)
    expected = "|".join(VALUES.get(p, p) for p in parts)
    assert fill_placeholders(text, VALUES) == expected


# Reordering ------------------------------------------------------------------------------------


@given(st.permutations([3, 1, 4, 15, 9]))
def test_any_order_of_the_same_items_is_taken(order: list[int]) -> None:
    assert check_order([3, 1, 4, 15, 9], list(order)) == list(order)


def test_an_empty_list_is_reordered_as_empty() -> None:
    assert check_order([], []) == []


def test_an_order_naming_an_item_twice_is_malformed() -> None:
    with pytest.raises(InvalidInput, match=r"^A new order must list every item exactly once\.$"):
        check_order([1, 2], [1, 1, 2])


@pytest.mark.parametrize("proposed", [[1], [1, 2, 3], [1, 4]], ids=["missing", "extra", "other"])
def test_an_order_made_from_a_stale_copy_asks_for_a_reload(proposed: list[int]) -> None:
    with pytest.raises(
        Conflict,
        match=r"^The list has changed since it was read; reload it and order it again\.$",
    ):
        check_order([1, 2], proposed)
