"""What a socket keeps of each session it follows.

Why this exists: ``gateway.Connection`` holds one ``Followed`` per session, and the
bus routing and screen sharing read it through the connection; it is state, not
behaviour, so it sits apart from the code that keeps it current.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpline.domain.sessions import Attendee, SupportSession


@dataclass
class Followed:
    """A session this socket follows: what it has sent, and the session's state.

    ``session`` and ``attendees`` are read when the socket subscribes and again
    whenever the bus says the session changed (or that messages were lost), so a
    message sent into a followed session is checked without reading the store.
    """

    session: SupportSession
    attendees: list[Attendee]
    last_sent: int

    @property
    def public_id(self) -> str:
        return self.session.public_id
