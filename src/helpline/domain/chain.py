"""The tamper-evident chain of a session's log: what each event's hash covers, and the
checks that find the first event changed since it was written.

Why this exists: a chat log is evidence (what the customer was told, what they agreed
to). Each event stores a SHA-256 hash of the previous event's hash and of its own
canonical content, so changing, removing or reordering a stored event breaks every
hash from that event on. The store computes the hash where it allocates the ``seq``
(under the session row's lock, in the same transaction); ``helpline db verify`` walks
the store with ``LogCheck`` and ``helpline verify FILE`` checks a downloaded
``transcript.json`` with ``check_transcript``. Pure: no I/O.

What a hash covers (all canonical JSON: sorted keys, no spaces, UTF-8):

- ``open``: what every reader of the event is shown of it: seq, time (UTC, to the
  millisecond, as the protocol writes it), kind, audience, author kind and name, and
  the body as stored (the customer's wording, see ``helpline.domain.drafting``);
- ``sealed``: SHA-256 of the session's random salt and of what only representatives
  read (the private line's and the author's representative ids, ``internal``, whether
  it names a masked representative, the client id). A customer's copy of a transcript
  carries this digest in place of those fields; without the salt it cannot be used to
  confirm a guess of them (a masked representative's real name, say).

``hash = SHA-256(prev + "\\n" + sealed + "\\n" + open)``, hex; ``prev`` is the previous
event's hash, and for seq 1 the session's genesis, ``SHA-256("helpline-chain:" +
public id)``, so a chain cannot be moved to another session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from helpline.domain.errors import InvalidInput
from helpline.domain.events import Event, EventDraft

ALGORITHM = "sha256"


# One encoder, made once: ``json.dumps`` with options makes a new one per call, which
# cost more than the rest of an event's hash together.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def stamp(moment: datetime) -> str:
    """An event's time as its hash covers it: the protocol's ``at``."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def genesis(public_id: str) -> str:
    """The ``prev`` of a session's first event."""
    return sha256(f"helpline-chain:{public_id}".encode()).hexdigest()


def open_text(
    seq: object,
    at: object,
    kind: object,
    audience: object,
    author_kind: object,
    author_name: object,
    body: object,
) -> str:
    """The canonical text of what every reader of an event is shown (a downloaded
    copy's values are taken as they are: any change shows as a different text).
    Spelled out in sorted key order: the same text as the canonical JSON of the
    object, without sorting it each time."""
    e = _canonical
    return (
        f'{{"at":{e(at)},"audience":{e(audience)},"author":[{e(author_kind)},'
        f'{e(author_name)}],"body":{e(body)},"kind":{e(kind)},"seq":{e(seq)}}}'
    )


def sealed_digest(
    salt: str,
    audience_rep_id: int | None,
    author_rep_id: int | None,
    internal: object,
    reveals_masked: bool,
    client_id: str | None,
) -> str:
    """SHA-256 of the salt and the canonical JSON of what only representatives read
    (spelled out in sorted key order, as ``open_text``)."""
    e = _canonical
    # Most events have no internal details: "{}" without a trip through the encoder.
    internal_text = "{}" if type(internal) is dict and not internal else e(internal)
    sealed = (
        f'{{"by":{e(author_rep_id)},"client_id":{e(client_id)},"internal":{internal_text},'
        f'"masked":{e(reveals_masked)},"to":{e(audience_rep_id)}}}'
    )
    return sha256(f"{salt}\n{sealed}".encode()).hexdigest()


def link(prev: str, sealed: str, open_: str) -> str:
    return sha256(f"{prev}\n{sealed}\n{open_}".encode()).hexdigest()


def _plain(body: Mapping[str, object]) -> object:
    return body if type(body) is dict else dict(body)


def event_open_text(event: Event | EventDraft, seq: int, at: datetime) -> str:
    return open_text(
        seq,
        stamp(at),
        # StrEnums: encoded as their values, without the cost of ``.value``.
        event.kind,
        event.audience.kind,
        event.author.kind,
        event.author.name,
        _plain(event.body),
    )


def event_sealed(event: Event | EventDraft, salt: str) -> str:
    return sealed_digest(
        salt,
        event.audience.rep_id,
        event.author.rep_id,
        _plain(event.internal),
        event.reveals_masked,
        event.client_id,
    )


def content_hash(content: Event | EventDraft, seq: int, at: datetime, prev: str, salt: str) -> str:
    """The hash of an event with this content, seq and time, after ``prev``."""
    return link(prev, event_sealed(content, salt), event_open_text(content, seq, at))


def event_hash(event: Event, prev: str, salt: str) -> str:
    """The hash ``event`` is stored with, after ``prev``."""
    return content_hash(event, event.seq, event.created_at, prev, salt)


def chained(event: Event, prev: str, salt: str) -> Event:
    """``event`` with its hash."""
    return replace(event, chain_hash=event_hash(event, prev, salt))


# The store: every event of every session --------------------------------------------


@dataclass(frozen=True)
class Broken:
    """The first place a chain does not hold: the event's seq and why, in plain words."""

    seq: int
    reason: str


