"""The one place that turns domain objects into wire frames, and bus payloads back.

Two shapes live here. *Records* are the complete internal form of an event or a
session, published on the bus between server processes; they include what only some
viewers may see (``records.py`` declares them). *Frames* are what one viewer receives,
made only from what ``helpline.domain.visibility`` lets through (``server_frames.py``
declares them: the customer's copies are types without a field for what only
representatives read). Both are encoded here with msgspec; the HTTP answers that hold
the same objects take them as plain dicts (``as_dict``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from helpline.domain.codes import SessionCode
from helpline.domain.events import (
    Audience,
    AudienceKind,
    Author,
    AuthorKind,
    Event,
    EventKind,
)
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    ClientApp,
    ClientInfo,
    Outcome,
    SessionStatus,
    SupportSession,
)
from helpline.domain.visibility import Viewer, view, visible_attendees
from helpline.protocol.server_frames import (
    AuthorBody,
    CustomerAttendee,
    CustomerAuthor,
    CustomerBody,
    CustomerEvent,
    CustomerSession,
    EventBody,
    MeBody,
    PortalBody,
    RecipientBody,
    RepAttendee,
    RepEvent,
    RepSession,
    ServerFrame,
    SessionBody,
)
from helpline.server.records import (
    AnyBusMessage,
    AttendeeRecord,
    BusMessage,
    EventRecord,
    SessionRecord,
)

JsonDict = dict[str, Any]

_ENCODER = msgspec.json.Encoder()
_BUS_DECODER: msgspec.json.Decoder[AnyBusMessage] = msgspec.json.Decoder(AnyBusMessage)


@functools.lru_cache(maxsize=1024)
def iso(moment: datetime) -> str:
    """A moment as the protocol writes it. Kept for the last moments formatted: one
    event's time is written for the bus and again for every socket it is delivered
    to, and formatting costs several times a lookup."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def dumps(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def frame_text(frame: ServerFrame) -> str:
    """A frame as the text of one WebSocket message."""
    return _ENCODER.encode(frame).decode()


def message_bytes(message: BusMessage) -> bytes:
    """A bus message as the bytes published on a channel."""
    return _ENCODER.encode(message)


def read_message(data: bytes) -> AnyBusMessage | None:
    """A bus message, or None for one this process does not know (a newer process
    may publish kinds this one predates): it is not for this process's sockets."""
    try:
        return _BUS_DECODER.decode(data)
    except msgspec.ValidationError:
        return None


def as_dict(body: msgspec.Struct) -> JsonDict:
    """An object of the protocol as the HTTP answers hold it: a plain dict."""
    value: JsonDict = msgspec.to_builtins(body)
    return value


# Records: the complete form, for the bus ------------------------------------------


def event_record(event: Event) -> EventRecord:
    return EventRecord(
        sid=event.session_id,
        seq=event.seq,
        at=iso(event.created_at),
        kind=event.kind.value,
        aud=event.audience.kind.value,
        aud_rep=event.audience.rep_id,
        ak=event.author.kind.value,
        aid=event.author.rep_id,
        an=event.author.name,
        body=dict(event.body),
        internal=dict(event.internal),
        rm=event.reveals_masked,
        cid=event.client_id,
    )


def event_from_record(record: EventRecord) -> Event:
    return Event(
        session_id=record.sid,
        seq=record.seq,
        created_at=parse_iso(record.at),
        kind=EventKind(record.kind),
        audience=Audience(AudienceKind(record.aud), record.aud_rep),
        author=Author(AuthorKind(record.ak), record.an, record.aid),
        body=record.body,
        internal=record.internal,
        reveals_masked=record.rm,
        client_id=record.cid,
    )


def session_record(session: SupportSession, attendees: Iterable[Attendee]) -> SessionRecord:
    return SessionRecord(
        id=session.id,
        public_id=session.public_id,
        portal_id=session.portal_id,
        status=session.status.value,
        started_at=iso(session.started_at),
        customer_name=session.customer_name,
        query=session.query,
        os=session.client.os,
        browser=session.client.browser,
        kernel=session.client.kernel,
        arch=session.client.arch,
        host=session.client.host,
        user=session.client.user,
        app=session.client.app.value,
        online=session.customer_online,
        primary_rep_id=session.primary_rep_id,
        ended_at=iso(session.ended_at) if session.ended_at else None,
        ended_by=session.ended_by,
        extra=[(key, value) for key, value in session.extra],
        outcome=session.outcome.value if session.outcome else None,
        end_notes=session.end_notes,
        attendees=[
            AttendeeRecord(
                rep_id=a.rep_id,
                name=a.display_name,
                role=a.role.value,
                masked=a.masked,
                present=a.present,
                joined_at=iso(a.joined_at),
            )
            for a in attendees
        ],
    )


