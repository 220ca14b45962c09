"""The outbox: chat lines the server has not yet confirmed, and what to do with each.

Why a module of its own: these rules decide whether a line is lost, doubled or
resent forever, so they are pure (no socket, no clock, no task) and tested line by
line. They are the same rules as the web clients' (web/common/connection-core.ts)
and docs/protocol.md: an entry stays ``pending`` until its ``ack`` and is resent with
the same ``client_id`` after every reconnect (the server answers a resend with the
original ``seq``); a final error makes it ``failed`` and it is never resent;
``rate_limited`` and ``unavailable`` keep it pending, to be sent again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.protocol.client_frames import Send

TRANSIENT_ERRORS = frozenset({"rate_limited", "unavailable"})
# Server failures (close 1011) a send may be blamed for before it is given up.
MAX_STRIKES = 2
SERVER_FAILED_MESSAGE = "The server could not take this message. Change it and try again."
TOO_LARGE_MESSAGE = "This message is too large to send. Split it into shorter ones."


def is_transient(code: str) -> bool:
    """Whether an error answering a send leaves it to be sent again (else it is final)."""
    return code in TRANSIENT_ERRORS


class EntryState(StrEnum):
    PENDING = "pending"  # not acknowledged: (re)sent on every connect
    ACKED = "acked"  # committed; its event has not arrived yet
    FAILED = "failed"  # refused for good: shown as not sent, never resent as is


@dataclass(frozen=True)
class OutboxEntry:
    client_id: str
    session: str
    text: str
    state: EntryState = EntryState.PENDING
    seq: int | None = None
    # Why it failed; for a pending entry, why its last try was put off.
    error: str | None = None
    # How often the server failed (1011) while this was the oldest unanswered send.
    strikes: int = 0

    def frame(self) -> Send:
        """The ``send`` frame: the same ``client_id`` every time it goes out."""
        return Send(session=self.session, client_id=self.client_id, text=self.text)


class Outbox:
    """Sends in the order they were made; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._entries: list[OutboxEntry] = []

    def add(self, client_id: str, session: str, text: str) -> OutboxEntry:
        entry = OutboxEntry(client_id=client_id, session=session, text=text)
        self._entries.append(entry)
        return entry

    def get(self, client_id: str) -> OutboxEntry | None:
        return next((e for e in self._entries if e.client_id == client_id), None)

    def ack(self, client_id: str, seq: int) -> OutboxEntry | None:
        """The server committed ``client_id`` as ``seq``."""
        return self._update(
            client_id, lambda e: replace(e, state=EntryState.ACKED, seq=seq, error=None)
        )

    def refuse(self, client_id: str, code: str, message: str) -> OutboxEntry | None:
        """An error frame answered ``client_id``: final codes fail it, transient ones
        keep it pending with the reason noted."""
        if is_transient(code):
            return self._update(
                client_id,
                lambda e: replace(e, error=message) if e.state is EntryState.PENDING else e,
            )
        return self.fail(client_id, message)

    def fail(self, client_id: str, message: str) -> OutboxEntry | None:
        """Refused for good: keep the text on screen as not sent, never resend it."""

        def change(e: OutboxEntry) -> OutboxEntry:
            if e.state is EntryState.ACKED:
                return e
            return replace(e, state=EntryState.FAILED, error=message)

        return self._update(client_id, change)

    def strike(self, client_id: str) -> OutboxEntry | None:
        """The server failed (1011) while ``client_id`` was its oldest unanswered send:
        count it, and give the entry up at ``MAX_STRIKES`` so that a line the server
        cannot take is not resent on every reconnect."""

        def change(e: OutboxEntry) -> OutboxEntry:
            if e.state is not EntryState.PENDING:
                return e
            strikes = e.strikes + 1
            if strikes >= MAX_STRIKES:
                return replace(
                    e, strikes=strikes, state=EntryState.FAILED, error=SERVER_FAILED_MESSAGE
                )
            return replace(e, strikes=strikes)

        return self._update(client_id, change)

    def resolve(self, session: str, seq: int, client_id: str | None) -> bool:
        """An event arrived: drop the entry it confirms (by our client id, or by the
        seq of an acknowledged entry). Returns whether anything was dropped."""
        before = len(self._entries)
        self._entries = [
            e
            for e in self._entries
            if not (
                e.session == session
                and (
                    (e.state is EntryState.ACKED and e.seq == seq)
                    or (client_id is not None and e.client_id == client_id)
                )
            )
        ]
        return len(self._entries) != before

    def remove(self, client_id: str) -> bool:
        before = len(self._entries)
        self._entries = [e for e in self._entries if e.client_id != client_id]
        return len(self._entries) != before

    def unacknowledged(self) -> list[OutboxEntry]:
        """What to (re)send, oldest first."""
        return [e for e in self._entries if e.state is EntryState.PENDING]

    def all(self) -> list[OutboxEntry]:
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def _update(
        self, client_id: str, change: Callable[[OutboxEntry], OutboxEntry]
    ) -> OutboxEntry | None:
        for index, entry in enumerate(self._entries):
            if entry.client_id == client_id:
                self._entries[index] = change(entry)
                return self._entries[index]
        return None
