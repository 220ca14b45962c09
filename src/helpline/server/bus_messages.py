"""Bus messages decoded once per process, and an appended event's known before it is heard.

Why this exists: every socket of a process that follows a session hears the same bytes
for each message on its channel (the fan-out hands them all one object), so the message
and the event it carries are decoded once and kept for the others. A process that
publishes an appended event knows that event already: it keeps it under the bytes it
publishes, built as decoding them would build it, so its own sockets skip the decode
(about a tenth of a millisecond's share of each chat message) and see exactly what a
process hearing the bytes from Redis sees. Kept entries are read-only.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC

from helpline.domain.events import Event
from helpline.server import wire
from helpline.server.records import AnyBusMessage, EventAppended

# Enough for every message in flight between publishing and the last socket's turn.
KEPT = 1024

Decoded = tuple[AnyBusMessage | None, Event | None]

_kept: OrderedDict[bytes, Decoded] = OrderedDict()


def decoded(data: bytes) -> Decoded:
    """A bus message and the event it carries (None for other kinds); None for a kind
    this process does not know."""
    found = _kept.get(data)
    if found is not None:
        return found
    payload = wire.read_message(data)
    event = wire.event_from_record(payload.e) if isinstance(payload, EventAppended) else None
    return _keep(data, (payload, event))


def event_appended(event: Event) -> bytes:
    """The bytes to publish for ``event``, kept decoded."""
    message = EventAppended(e=wire.event_record(event))
    data = wire.message_bytes(message)
    _keep(data, (message, as_heard(event)))
    return data


def as_heard(event: Event) -> Event:
    """``event`` as a process decodes it from its bus message: the time to the
    millisecond in UTC, plain dicts, no chain hash (the message carries none)."""
    at = event.created_at.astimezone(UTC)
    return Event(
        session_id=event.session_id,
        seq=event.seq,
        created_at=at.replace(microsecond=at.microsecond // 1000 * 1000),
        kind=event.kind,
        audience=event.audience,
        author=event.author,
        body=dict(event.body),
        internal=dict(event.internal),
        reveals_masked=event.reveals_masked,
        client_id=event.client_id,
    )


def _keep(data: bytes, entry: Decoded) -> Decoded:
    _kept[data] = entry
    if len(_kept) > KEPT:
        _kept.popitem(last=False)
    return entry
