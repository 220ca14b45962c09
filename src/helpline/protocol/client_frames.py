"""The frames a client sends over its socket, as declared types: docs/protocol.md's
"Client to server" table, one ``Struct`` per frame type, tagged by ``type``.

Why this exists: each handler used to pick its fields out of a dict and check their
types by hand, so the protocol's table, the checks and the tests could each say
something else. Here each frame says once which fields it has, which are optional and
what they hold; the server's ``frames.py`` decodes a text into exactly one of them (or
refuses it) with msgspec, and its handlers receive typed values; the Helpline agent
builds the frames it sends from the same types, so the two cannot drift. Types only:
no I/O.

What stays in the domain's checks, and answers ``invalid_input`` or ``forbidden``
rather than ``invalid_frame``: rules about values (a ``client_id``'s length, a text's
length, who may send a ``note``, which ``to`` is present, which ``reason`` fits).
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

# The largest integer SQLite and PostgreSQL (BIGINT) hold: seqs and ids are below it.
SQL_INT_MAX = 2**63 - 1

Text = Annotated[str, Meta(min_length=1)]
AfterSeq = Annotated[int, Meta(ge=0, le=SQL_INT_MAX)]
Seq = Annotated[int, Meta(ge=1, le=SQL_INT_MAX)]


class ClientFrame(Struct, tag_field="type", kw_only=True, gc=False):
    """A frame from a client; ``type`` is its tag. Unknown fields are ignored."""


class Subscribe(ClientFrame, tag="subscribe"):
    session: Text
    after: AfterSeq = 0


class Unsubscribe(ClientFrame, tag="unsubscribe"):
    session: Text


class Send(ClientFrame, tag="send"):
    session: Text
    client_id: Text
    text: Text
    kind: str = "message"
    # "everyone", "representatives" or a representative's id.
    to: str | int | None = None


class Ping(ClientFrame, tag="ping"):
    pass


class Consent(ClientFrame, tag="consent"):
    session: Text
    request: Text
    allow: bool
    reason: str | None = None


class Screen(ClientFrame, tag="screen"):
    session: Text
    sharing: bool
    # The allowed screen request; needed to start sharing.
    request: str | None = None


class Watch(ClientFrame, tag="watch"):
    session: Text
    on: bool = True


class UrlOpened(ClientFrame, tag="url_opened"):
    session: Text
    seq: Seq
    opened: bool


AnyClientFrame = Subscribe | Unsubscribe | Send | Ping | Consent | Screen | Watch | UrlOpened

# What an error says of a field that is missing or of the wrong type, by field name.
FIELD_RULES: dict[str, str] = {
    "session": "The frame needs 'session' as text.",
    "client_id": "The frame needs 'client_id' as text.",
    "text": "The frame needs 'text' as text.",
    "request": "The frame needs 'request' as text.",
    "after": f"'after' is the last seq you saw: a whole number from 0 to {SQL_INT_MAX}.",
    "seq": (f"'seq' is the seq of the url_pushed event: a whole number from 1 to {SQL_INT_MAX}."),
    "kind": "'kind' is 'message' or 'note'.",
    "to": "'to' is 'everyone', 'representatives' or a representative's id.",
    "allow": "'allow' is true or false.",
    "sharing": "'sharing' is true or false.",
    "opened": "'opened' is true or false.",
    "on": "'on' is true or false.",
    "reason": "'reason' is 'no_display', 'timeout' or 'unattended'; or leave it out.",
}
