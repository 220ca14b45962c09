"""Which URLs a representative may push to a customer's computer or keep in a library.

Only plain web addresses: ``http`` or ``https`` with a host, at most 2,048
characters, printable ASCII without spaces (``URL_PATTERN``: a host of letters, digits,
``.``, ``-`` and ``_``, a port from 1 to 65535, then anything printable; other
characters are percent-encoded, host names in punycode). Everything else
(``javascript:``, ``data:``, ``file:``, half-typed addresses) is refused with a sentence
that says why, before anything is sent. The OpenAPI document publishes the same
pattern, so what it calls valid is exactly what is accepted.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from helpline.domain.drafting import Disclosure, Draft, say, status
from helpline.domain.errors import InvalidInput
from helpline.domain.events import Audience, Author

MAX_URL_CHARS = 2048
# Surrounding spaces and line breaks (a pasted address) are dropped, nothing else.
URL_SURROUNDING = " \t\r\n"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# Plain syntax that JSON Schema (ECMA 262), Python and Rust's regex read alike.
URL_PATTERN = rf"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._-]+(?::{_PORT})?(?:[/?#][!-~]*)?"
_URL = re.compile(URL_PATTERN)


def check_push_url(text: str) -> str:
    url = text.strip(URL_SURROUNDING)
    if not url:
        raise InvalidInput("Enter a web address to push, starting with https:// or http://.")
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput(f"A pushed web address has at most {MAX_URL_CHARS} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidInput("A web address cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise InvalidInput(f"{url[:80]!r} is not a valid web address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"'{scheme}:'" if scheme else "no scheme"
        raise InvalidInput(
            f"Only http:// and https:// addresses can be pushed; this one has {shown}."
        )
    if not parts.hostname or not port_ok:
        raise InvalidInput(f"{url[:80]!r} has no valid host name.")
    if not _URL.fullmatch(url):
        raise InvalidInput(
            f"{url[:80]!r} is not an address Helpline can push: write the host name with "
            "letters, digits, '.', '-' or '_' (in punycode), and percent-encode characters "
            "other than printable ASCII."
        )
    return url


def pushed_note(by: Author, url: str) -> Draft:
    """The note that opens ``url`` on the customer's computer when it arrives live.

    The pusher is its author, so a resend with the same client id is recognised as
    theirs; to the customer a masked representative is "A representative".
    """
    clean = check_push_url(url)
    return status(
        "url_pushed",
        say("{by} pushed {url}", by=by, url=clean),
        author=by,
        if_masked=Disclosure.ANONYMOUS,
        extra={"url": clean},
    )


URL_NOT_OPENED = "url_not_opened"


def not_opened_note(pushed_seq: int, url: str) -> Draft:
    """The customer's computer could not open a pushed URL (no browser, a server over
    SSH): representatives learn that the customer sees the link instead.

    Its client id names the push, so a report repeated (a resend, a reconnect, a
    second client of the customer) adds no second note.
    """
    draft = status(
        URL_NOT_OPENED,
        say(
            "Could not open a browser on the customer's computer; "
            "the link is shown to them instead."
        ),
        audience=Audience.representatives(),
        extra={"url": url, "pushed_seq": pushed_seq},
    )
    return replace(draft, client_id=f"url-{pushed_seq}-not-opened")
