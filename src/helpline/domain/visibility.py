"""What a viewer may see of a session: the one place that decides.

Live delivery, replay, transcripts and attendee lists all call these functions. The
customer never receives a private line, a session note, an internal detail, or
anything written by or naming a masked representative; a representative never
receives another pair's private line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.domain.events import AudienceKind, Author, AuthorKind, Event, EventKind
from helpline.domain.sessions import Attendee


class ViewerKind(StrEnum):
    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    rep_id: int | None = None

    @classmethod
    def customer(cls) -> Viewer:
        return cls(ViewerKind.CUSTOMER)

    @classmethod
    def representative(cls, rep_id: int) -> Viewer:
        return cls(ViewerKind.REPRESENTATIVE, rep_id)

    @property
    def is_customer(self) -> bool:
        return self.kind is ViewerKind.CUSTOMER


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
        return event
    own = event.author.kind is AuthorKind.CUSTOMER
    return replace(
        event,
        author=_author_for_customer(event.author),
        internal={},
        client_id=event.client_id if own else None,
    )


def view_log(viewer: Viewer, events: Iterable[Event]) -> list[Event]:
    seen = (view(viewer, event) for event in events)
    return [event for event in seen if event is not None]


def visible_attendees(viewer: Viewer, attendees: Iterable[Attendee]) -> list[Attendee]:
    """Attendees shown to ``viewer``: the customer sees present, unmasked ones only."""
    if viewer.is_customer:
        return [a for a in attendees if a.present and not a.masked]
    return list(attendees)