class LogCheck:
    """Walks one session's stored events in seq order (``feed``), then ``finish``:
    the first event changed, missing or out of place, or None."""

    def __init__(self, public_id: str, salt: str) -> None:
        self._salt = salt
        self._prev = genesis(public_id)
        self._next = 1
        self.broken: Broken | None = None

    def feed(self, events: Sequence[Event]) -> Broken | None:
        for event in events:
            if self.broken is not None:
                break
            if event.seq != self._next:
                self.broken = Broken(self._next, f"event {self._next} is missing from the log")
            elif event.chain_hash is None:
                self.broken = Broken(event.seq, f"event {event.seq} has no hash")
            else:
                expected = event_hash(event, self._prev, self._salt)
                if expected != event.chain_hash:
                    self.broken = Broken(
                        event.seq,
                        f"event {event.seq} was changed after it was written "
                        "(its content no longer matches its hash)",
                    )
                self._prev = expected
                self._next += 1
        return self.broken

    def finish(self, last_seq: int, head: str | None) -> Broken | None:
        """``last_seq`` and ``head``: the session row's newest seq and hash."""
        if self.broken is not None:
            return self.broken
        if last_seq >= self._next:
            self.broken = Broken(self._next, f"events {self._next} to {last_seq} are missing")
        elif last_seq < self._next - 1:
            self.broken = Broken(last_seq + 1, f"the session says its log ends at event {last_seq}")
        elif last_seq > 0 and head != self._prev:
            self.broken = Broken(
                last_seq, f"the session's newest hash is not that of event {last_seq}"
            )
        return self.broken


# A downloaded transcript ---------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptCheck:
    """What ``check_transcript`` found: the events that verified, the seqs left out of
    this copy (not an error: a customer's copy has no private lines), and the first
    event that does not verify, if any."""

    session: str
    checked: int
    omitted: list[tuple[int, int]] = field(default_factory=list)
    broken: Broken | None = None
    full: bool = False


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"This is not a Helpline transcript with a chain ({what}).")
    return value


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _frame_hash(frame: Mapping[str, Any], prev: str, salt: str | None) -> str:
    chain = frame["chain"]
    author = frame.get("author") or {}
    body = chain.get("body", frame.get("body"))
    name = chain.get("author", author.get("name"))
    open_ = open_text(
        frame.get("seq"),
        frame.get("at"),
        frame.get("kind"),
        frame.get("audience"),
        author.get("kind"),
        name,
        body,
    )
    if salt is None:
        sealed = _text(chain.get("sealed"), "an event has no sealed digest")
    else:
        to = frame.get("to") or {}
        sealed = sealed_digest(
            salt,
            _optional_int(to.get("id")),
            _optional_int(author.get("id")),
            frame.get("internal", {}),
            bool(frame.get("masked", False)),
            frame.get("client_id"),
        )
    return link(prev, sealed, open_)


def check_transcript(document: object) -> TranscriptCheck:
    """Check a ``transcript.json`` as downloaded: each event's hash is recomputed from
    what the file shows of it and its ``prev``; consecutive events must link, the first
    event of the log must follow the session's genesis, and the newest must be the
    chain's head. A seq missing between two events is reported as omitted, not as a
    change. ``InvalidInput`` for a file that is not a transcript with a chain."""
    if not isinstance(document, Mapping):
        raise InvalidInput("This is not a Helpline transcript (not a JSON object).")
    session = document.get("session")
    chain = document.get("chain")
    frames = document.get("events")
    if not isinstance(session, Mapping) or not isinstance(chain, Mapping):
        raise InvalidInput("This is not a Helpline transcript with a chain (no chain).")
    if not isinstance(frames, list):
        raise InvalidInput("This is not a Helpline transcript with a chain (no events).")
    public_id = _text(session.get("id"), "no session id")
    salt = chain.get("salt")
    salt = salt if isinstance(salt, str) else None
    last_seq = _optional_int(chain.get("last_seq")) or 0
    head = chain.get("head")
    omitted: list[tuple[int, int]] = []
    previous: tuple[int, str] = (0, genesis(public_id))
    checked = 0

    def result(broken: Broken | None) -> TranscriptCheck:
        return TranscriptCheck(public_id, checked, omitted, broken, full=salt is not None)

    for frame in frames:
        if not isinstance(frame, Mapping) or not isinstance(frame.get("chain"), Mapping):
            raise InvalidInput("This is not a Helpline transcript with a chain (an event).")
        seq = _optional_int(frame.get("seq"))
        if seq is None or seq <= previous[0]:
            return result(Broken(previous[0] + 1, "the events are out of order"))
        prev = _text(frame["chain"].get("prev"), "an event has no prev")
        stored = _text(frame["chain"].get("hash"), "an event has no hash")
        if seq > previous[0] + 1:
            omitted.append((previous[0] + 1, seq - 1))
        elif prev != previous[1]:
            return result(
                Broken(seq, f"event {seq} does not follow event {previous[0]}: one was changed")
                if previous[0]
                else Broken(seq, f"event {seq} does not start this session's chain")
            )
        try:
            expected = _frame_hash(frame, prev, salt)
        except (TypeError, ValueError, AttributeError) as error:
            raise InvalidInput(f"Event {seq} of this transcript is malformed ({error}).") from None
        if expected != stored:
            return result(
                Broken(
                    seq,
                    f"event {seq} was changed (its content no longer matches its hash)",
                )
            )
        checked += 1
        previous = (seq, stored)
    if last_seq > previous[0]:
        omitted.append((previous[0] + 1, last_seq))
    elif last_seq == previous[0] and last_seq and head != previous[1]:
        return result(Broken(last_seq, f"event {last_seq} is not the head of the chain"))
    return result(None)
