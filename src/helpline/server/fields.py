"""What each field of a request body accepts, said once for the validation and the
OpenAPI document, so that the two cannot disagree.

A schema-testing tool (schemathesis, in ``make test``) sends what the document calls
valid and expects it accepted, and what it calls invalid and expects it refused. So each
limit here is the domain's own rule, written as JSON Schema can say it:

- a person's name must keep a character once control, bidirectional and space
  characters are gone (``domain.people.check_display_name``), a title or a scripted
  message must hold something besides spaces (``domain.scripts``);
- a session code is nine ASCII digits, spaces and dashes ignored
  (``domain.codes.normalize_code``); a pushed URL is ``domain.urls.URL_PATTERN``;
- an integer in JSON is a number without a fraction, never ``"5"`` or ``true``
  (pydantic's lax mode would take both), and a boolean is ``true`` or ``false``; an id
  in a body is at most 2**53 - 1, the largest integer every JSON reader (JavaScript's
  among them) carries exactly (an id in a path is text, and goes to 2**63 - 1);
- a moment is an RFC 3339 date-time with its offset (``2025-05-01T09:00:00Z``), not a
  Unix time or a date alone, which pydantic would also read.

Patterns use only syntax that ECMA 262 (JSON Schema), Python's ``re`` and the Rust
regex engine of pydantic read alike: classes, ``\\uXXXX`` escapes, ``^`` and ``$``.
``tests/unit/test_fields.py`` checks each pattern against the domain rule it states.
When a pattern refuses a value, ``PATTERN_SENTENCES`` is what the person is told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

from helpline.domain.codes import SESSION_CODE_DIGITS
from helpline.domain.events import MAX_CLIENT_ID_CHARS, MAX_MESSAGE_CHARS
from helpline.domain.people import MAX_DISPLAY_NAME_CHARS
from helpline.domain.scripts import MAX_TITLE_CHARS
from helpline.domain.text import UNSAFE
from helpline.domain.urls import MAX_URL_CHARS, URL_PATTERN

__all__ = [
    "JSON_INTEGER",
    "ClientId",
    "DisplayName",
    "JsonBool",
    "Moment",
    "PushUrl",
    "ScriptText",
    "SessionCodeText",
    "Title",
]

# Python's str.isspace() (what str.split() and str.strip() drop), all in the BMP.
_SPACES = frozenset(chr(c) for c in range(0x10000) if chr(c).isspace())
_SURROGATE_RANGE = range(0xD800, 0xE000)


def _escape(code: int) -> str:
    return f"\\u{code:04x}"


def negated_class(excluded: Iterable[str]) -> str:
    """A character class of every character but ``excluded`` (BMP, surrogates left out:
    text with half a surrogate pair never gets this far, see ``inputs.py``)."""
    codes = sorted(ord(c) for c in set(excluded) if ord(c) not in _SURROGATE_RANGE)
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    parts = []
    for first, last in ranges:
        between = "-" if last > first + 1 else ""
        parts.append(_escape(first) if first == last else _escape(first) + between + _escape(last))
    return "[^" + "".join(parts) + "]"


# Unanchored: the value holds at least one such character somewhere.
VISIBLE_PATTERN = negated_class(UNSAFE | _SPACES)
NOT_BLANK_PATTERN = negated_class(_SPACES)
SESSION_CODE_PATTERN = rf"^[ -]*(?:[0-9][ -]*){{{SESSION_CODE_DIGITS}}}$"
CLIENT_ID_PATTERN = rf"^[ -~]{{1,{MAX_CLIENT_ID_CHARS}}}$"
PUSH_URL_PATTERN = rf"^[ \t\r\n]*{URL_PATTERN}[ \t\r\n]*$"

PATTERN_SENTENCES = {
    VISIBLE_PATTERN: "A name cannot be empty.",
    NOT_BLANK_PATTERN: "This cannot be empty.",
    SESSION_CODE_PATTERN: f"A session code has {SESSION_CODE_DIGITS} digits.",
    CLIENT_ID_PATTERN: (f"A client id has 1 to {MAX_CLIENT_ID_CHARS} printable ASCII characters."),
}


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer: 3 and 3.0 are integers, "3", true and 3.5 are not.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


# Put after the limits: ``Annotated[int, Field(ge=1), JSON_INTEGER]`` (before them,
# the limits would not reach the document as minimum and maximum).
JSON_INTEGER = BeforeValidator(_json_integer)
JsonBool = StrictBool
JSON_SAFE_INT_MAX = 2**53 - 1

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("must be a date and time with its offset, e.g. 2025-05-01T09:00:00Z")
    return value


Moment = Annotated[datetime, BeforeValidator(_rfc3339)]

DisplayName = Annotated[str, Field(max_length=MAX_DISPLAY_NAME_CHARS, pattern=VISIBLE_PATTERN)]
Title = Annotated[str, Field(max_length=MAX_TITLE_CHARS, pattern=NOT_BLANK_PATTERN)]
# A scripted message, or a URL in a library of URLs (checked by the domain, which
# knows the category's kind).
ScriptText = Annotated[str, Field(max_length=MAX_MESSAGE_CHARS, pattern=NOT_BLANK_PATTERN)]
SessionCodeText = Annotated[str, Field(max_length=32, pattern=SESSION_CODE_PATTERN)]
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN)]
# Published, not enforced by pydantic: the domain checks the same pattern and says
# better what is wrong ("Only http:// and https:// addresses ...; this one has 'data:'").
PushUrl = Annotated[
    str, Field(max_length=MAX_URL_CHARS, json_schema_extra={"pattern": PUSH_URL_PATTERN})
]