def session_from_record(record: SessionRecord) -> tuple[SupportSession, list[Attendee]]:
    session = SupportSession(
        id=record.id,
        public_id=record.public_id,
        portal_id=record.portal_id,
        status=SessionStatus(record.status),
        started_at=parse_iso(record.started_at),
        customer_name=record.customer_name,
        query=record.query,
        client=ClientInfo(
            os=record.os,
            browser=record.browser,
            kernel=record.kernel,
            arch=record.arch,
            host=record.host,
            user=record.user,
            app=ClientApp.AGENT if record.app == ClientApp.AGENT.value else ClientApp.BROWSER,
        ),
        primary_rep_id=record.primary_rep_id,
        ended_at=parse_iso(record.ended_at) if record.ended_at else None,
        ended_by=record.ended_by,
        extra=tuple((k, v) for k, v in record.extra),
        outcome=Outcome(record.outcome) if record.outcome else None,
        end_notes=record.end_notes,
        customer_online=record.online,
    )
    attendees = [
        Attendee(
            rep_id=a.rep_id,
            display_name=a.name,
            role=AttendeeRole(a.role),
            masked=a.masked,
            present=a.present,
            joined_at=parse_iso(a.joined_at),
        )
        for a in record.attendees
    ]
    return session, attendees


# Frames: one viewer's copy ------------------------------------------------------------


def event_view(viewer: Viewer, event: Event) -> EventBody | None:
    """The ``Event`` object of the protocol, or None if ``viewer`` may not see it."""
    seen = view(viewer, event)
    if seen is None:
        return None
    client_id = msgspec.UNSET if seen.client_id is None else seen.client_id
    if viewer.is_customer:
        return CustomerEvent(
            seq=seen.seq,
            at=iso(seen.created_at),
            kind=seen.kind.value,
            audience=seen.audience.kind.value,
            author=CustomerAuthor(seen.author.kind.value, seen.author.name),
            body=dict(seen.body),
            client_id=client_id,
        )
    author = AuthorBody(seen.author.kind.value, seen.author.name)
    if seen.author.rep_id is not None:
        author.id = seen.author.rep_id
    frame = RepEvent(
        seq=seen.seq,
        at=iso(seen.created_at),
        kind=seen.kind.value,
        audience=seen.audience.kind.value,
        author=author,
        body=dict(seen.body),
        internal=dict(seen.internal),
        masked=seen.reveals_masked,
        client_id=client_id,
    )
    if seen.audience.kind is AudienceKind.ONE:
        frame.to = RecipientBody(seen.audience.rep_id, seen.internal.get("to_name"))
    return frame


def event_frame_body(viewer: Viewer, event: Event) -> JsonDict | None:
    """``event_view`` as the HTTP answers hold it."""
    seen = event_view(viewer, event)
    return None if seen is None else as_dict(seen)


def session_view(
    viewer: Viewer,
    session: SupportSession,
    attendees: Iterable[Attendee],
    portal: Portal | None,
) -> SessionBody:
    """The ``Session`` object of the protocol as ``viewer`` may see it."""
    shown = visible_attendees(viewer, attendees)
    started_at = iso(session.started_at)
    portal_body = PortalBody(portal.slug, portal.name) if portal else None
    ended_at = iso(session.ended_at) if session.ended_at else None
    if viewer.is_customer:
        return CustomerSession(
            id=session.public_id,
            status=session.status.value,
            started_at=started_at,
            portal=portal_body,
            customer=customer_body(session),
            query=session.query,
            fields=dict(session.extra),
            attendees=[CustomerAttendee(a.display_name, a.role.value) for a in shown],
            ended_at=ended_at,
            ended_by=session.ended_by,
        )
    return RepSession(
        id=session.public_id,
        status=session.status.value,
        started_at=started_at,
        portal=portal_body,
        customer=customer_body(session),
        query=session.query,
        fields=dict(session.extra),
        attendees=[
            RepAttendee(a.display_name, a.role.value, a.rep_id, a.masked, a.present) for a in shown
        ],
        ended_at=ended_at,
        ended_by=session.ended_by,
        outcome=session.outcome.value if session.outcome else None,
        end_notes=session.end_notes,
    )


def session_frame_body(
    viewer: Viewer,
    session: SupportSession,
    attendees: Iterable[Attendee],
    portal: Portal | None,
) -> JsonDict:
    """``session_view`` as the HTTP answers hold it."""
    return as_dict(session_view(viewer, session, attendees, portal))


def customer_body(session: SupportSession) -> CustomerBody:
    """The customer in the ``Session`` object: their name, their computer as far as we
    know it ("" for what nobody reported), what they use, and whether they are online.
    The customer's own copy has the same: it is their computer."""
    client = session.client
    return CustomerBody(
        name=session.customer_name,
        os=client.os,
        browser=client.browser,
        kernel=client.kernel,
        arch=client.arch,
        host=client.host,
        user=client.user,
        app=client.app.value,
        online=session.customer_online,
    )


def me_view(rep: Representative) -> MeBody:
    return MeBody(
        id=rep.id,
        username=rep.username,
        name=rep.display_name,
        role=rep.role.value,
        preferences=dict(rep.preferences.as_dict()),
        max_concurrent_sessions=rep.max_concurrent_sessions,
    )


def me_body(rep: Representative) -> JsonDict:
    """``me_view`` as the HTTP answers hold it."""
    return as_dict(me_view(rep))


def code_body(code: SessionCode, base_url: str, link: str | None = None) -> JsonDict:
    """``join_url`` opens the join page with the digits filled in; ``join_link`` also
    carries the link's secret (after ``#``, which browsers never send to a server, so it
    stays out of access logs). Only the answer that made the code has the secret."""
    return {
        "code": code.code,
        "expires_at": iso(code.expires_at),
        "join_url": f"{base_url}/join/{code.code}",
        "join_link": f"{base_url}/join/{code.code}#link={link}" if link else None,
    }


def error_body(code: str, message: str) -> JsonDict:
    return {"code": code, "message": message}
