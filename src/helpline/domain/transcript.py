"""The chat log as text: the session details header, then the log as one viewer sees it.

The customer's copy and a representative's copy differ: callers pass events already
filtered by ``helpline.domain.visibility``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

from helpline.domain.events import AudienceKind, Event, EventKind
from helpline.domain.sessions import ClientApp, ClientInfo, SupportSession

APP_NAMES = {ClientApp.BROWSER: "Web browser", ClientApp.AGENT: "Helpline agent"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def header_lines(session: SupportSession, portal_name: str | None) -> list[str]:
    lines = [
        "Helpline chat log",
        f"Session ID: {session.public_id}",
        f"Portal: {portal_name or 'Session code'}",
        f"Started: {_stamp(session.started_at)}",
        f"Customer: {session.customer_name}",
        f"Query: {session.query or '(none)'}",
        *computer_lines(session.client),
    ]
    if session.ended_at is not None:
        lines.append(f"Ended: {_stamp(session.ended_at)} by {session.ended_by or 'unknown'}")
    return lines


def computer_details(client: ClientInfo) -> list[tuple[str, str]]:
    """The customer's computer as labelled details, those nobody reported left out: the
    same rows as the console's Details pane."""
    details = [
        ("Operating system", client.os),
        ("Kernel", client.kernel),
        ("Architecture", client.arch),
        ("Host name", client.host),
        ("User", client.user),
        ("Browser", client.browser),
    ]
    shown = [(label, value) for label, value in details if value]
    return [*shown, ("Connected with", APP_NAMES[client.app])]


def computer_lines(client: ClientInfo) -> list[str]:
    return [f"{label}: {value}" for label, value in computer_details(client)]


def event_line(event: Event) -> str:
    time = event.created_at.astimezone(UTC).strftime("%H:%M:%S")
    text = str(event.body.get("text", ""))
    if event.kind in (EventKind.STATUS, EventKind.CONSENT_REQUESTED, EventKind.CONSENT_ANSWERED):
        return f"[{time}] * {text}"
    label = event.author.name
    if event.kind is EventKind.NOTE:
        label += " (note)"
    elif event.audience.kind is AudienceKind.REPRESENTATIVES:
        label += " (to representatives)"
    elif event.audience.kind is AudienceKind.ONE:
        label += f" (private to {event.internal.get('to_name', 'a representative')})"
    return f"[{time}] {label}: {text}"


def render_text(session: SupportSession, portal_name: str | None, events: Iterable[Event]) -> str:
    lines = header_lines(session, portal_name)
    lines.append("-" * 60)
    lines.extend(event_line(event) for event in events)
    return "\n".join(lines) + "\n"


def render_html(session: SupportSession, portal_name: str | None, events: Iterable[Event]) -> str:
    """A standalone HTML page of the chat log; every value is escaped."""
    header = header_lines(session, portal_name)
    rows = []
    for event in events:
        css = "status" if event.kind is not EventKind.MESSAGE else "message"
        if event.kind is EventKind.NOTE:
            css = "note"
        elif event.audience.kind is not AudienceKind.EVERYONE:
            css += " private"
        time = event.created_at.astimezone(UTC).strftime("%H:%M:%S")
        line = event_line(event).split("] ", 1)[1]
        rows.append(
            f'<li class="{css}"><time datetime="{escape(event.created_at.isoformat())}">'
            f"{time}</time> {escape(line)}</li>"
        )
    details = "".join(f"<li>{escape(line)}</li>" for line in header[1:])
    title = escape(f"Chat log {session.public_id}")
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;"
        "padding:0 1rem}ul{list-style:none;padding:0}.status{color:#555;font-style:italic}"
        ".private,.note{background:#fff6d5}time{color:#777;margin-right:.5rem}</style>"
        f'</head><body><h1>{title}</h1><ul class="details">{details}</ul><hr>'
        f'<ol class="log">{"".join(rows)}</ol></body></html>\n'
    )
