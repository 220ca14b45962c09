"""Names from other people's computers lose what would mislead a reader, and text that
cannot be stored is refused where it enters (``helpline.domain.text`` and its users)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.errors import InvalidInput
from helpline.domain.events import check_text
from helpline.domain.files import MAX_NAME_CHARS, sanitize_name
from helpline.domain.people import check_display_name
from helpline.domain.portals import Portal, PortalField, check_intake, check_portal_name
from helpline.domain.text import (
    BIDI_CONTROLS,
    UNSAFE,
    all_storable,
    check_storable,
    escaped,
    storable,
    strip_unsafe,
)

CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
MISLEADING = sorted(set(CONTROLS) | BIDI_CONTROLS)
# Any text, with the characters that mislead (and lone surrogates) mixed in often.
hostile = st.lists(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(MISLEADING),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=60,
).map("".join)
# Names as people type them (NFC, as browsers send them): letters, digits, marks,
# punctuation and single spaces.
plain_words = st.lists(
    st.text(
        st.characters(categories=["L", "M", "N", "Pd", "Po"], exclude_characters='\\/:*?"<>|'),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=4,
).map(lambda words: unicodedata.normalize("NFC", " ".join(words)))
PORTAL = Portal(1, "acme", "Acme", (PortalField.EMAIL,))


def shows_nothing_misleading(text: str) -> bool:
    return not any(c in UNSAFE for c in text) and storable(text)


@given(hostile)
def test_no_control_bidi_or_unstorable_character_survives_in_a_file_name(name: str) -> None:
    clean = sanitize_name(name)
    assert shows_nothing_misleading(clean)
    assert clean and len(clean) <= MAX_NAME_CHARS and "/" not in clean


@given(hostile)
def test_no_control_bidi_or_unstorable_character_survives_in_a_person_s_name(
    name: str,
) -> None:
    try:
        clean = check_display_name(name)
    except InvalidInput:
        assert not strip_unsafe(name).strip()
        return
    assert shows_nothing_misleading(clean) and clean == clean.strip() and "  " not in clean


@given(hostile, hostile, hostile)
def test_no_control_bidi_or_unstorable_character_survives_a_portal_intake(
    name: str, query: str, email: str
) -> None:
    try:
        intake = check_intake(PORTAL, name, query, {"email": email})
    except InvalidInput:
        return
    assert shows_nothing_misleading(intake.name)
    assert all(shows_nothing_misleading(value) for _, value in intake.extra)
    # The question keeps its lines and tabs, and nothing else that misleads.
    assert shows_nothing_misleading(intake.query.replace("\n", "").replace("\t", ""))


@given(hostile)
def test_no_control_bidi_or_unstorable_character_survives_in_a_portal_name(name: str) -> None:
    try:
        clean = check_portal_name(name)
    except InvalidInput:
        return
    assert shows_nothing_misleading(clean)


@given(plain_words)
def test_plain_names_are_unchanged(name: str) -> None:
    assert check_display_name(name) == name
    assert check_portal_name(name) == name
    if name.strip(".") == name:
        assert sanitize_name(name) == name
        assert sanitize_name(name + ".txt") == name + ".txt"


@given(hostile)
def test_escaped_spells_out_every_unsafe_character_and_keeps_the_rest(text: str) -> None:
    shown = escaped(text)
    assert shows_nothing_misleading(shown)
    assert strip_unsafe(text) == text or shown != text
    if not any(c in UNSAFE for c in text):
        assert shown == text


def test_a_right_to_left_override_no_longer_disguises_a_file_name() -> None:
    assert sanitize_name("inv\u202eexe.txt") == "invexe.txt"
    assert escaped("inv\u202eexe.txt") == "inv\\u202eexe.txt"
    assert sanitize_name("re\x00port\x07.pdf") == "report.pdf"
    assert sanitize_name("two\tworlds\n.txt") == "two worlds .txt"
    assert check_display_name("Dana\x00 \u2066Scully\u2069\x07") == "Dana Scully"
    assert check_display_name("Dana\tScully") == "Dana Scully"
    assert check_portal_name("Acme\u202e Support") == "Acme Support"
    intake = check_intake(PORTAL, "D\u200fana", "line one\r\nline\u202e two", {"email": "a\x00@b"})
    assert (intake.name, intake.query, intake.extra) == (
        "Dana",
        "line one\nline two",
        (("email", "a@b"),),
    )


@pytest.mark.parametrize("text", ["half \ud800 pair", "\udfff", "nul \x00 here"])
def test_text_that_cannot_be_stored_is_refused_with_what_to_do(text: str) -> None:
    assert not storable(text)
    with pytest.raises(InvalidInput, match=r"cannot be stored.*Remove it"):
        check_storable(text, "This message")
    with pytest.raises(InvalidInput, match="cannot be stored"):
        check_text(text)


def test_text_that_can_be_stored_passes() -> None:
    for text in ("plain", "emoji \U0001f600 and accents é", "\u202e is storable"):
        assert storable(text) and check_text(text) == text
    assert all_storable({"a": ["b", {"c": "d"}], "e": 1})
    assert not all_storable({"a": ["b", {"c": "\ud800"}]})
    assert not all_storable({"key \x00": 1})
