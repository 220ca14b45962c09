"""Pushing a web address to the customer's computer, as the domain rules it: only plain
http and https addresses with a host, refused before anything is sent with a sentence
that says why, and the note that opens one on the customer's computer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.drafting import seal
from helpline.domain.errors import InvalidInput
from helpline.domain.events import AudienceKind, Author
from helpline.domain.urls import MAX_URL_CHARS, check_push_url, not_opened_note, pushed_note
from tests.support.domain import a_rep, as_events, attending, customer_reads, rep_reads

BOB = a_rep(2, "Bob")
CAROL = a_rep(3, "Carol")
FROM_BOB = Author.representative(BOB.id, "Bob")
ONLY_WEB = r"^Only http:// and https:// addresses can be pushed; this one has "
CANNOT_PUSH = "is not an address Helpline can push: write the host name with letters"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com:8080/help?topic=printer#drivers",
        "HTTPS://EXAMPLE.COM/A",
        "https://192.0.2.7/status",
        "http://127.0.0.1:65535/",
        "https://xn--bcher-kva.example/",
        "https://intranet_host.example/wiki",
        "https://example.com/search?q=caf%C3%A9",
    ],
)
def test_a_plain_web_address_is_pushed_as_it_is(url: str) -> None:
    assert check_push_url(url) == url


def test_a_pasted_address_loses_surrounding_spaces_and_line_breaks() -> None:
    assert check_push_url("\t https://example.com/x \r\n") == "https://example.com/x"


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t"])
def test_an_empty_address_asks_for_one(text: str) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^Enter a web address to push, starting with https:// or http://\.$",
    ):
        check_push_url(text)


def test_an_address_has_at_most_2048_characters() -> None:
    assert MAX_URL_CHARS == 2048
    base = "https://example.com/"
    longest = base + "a" * (MAX_URL_CHARS - len(base))
    assert check_push_url(longest) == longest

    with pytest.raises(InvalidInput, match=r"^A pushed web address has at most 2048 characters\.$"):
        check_push_url(longest + "a")


@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.com",
        "https://example.com/\x00",
        "https://example.com/\x7f",
        "http://a\u2028b",
    ],
)
def test_an_address_with_spaces_or_control_characters_is_refused(url: str) -> None:
    with pytest.raises(
        InvalidInput, match=r"^A web address cannot contain spaces or control characters\.$"
    ):
        check_push_url(url)


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(document.cookie)", "'javascript:'"),
        ("JavaScript:alert(1)", "'javascript:'"),
        ("data:text/html,<script>alert(1)</script>", "'data:'"),
        ("file:///etc/passwd", "'file:'"),
        ("ftp://example.com/driver.zip", "'ftp:'"),
        ("mailto:help@example.com", "'mailto:'"),
        ("localhost:8080/x", "'localhost:'"),
    ],
)
def test_only_http_and_https_addresses_are_pushed(url: str, scheme: str) -> None:
    with pytest.raises(InvalidInput, match=ONLY_WEB + f"{scheme}\\.$"):
        check_push_url(url)


@pytest.mark.parametrize("url", ["/help/printer", "example.com/help", "//example.com/x"])
def test_a_relative_or_half_typed_address_has_no_scheme(url: str) -> None:
    with pytest.raises(InvalidInput, match=ONLY_WEB + r"no scheme\.$"):
        check_push_url(url)


@pytest.mark.parametrize(
    "url", ["https://", "https:///path", "https:\\\\example.com", "http://a:0/"]
)
def test_an_address_without_a_host_or_with_port_zero_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match=r"has no valid host name\.$"):
        check_push_url(url)


@pytest.mark.parametrize("url", ["https://example.com:65536/", "https://example.com:99999"])
def test_a_port_beyond_65535_is_not_a_web_address(url: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not a valid web address\.$"):
        check_push_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://bücher.example/",
        "https://example.com/café",
        "https://user:secret@example.com/",
        "https://[::1]/",
    ],
    ids=["idn-host", "unicode-path", "credentials", "ipv6"],
)
def test_an_address_outside_plain_ascii_host_names_says_how_to_write_it(url: str) -> None:
    with pytest.raises(InvalidInput, match=CANNOT_PUSH):
        check_push_url(url)


def test_a_refusal_quotes_at_most_80_characters_of_the_address() -> None:
    url = "https://bücher.example/" + "p" * 200
    with pytest.raises(InvalidInput) as refused:
        check_push_url(url)
    assert refused.value.message.startswith(repr(url[:80]) + " is not an address")


@given(st.text(max_size=60))
def test_whatever_is_pushed_is_a_printable_ascii_http_address(text: str) -> None:
    try:
        url = check_push_url(text)
    except InvalidInput:
        return
    assert url.lower().startswith(("http://", "https://"))
    assert url.isascii() and url.isprintable() and " " not in url
    assert len(url) <= MAX_URL_CHARS


@given(st.sampled_from(["javascript:", "data:", "file:", "vbscript:"]), st.text(max_size=40))
def test_no_script_data_or_file_address_is_ever_pushed(scheme: str, rest: str) -> None:
    with pytest.raises(InvalidInput):
        check_push_url(scheme + rest)


# The notes -------------------------------------------------------------------------------------


def test_everyone_reads_what_was_pushed_and_the_customer_s_computer_opens_it() -> None:
    note = seal(pushed_note(FROM_BOB, " https://example.com/fix "), [attending(BOB)])

    assert note.audience.kind is AudienceKind.EVERYONE
    assert note.author == FROM_BOB
    assert note.body == {
        "action": "url_pushed",
        "url": "https://example.com/fix",
        "text": "Bob pushed https://example.com/fix",
    }


def test_a_masked_representative_pushes_as_a_representative() -> None:
    notes = [seal(pushed_note(FROM_BOB, "https://example.com/fix"), [attending(BOB, masked=True)])]
    events = as_events(notes)

    assert customer_reads(events) == ["A representative pushed https://example.com/fix"]
    assert rep_reads(CAROL.id, events) == ["Bob pushed https://example.com/fix"]


def test_a_refused_address_makes_no_note() -> None:
    with pytest.raises(InvalidInput):
        pushed_note(FROM_BOB, "javascript:alert(1)")


def test_only_representatives_read_that_a_pushed_address_could_not_be_opened() -> None:
    events = as_events([seal(not_opened_note(4, "https://example.com/fix"), [])])

    assert customer_reads(events) == []
    assert events[0].client_id == "url-4-not-opened"
