"""Scripted messages and URLs: libraries of ready text a representative inserts.

Managers keep team libraries; each representative may keep a personal one. Each
library holds categories (ordered) of scripts (ordered). Placeholders such as
``{customer.name}`` are filled in when a script is inserted, so the representative
sees and can edit the final text before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import Conflict, InvalidInput
from helpline.domain.events import MAX_MESSAGE_CHARS
from helpline.domain.urls import check_push_url

MAX_TITLE_CHARS = 120
PLACEHOLDER = re.compile(r"\{([a-z]+\.[a-z_]+)\}")
PLACEHOLDERS = (
    "customer.name",
    "representative.name",
    "session.id",
    "portal.name",
)


class ScriptKind(StrEnum):
    MESSAGE = "message"
    URL = "url"


@dataclass(frozen=True)
class ScriptCategory:
    id: int
    kind: ScriptKind
    owner_rep_id: int | None  # None: the team's library
    name: str
    position: int


@dataclass(frozen=True)
class Script:
    id: int
    category_id: int
    title: str
    text: str
    position: int


def check_title(title: str, what: str = "A title") -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(cleaned) > MAX_TITLE_CHARS:
        raise InvalidInput(f"{what} has at most {MAX_TITLE_CHARS} characters.")
    return cleaned


def check_script_text(kind: ScriptKind, text: str) -> str:
    if kind is ScriptKind.URL:
        return check_push_url(text)
    if not text.strip():
        raise InvalidInput("A scripted message cannot be empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"A scripted message has at most {MAX_MESSAGE_CHARS} characters.")
    return text


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders; leave unknown ones as typed, so nothing vanishes."""

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(replace, text)


def check_order(current: list[int], proposed: list[int]) -> list[int]:
    """A reorder must name exactly the items there are, each once.

    An id twice is a malformed request (``InvalidInput``); a list that names other items
    than there are now was made from a stale copy (``Conflict``: reload, then reorder).
    """
    if len(set(proposed)) != len(proposed):
        raise InvalidInput("A new order must list every item exactly once.")
    if sorted(current) != sorted(proposed):
        raise Conflict("The list has changed since it was read; reload it and order it again.")
    return proposed
