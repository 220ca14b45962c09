"""Each pattern the OpenAPI document publishes says exactly what the domain accepts.

schemathesis sends what a pattern allows and expects it accepted, and what it refuses
and expects it refused; so a pattern that is a little wider or narrower than its rule
fails the conformance run some day, on some input. These check every BMP character
(and strings hypothesis makes) against the rule itself.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.codes import normalize_code
from helpline.domain.errors import InvalidInput
from helpline.domain.people import check_display_name
from helpline.domain.scripts import check_title
from helpline.domain.urls import URL_PATTERN, check_push_url
from helpline.server.fields import (
    NOT_BLANK_PATTERN,
    PUSH_URL_PATTERN,
    SESSION_CODE_PATTERN,
    VISIBLE_PATTERN,
)

BMP = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]


def _accepts(rule: object, text: str) -> bool:
    try:
        rule(text)  # type: ignore[operator]
    except InvalidInput:
        return False
    return True


def test_a_name_shows_exactly_when_it_holds_a_character_of_the_pattern() -> None:
    visible = re.compile(VISIBLE_PATTERN)
    for char in BMP:
        for text in (char, f" {char}\t"):
            expected = _accepts(check_display_name, text)
            assert bool(visible.search(text)) == expected, repr(text)


def test_a_title_is_not_blank_exactly_when_it_holds_a_character_of_the_pattern() -> None:
    not_blank = re.compile(NOT_BLANK_PATTERN)
    for char in BMP:
        assert bool(not_blank.search(char)) == _accepts(check_title, char), repr(char)


@given(st.text(alphabet=st.sampled_from("0123456789 -a٣"), max_size=14))
def test_the_session_code_pattern_is_the_codes_rule(text: str) -> None:
    matches = re.fullmatch(SESSION_CODE_PATTERN.strip("^$"), text) is not None
    assert matches == _accepts(normalize_code, text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/help?a=1",
        "HTTP://a",
        "http://127.0.0.1:65535/healthz?s={session.id}",
        " https://example.com/x \n",
    ],
)
def test_push_urls_of_the_pattern_are_pushed(url: str) -> None:
    assert re.fullmatch(PUSH_URL_PATTERN.strip("^$"), url)
    assert check_push_url(url) == url.strip(" \t\r\n")


@given(st.from_regex(URL_PATTERN, fullmatch=True).filter(lambda url: len(url) <= 2048))
def test_every_url_of_the_pattern_is_pushed(url: str) -> None:
    assert check_push_url(url) == url


@given(st.text(max_size=40))
def test_a_url_outside_the_pattern_is_refused(text: str) -> None:
    if re.fullmatch(PUSH_URL_PATTERN.strip("^$"), text) is None:
        assert not _accepts(check_push_url, text)
