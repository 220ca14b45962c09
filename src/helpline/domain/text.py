"""Text from other people's computers: what can be stored, and what can be shown.

Two hazards come in with any string a client sends, and both are decided here, once:

- *Text that cannot be stored.* JSON may spell half of a UTF-16 surrogate pair
  (``"\\ud800"``); Python decodes it into a string that has no UTF-8 form, so the
  database driver, the bus and the socket all fail on it. PostgreSQL's text type also
  refuses NUL. Such text is refused where it enters, with ``InvalidInput``.
- *Text that misleads when shown.* Control characters (C0, DEL, C1) and the Unicode
  bidirectional controls reorder or hide what a reader sees: ``"inv\\u202eexe.txt"``
  displays as "invtxt.exe". People's names, portal names and file names lose them on
  input (``strip_unsafe``); ``escaped`` shows an original with them spelled out, for
  whoever must know that a name was changed.

Pure: no I/O, so the rules are unit-tested directly (tests/unit/test_text.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from helpline.domain.errors import InvalidInput

# Bidirectional controls: embeddings and overrides, isolates, and the marks.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200e", "\u200f", "\u061c"]  # LRM RLM ALM
)
# Control characters that separate words: they become a space, not nothing.
_SPACING = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")
_CONTROLS = frozenset(chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
_SURROGATES = frozenset(chr(c) for c in range(0xD800, 0xE000))
UNSAFE = _CONTROLS | _SPACING | BIDI_CONTROLS | _SURROGATES

# For str.translate: word separators to a space, everything else unsafe to nothing.
_STRIP: dict[int, str | None] = {ord(c): None for c in UNSAFE}
_STRIP.update({ord(c): " " for c in _SPACING})
# The same, for text of several lines (a customer's question): lines and tabs stay.
_STRIP_KEEP_LINES: dict[int, str | None] = {**_STRIP, ord("\n"): "\n", ord("\t"): "\t"}
_STRIP_KEEP_LINES[ord("\r")] = None

UNSTORABLE_MESSAGE = (
    "{what} holds a character that cannot be stored (NUL, or half of a UTF-16 surrogate "
    "pair). Remove it and try again."
)


def storable(text: str) -> bool:
    """Whether ``text`` can be saved and sent: valid UTF-8, without NUL."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_storable(text: str, what: str = "The text") -> str:
    """``text`` itself, or ``InvalidInput`` saying what to do."""
    if not storable(text):
        raise InvalidInput(UNSTORABLE_MESSAGE.format(what=what))
    return text


def strings_in(value: object) -> Iterator[str]:
    """Every string in a JSON value, keys included. Iterative, so a value nested as
    deep as its parser allowed cannot exhaust the stack here."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(inner)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def all_storable(value: object) -> bool:
    """Whether every string in a JSON value is ``storable``."""
    return all(storable(text) for text in strings_in(value))


def strip_unsafe(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without control characters, bidirectional controls or surrogates.

    Characters that separate words (tab, line breaks) become a space, unless
    ``keep_lines``, which keeps line breaks and tabs (for text of several lines).
    """
    return text.translate(_STRIP_KEEP_LINES if keep_lines else _STRIP)


def has_unsafe(text: str) -> bool:
    """Whether ``strip_unsafe`` would change ``text``."""
    return not UNSAFE.isdisjoint(text)


def escaped(text: str) -> str:
    """``text`` with every unsafe character spelled as ``\\u202e``, so a reader sees
    exactly what was there: ``"inv\\u202eexe.txt"`` reads as it is spelled here."""
    return "".join(f"\\u{ord(c):04x}" if c in UNSAFE else c for c in text)
