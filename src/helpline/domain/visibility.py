"""What a viewer may see of a session: the one place that decides.

Live delivery, replay, the events route, transcripts, the session copy, attendee
lists, the file list and every file body call these functions. The customer never
receives a private line, a session note, an internal detail, or anything written by
or naming a masked representative (what an event reveals is decided once, when it is
drafted: ``helpline.domain.drafting``); a representative never receives another
pair's private line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from helpline.domain.drafting import ANONYMOUS, for_representatives
from helpline.domain.events import AudienceKind, Author, AuthorKind, Body, Event, EventKind
from helpline.domain.files import FileAudience, SharedFile
from helpline.domain.sessions import Attendee, find_attendee
from helpline.domain.viewers import Viewer, ViewerKind

__all__ = [
    "Viewer",
    "ViewerKind",
    "can_see",
    "can_see_file",
    "file_view",
    "view",
    "view_log",
    "visible_attendees",
]


def can_see(viewer: Viewer, event: Event) -> bool:
    if viewer.is_customer:
        return (
            event.audience.kind is AudienceKind.EVERYONE
            and not event.reveals_masked
            and event.kind is not EventKind.NOTE
        )
    if event.audience.kind is AudienceKind.ONE:
        return viewer.rep_id in (event.audience.rep_id, event.author.rep_id)
    return True


def _author_for_customer(author: Author) -> Author:
    # The customer knows representatives by display name only.
    if author.kind is AuthorKind.REPRESENTATIVE:
        return Author(AuthorKind.REPRESENTATIVE, author.name)
    return author


def view(viewer: Viewer, event: Event) -> Event | None:
    """The event as ``viewer`` may see it, or ``None`` if they may not see it at all."""
    if not can_see(viewer, event):
        return None
    if not viewer.is_customer:
        author, body = for_representatives(event.author, event.body, event.internal)
        return _seen(event, author, body, event.internal, event.client_id)
    own = event.author.kind is AuthorKind.CUSTOMER
    return _seen(
        event,
        _author_for_customer(event.author),
        event.body,
        {},
        event.client_id if own else None,
    )


def _seen(event: Event, author: Author, body: Body, internal: Body, client_id: str | None) -> Event:
    """A viewer's copy, every field named: a field added to ``Event`` reaches no viewer
    until it is named here (``dataclasses.replace`` would pass it to all of them), and
    this runs for every event delivered to every socket, at half of replace's cost."""
    return Event(
        session_id=event.session_id,
        seq=event.seq,
        created_at=event.created_at,
        kind=event.kind,
        audience=event.audience,
        author=author,
        body=body,
        internal=internal,
        reveals_masked=event.reveals_masked,
        client_id=client_id,
        chain_hash=event.chain_hash,
    )


def view_log(viewer: Viewer, events: Iterable[Event]) -> list[Event]:
    seen = (view(viewer, event) for event in events)
    return [event for event in seen if event is not None]


def visible_attendees(viewer: Viewer, attendees: Iterable[Attendee]) -> list[Attendee]:
    """Attendees shown to ``viewer``: the customer sees present, unmasked ones only."""
    if viewer.is_customer:
        return [a for a in attendees if a.present and not a.masked]
    return list(attendees)


def can_see_file(viewer: Viewer, file: SharedFile) -> bool:
    """The customer sees files sent to them and their own; representatives see all."""
    if viewer.is_customer:
        return file.audience is FileAudience.CUSTOMER or file.from_customer
    return True


def file_view(viewer: Viewer, file: SharedFile, attendees: Iterable[Attendee]) -> SharedFile | None:
    """The file as ``viewer`` may see it: to the customer, a file from a masked
    representative (or one no longer among the attendees) is from "A representative"."""
    if not can_see_file(viewer, file):
        return None
    if not viewer.is_customer or file.sender.rep_id is None:
        return file
    sender = find_attendee(attendees, file.sender.rep_id)
    name = file.sender.name if sender is not None and not sender.masked else ANONYMOUS
    return replace(
        file, sender=Author(AuthorKind.REPRESENTATIVE, name), answered_by=None, stored_as=""
    )
