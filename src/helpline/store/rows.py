"""Rows: the one mapping between each domain object and the columns of its table.

Shared by the parts of ``SqlStore`` (store/accounts.py, sessions.py, ...), the
``AppendWriter`` (batched appends) and the agent's attach (store/agent_links.py), so a
value is stored and read back the same way whichever of them wrote it. Each
``*_from_row`` takes a row of its table (any object with the columns as attributes:
SQLAlchemy's rows or the ``Reader``'s); each ``*_values`` gives the columns to insert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

from helpline.domain.codes import SessionCode
from helpline.domain.consent import ConsentKind, ConsentRequest, ConsentState
from helpline.domain.events import Audience, AudienceKind, Author, AuthorKind, Event, EventKind
from helpline.domain.files import FileAudience, FileState, SharedFile
from helpline.domain.invitations import Invitation, InvitationKind, InvitationState
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import Portal, PortalField
from helpline.domain.scripts import Script, ScriptCategory, ScriptKind
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    ClientApp,
    ClientInfo,
    Outcome,
    SessionStatus,
    SupportSession,
)

_PREFERENCE_NAMES = frozenset(f.name for f in dataclass_fields(Preferences))


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
        "chain_hash": event.chain_hash,
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
        chain_hash=row.chain_hash,
    )


def searchable_text(event: Event) -> str | None:
    """The text an event adds to its session's search index: a message's, a note's or a
    status note's ``text``."""
    body_text = event.body.get("text")
    if isinstance(body_text, str) and body_text.strip():
        return body_text
    return None


def representative_from_row(row: Any) -> Representative:
    return Representative(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        preferences=_preferences(row.preferences),
        max_concurrent_sessions=row.max_concurrent_sessions,
        active=bool(row.active),
    )


def _preferences(stored: Mapping[str, Any] | None) -> Preferences:
    # Names this version does not know (written by a newer one) are left out.
    known = {k: v for k, v in (stored or {}).items() if k in _PREFERENCE_NAMES}
    return Preferences(**known)


def portal_from_row(row: Any) -> Portal:
    return Portal(
        id=row.id,
        slug=row.slug,
        name=row.name,
        fields=_portal_fields(row.fields),
        greeting=row.greeting,
    )


def _portal_fields(stored: str) -> tuple[PortalField, ...]:
    return tuple(PortalField(name) for name in stored.split(",") if name)


def session_from_row(row: Any) -> SupportSession:
    return SupportSession(
        id=row.id,
        public_id=row.public_id,
        portal_id=row.portal_id,
        status=SessionStatus(row.status),
        started_at=row.started_at,
        customer_name=row.customer_name,
        query=row.query,
        client=client_from_row(row),
        primary_rep_id=row.primary_rep_id,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        extra=tuple((str(k), str(v)) for k, v in (row.extra or {}).items()),
        outcome=None if row.outcome is None else Outcome(row.outcome),
        end_notes=row.end_notes,
        customer_online=bool(row.customer_online),
    )


def attendee_from_row(row: Any) -> Attendee:
    return Attendee(
        rep_id=row.rep_id,
        display_name=row.display_name,
        role=AttendeeRole(row.role),
        masked=bool(row.masked),
        present=bool(row.present),
        joined_at=row.joined_at,
    )


def code_from_row(row: Any) -> SessionCode:
    return SessionCode(
        code=row.code,
        rep_id=row.rep_id,
        portal_id=row.portal_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        link_hash=row.link_hash,
    )


def invitation_values(invitation: Invitation) -> dict[str, Any]:
    return {
        "session_id": invitation.session_id,
        "kind": invitation.kind.value,
        "from_rep_id": invitation.from_rep_id,
        "from_name": invitation.from_name,
        "to_rep_id": invitation.to_rep_id,
        "to_portal_id": invitation.to_portal_id,
        "masked": invitation.masked,
        "comment": invitation.comment,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "state": invitation.state.value,
        "answered_by": invitation.answered_by,
    }


def invitation_from_row(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        session_id=row.session_id,
        kind=InvitationKind(row.kind),
        from_rep_id=row.from_rep_id,
        from_name=row.from_name,
        to_rep_id=row.to_rep_id,
        to_portal_id=row.to_portal_id,
        masked=bool(row.masked),
        comment=row.comment,
        created_at=row.created_at,
        expires_at=row.expires_at,
        state=InvitationState(row.state),
        answered_by=row.answered_by,
    )


def script_category_from_row(row: Any) -> ScriptCategory:
    return ScriptCategory(
        id=row.id,
        kind=ScriptKind(row.kind),
        owner_rep_id=row.owner_rep_id,
        name=row.name,
        position=row.position,
    )


def script_from_row(row: Any) -> Script:
    return Script(
        id=row.id,
        category_id=row.category_id,
        title=row.title,
        text=row.text,
        position=row.position,
    )


def file_values(file: SharedFile) -> dict[str, Any]:
    return {
        "session_id": file.session_id,
        "name": file.name,
        "size": file.size,
        "sha256": file.sha256,
        "content_type": file.content_type,
        "audience": file.audience.value,
        "sender_kind": file.sender.kind.value,
        "sender_rep_id": file.sender.rep_id,
        "sender_name": file.sender.name,
        "created_at": file.created_at,
        "state": file.state.value,
        "answered_by": file.answered_by,
        "stored_as": file.stored_as,
    }


def file_from_row(row: Any) -> SharedFile:
    return SharedFile(
        id=row.id,
        session_id=row.session_id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        audience=FileAudience(row.audience),
        sender=Author(AuthorKind(row.sender_kind), row.sender_name, row.sender_rep_id),
        created_at=row.created_at,
        state=FileState(row.state),
        answered_by=row.answered_by,
        stored_as=row.stored_as,
    )


def consent_from_row(row: Any) -> ConsentRequest:
    return ConsentRequest(
        id=row.id,
        kind=ConsentKind(row.kind),
        requested_by=row.requested_by,
        requested_by_name=row.requested_by_name,
        state=ConsentState(row.state),
    )
