"""The bodies of the log's events that the agent acts on, as declared types: the fields
each action needs, and nothing the agent does not read.

Why this exists: an event's ``body`` is an open object (docs/protocol.md), and the
agent acts on some of them: it asks the customer for consent, opens pushed pages,
offers and saves files, runs tasks on the computer. Reading those fields by key, one
missing or of another type was either a ``KeyError`` in the middle of an action or
silently a default. Here each body the agent acts on says which fields it needs and of
which type; ``read`` (through ``Event.body_as``, events.py) reads a body into one with
msgspec, and a body that lacks what the action needs is logged and ignored as a whole.
Fields the agent does not need are not declared, so a server that adds some changes
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
from msgspec import Struct

log = logging.getLogger(__name__)
BodyT = TypeVar("BodyT", bound=Struct)


def read(body: Mapping[str, Any], kind: type[BodyT], what: str) -> BodyT | None:
    """``body`` as ``kind``; None, and a log line naming ``what`` (the event), when it
    lacks what ``kind`` needs."""
    try:
        return msgspec.convert(dict(body), kind)
    except msgspec.ValidationError as refused:
        log.warning("Ignored %s: its body is malformed: %s.", what, refused)
        return None


class ConsentAsked(Struct, kw_only=True):
    """``consent_requested``: a representative asks the customer."""

    request_id: str
    # screen, diagnostics, credentials, service, ...
    consent: str | None = None


class ConsentAnswered(Struct, kw_only=True):
    """``consent_answered``: the request was answered (here, or in another window)."""

    request_id: str


class ConsentRevoked(Struct, kw_only=True):
    """``consent_revoked``: a permission the customer gave was withdrawn."""

    consent: str


class UrlPushed(Struct, kw_only=True):
    """``url_pushed``: a representative pushed an address to open."""

    url: str


class FileNote(Struct, kw_only=True):
    """``file_accepted``, ``file_declined``, ``file_completed``: a file's next step."""

    file_id: int


class FileOffered(Struct, kw_only=True):
    """``file_offered``: a file is there to accept, or was sent from here."""

    file_id: int
    name: str | None = None
    size: int = 0
    sha256: str | None = None


class TaskRequested(Struct, kw_only=True):
    """``task_requested``: a representative asks the agent to run a named task."""

    task_id: str | int
    task: str
    service: str | None = None
    # credentials | service: which agent runs it.
    runner: str = "credentials"
