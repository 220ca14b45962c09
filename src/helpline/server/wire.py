"""The one place that turns domain objects into wire frames, and bus payloads back.

Two shapes live here. *Records* are the complete internal form of an event or a
session, published on the bus between server processes; they include what only some
viewers may see. *Frames* are what one viewer receives, made only from what
``helpline.domain.visibility`` lets through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

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

JsonDict = dict[str, Any]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def dumps(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


# Records: the complete form, for the bus ------------------------------------------


def event_record(event: Event) -> JsonDict:
    return {
        "sid": event.session_id,
        "seq": event.seq,
        "at": iso(event.created_at),
        "kind": event.kind.value,
        "aud": event.audience.kind.value,
        "aud_rep": event.audience.rep_id,
        "ak": event.author.kind.value,
        "aid": event.author.rep_id,
        "an": event.author.name,
        "body": dict(event.body),
        "int": dict(event.internal),
        "rm": event.reveals_masked,
        "cid": event.client_id,
    }


def event_from_record(record: Mapping[str, Any]) -> Event:
    return Event(
        session_id=int(record["sid"]),
        seq=int(record["seq"]),
        created_at=parse_iso(record["at"]),
        kind=EventKind(record["kind"]),
        audience=Audience(AudienceKind(record["aud"]), record["aud_rep"]),
        author=Author(AuthorKind(record["ak"]), record["an"], record["aid"]),
        body=record["body"],
        internal=record["int"],
        reveals_masked=bool(record["rm"]),
        client_id=record["cid"],
    )


def session_record(session: SupportSession, attendees: Iterable[Attendee]) -> JsonDict:
    return {
        "id": session.id,
        "public_id": session.public_id,
        "portal_id": session.portal_id,
        "status": session.status.value,
        "started_at": iso(session.started_at),
        "customer_name": session.customer_name,
        "query": session.query,
        "os": session.client.os,
        "browser": session.client.browser,
        "kernel": session.client.kernel,
        "arch": session.client.arch,
        "host": session.client.host,
        "user": session.client.user,
        "app": session.client.app.value,
        "online": session.customer_online,
        "primary_rep_id": session.primary_rep_id,
        "ended_at": iso(session.ended_at) if session.ended_at else None,
        "ended_by": session.ended_by,
        "extra": [list(pair) for pair in session.extra],
        "outcome": session.outcome.value if session.outcome else None,
        "end_notes": session.end_notes,
        "attendees": [
            {
                "rep_id": a.rep_id,
                "name": a.display_name,
                "role": a.role.value,
                "masked": a.masked,
                "present": a.present,
                "joined_at": iso(a.joined_at),
            }
            for a in attendees
        ],
    }


def session_from_record(record: Mapping[str, Any]) -> tuple[SupportSession, list[Attendee]]:
    session = SupportSession(
        id=int(record["id"]),
        public_id=record["public_id"],
        portal_id=record["portal_id"],
        status=SessionStatus(record["status"]),
        started_at=parse_iso(record["started_at"]),
        customer_name=record["customer_name"],
        query=record["query"],
        client=ClientInfo(
            os=record["os"],
            browser=record["browser"],
            # Records from a process that predates the agent lack these.
            kernel=record.get("kernel", ""),
            arch=record.get("arch", ""),
            host=record.get("host", ""),
            user=record.get("user", ""),
            app=ClientApp.AGENT
            if record.get("app") == ClientApp.AGENT.value
            else ClientApp.BROWSER,
        ),
        primary_rep_id=record["primary_rep_id"],
        ended_at=parse_iso(record["ended_at"]) if record["ended_at"] else None,
        ended_by=record["ended_by"],
        extra=tuple((k, v) for k, v in record["extra"]),
        outcome=Outcome(record["outcome"]) if record.get("outcome") else None,
        end_notes=record.get("end_notes", ""),
        customer_online=bool(record.get("online", False)),
    )
    attendees = [
        Attendee(
            rep_id=a["rep_id"],
            display_name=a["name"],
            role=AttendeeRole(a["role"]),
            masked=a["masked"],
            present=a["present"],
            joined_at=parse_iso(a["joined_at"]),
        )
        for a in record["attendees"]
    ]
    return session, attendees


# Frames: one viewer's copy ------------------------------------------------------------


def event_frame_body(viewer: Viewer, event: Event) -> JsonDict | None:
    """The ``Event`` object of the protocol, or None if ``viewer`` may not see it."""
    seen = view(viewer, event)
    if seen is None:
        return None
    author: JsonDict = {"kind": seen.author.kind.value, "name": seen.author.name}
    if seen.author.rep_id is not None:
        author["id"] = seen.author.rep_id
    frame: JsonDict = {
        "seq": seen.seq,
        "at": iso(seen.created_at),
        "kind": seen.kind.value,
        "audience": seen.audience.kind.value,
        "author": author,
        "body": dict(seen.body),
    }
    if seen.audience.kind is AudienceKind.ONE:
        frame["to"] = {"id": seen.audience.rep_id, "name": seen.internal.get("to_name")}
    if not viewer.is_customer:
        frame["internal"] = dict(seen.internal)
        frame["masked"] = seen.reveals_masked
    if seen.client_id is not None:
        frame["client_id"] = seen.client_id
    return frame


def session_frame_body(
    viewer: Viewer,
    session: SupportSession,
    attendees: Iterable[Attendee],
    portal: Portal | None,
) -> JsonDict:
    """The ``Session`` object of the protocol as ``viewer`` may see it."""
    shown = []
    for attendee in visible_attendees(viewer, attendees):
        item: JsonDict = {"name": attendee.display_name, "role": attendee.role.value}
        if not viewer.is_customer:
            item.update(id=attendee.rep_id, masked=attendee.masked, present=attendee.present)
        shown.append(item)
    body: JsonDict = {
        "id": session.public_id,
        "status": session.status.value,
        "started_at": iso(session.started_at),
        "portal": {"slug": portal.slug, "name": portal.name} if portal else None,
        "customer": customer_body(session),
        "query": session.query,
        "fields": dict(session.extra),
        "attendees": shown,
        "ended_at": iso(session.ended_at) if session.ended_at else None,
        "ended_by": session.ended_by,
    }
    if not viewer.is_customer:
        body["outcome"] = session.outcome.value if session.outcome else None
        body["end_notes"] = session.end_notes
    return body


def customer_body(session: SupportSession) -> JsonDict:
    """The customer in the ``Session`` object: their name, their computer as far as we
    know it ("" for what nobody reported), what they use, and whether they are online.
    The customer's own copy has the same: it is their computer."""
    client = session.client
    return {
        "name": session.customer_name,
        "os": client.os,
        "browser": client.browser,
        "kernel": client.kernel,
        "arch": client.arch,
        "host": client.host,
        "user": client.user,
        "app": client.app.value,
        "online": session.customer_online,
    }


def me_body(rep: Representative) -> JsonDict:
    return {
        "id": rep.id,
        "username": rep.username,
        "name": rep.display_name,
        "role": rep.role.value,
        "preferences": rep.preferences.as_dict(),
        "max_concurrent_sessions": rep.max_concurrent_sessions,
    }


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
