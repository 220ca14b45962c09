"""Rows: the one mapping between ``Event`` and the ``events`` table's columns, and
between ``ClientInfo`` and the session's ``client_*`` columns.

Shared by ``SqlStore`` (reads, notes), ``AppendWriter`` (batched appends) and the
agent's attach (store/agent_links.py), so a value is stored and read back the same way
whichever of them wrote it.
"""

from __future__ import annotations

from typing import Any

from helpline.domain.events import Audience, AudienceKind, Author, AuthorKind, Event, EventKind
from helpline.domain.sessions import ClientApp, ClientInfo


def client_values(client: ClientInfo) -> dict[str, Any]:
    return {
        "client_os": client.os,
        "client_browser": client.browser,
        "client_kernel": client.kernel,
        "client_arch": client.arch,
        "client_host": client.host,
        "client_user": client.user,
        "client_app": client.app.value,
    }


def client_from_row(row: Any) -> ClientInfo:
    """The ``ClientInfo`` of a ``sessions`` row; an app this version does not know (a
    newer one wrote it) reads as a browser."""
    app = ClientApp.AGENT if row.client_app == ClientApp.AGENT.value else ClientApp.BROWSER
    return ClientInfo(
        os=row.client_os,
        browser=row.client_browser,
        kernel=row.client_kernel,
        arch=row.client_arch,
        host=row.client_host,
        user=row.client_user,
        app=app,
    )


def event_values(event: Event) -> dict[str, Any]:
    return {
        "session_id": event.session_id,
        "seq": event.seq,
        "created_at": event.created_at,
        "kind": event.kind.value,
        "audience_kind": event.audience.kind.value,
        "audience_rep_id": event.audience.rep_id,
        "author_kind": event.author.kind.value,
        "author_rep_id": event.author.rep_id,
        "author_name": event.author.name,
        "author_key": event.author.key,
        "body": dict(event.body),
        "internal": dict(event.internal),
        "reveals_masked": event.reveals_masked,
        "client_id": event.client_id,
    }


def event_from_row(row: Any) -> Event:
    """An ``Event`` from a row of ``events`` (any object with the columns as attributes)."""
    return Event(
        session_id=row.session_id,
        seq=row.seq,
        created_at=row.created_at,
        kind=EventKind(row.kind),
        audience=Audience(AudienceKind(row.audience_kind), row.audience_rep_id),
        author=Author(AuthorKind(row.author_kind), row.author_name, row.author_rep_id),
        body=row.body,
        internal=row.internal,
        reveals_masked=bool(row.reveals_masked),
        client_id=row.client_id,
    )


def searchable_text(event: Event) -> str | None:
    """The text an event adds to its session's search index: a message's, a note's or a
    status note's ``text``."""
    body_text = event.body.get("text")
    if isinstance(body_text, str) and body_text.strip():
        return body_text
    return None
