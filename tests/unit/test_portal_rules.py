"""Portals: their addresses and names, and what a customer types on one
(``helpline.domain.portals``)."""

from __future__ import annotations

import pytest

from helpline.domain.errors import InvalidInput
from helpline.domain.portals import (
    MAX_QUERY_CHARS,
    Portal,
    PortalField,
    check_intake,
    check_portal_name,
    check_slug,
)

ACME = Portal(1, "acme", "Acme Support", fields=(PortalField.EMAIL, PortalField.COMPANY))


@pytest.mark.parametrize("slug", ["acme", "a", "acme-eu-2", "0day", "a" * 48])
def test_a_slug_is_lower_case_letters_digits_and_dashes(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "-acme", "Acme", "acme eu", "acme/eu", "a" * 49, "akmé"])
def test_any_other_slug_is_refused_with_the_rule(slug: str) -> None:
    with pytest.raises(InvalidInput, match="A portal slug has 1 to 48"):
        check_slug(slug)


def test_a_portal_s_name_is_one_clean_line() -> None:
    assert check_portal_name("  Acme \n Support\u202e ") == "Acme Support"
    with pytest.raises(InvalidInput, match="cannot be empty"):
        check_portal_name(" \u200f ")
    with pytest.raises(InvalidInput, match="at most 80"):
        check_portal_name("x" * 81)


def test_the_form_keeps_the_question_s_lines_and_cleans_the_rest() -> None:
    intake = check_intake(
        ACME,
        "  Dana \u202eScully ",
        "My printer\nis on fire\u0007 ",
        {"email": " dana@example.com ", "company": "Acme\tCorp"},
    )
    assert intake.name == "Dana Scully"
    assert intake.query == "My printer\nis on fire"
    # In a fixed order, whatever order the form sent them in.
    assert intake.extra == (("company", "Acme Corp"), ("email", "dana@example.com"))


def test_a_name_is_needed_and_the_question_may_be_empty() -> None:
    assert check_intake(ACME, "Dana", "", {}).query == ""
    with pytest.raises(InvalidInput, match="A name cannot be empty"):
        check_intake(ACME, "   ", "Help", {})


def test_a_field_the_portal_does_not_ask_for_is_refused() -> None:
    with pytest.raises(InvalidInput, match="This portal does not ask for 'phone'"):
        check_intake(ACME, "Dana", "Help", {"phone": "555"})


def test_an_overlong_question_or_field_is_refused_with_its_limit() -> None:
    with pytest.raises(InvalidInput, match=f"at most {MAX_QUERY_CHARS} characters"):
        check_intake(ACME, "Dana", "x" * (MAX_QUERY_CHARS + 1), {})
    with pytest.raises(InvalidInput, match="The field 'company' has at most 200"):
        check_intake(ACME, "Dana", "Help", {"company": "x" * 201})
