"""Chat lines and notes as people write them: who may send what, to whom.

The customer writes chat lines to everyone. A representative writes chat lines to
everyone, to the representatives, or privately to one colleague present in the
session, and session notes that only representatives read. What the customer may then
read of each is decided when the draft is sealed (``drafting.seal``).
"""

from __future__ import annotations

from collections.abc import Sequence

from helpline.domain.drafting import Draft, Wording
from helpline.domain.errors import Forbidden, InvalidInput
from helpline.domain.events import Audience, Author, AuthorKind, EventKind, Scalar
from helpline.domain.sessions import Attendee, find_attendee


def customer_line(author: Author, kind: str, text: str, to: object, client_id: str) -> Draft:
    if kind != EventKind.MESSAGE.value or to not in (None, "everyone"):
        raise Forbidden("Customers can only send chat messages to everyone.")
    return Draft(
        EventKind.MESSAGE, Audience.everyone(), author, Wording.literal(text), client_id=client_id
    )


def representative_line(
    author: Author,
    attendees: Sequence[Attendee],
    kind: str,
    text: str,
    to: object,
    client_id: str,
) -> Draft:
    """A line or note by ``author``, a representative already checked to be present."""
    assert author.kind is AuthorKind.REPRESENTATIVE
    if kind == EventKind.NOTE.value:
        audience = Audience.representatives()
        return Draft(EventKind.NOTE, audience, author, Wording.literal(text), client_id=client_id)
    if kind != EventKind.MESSAGE.value:
        raise InvalidInput("A message's kind is 'message' or 'note'.")
    internal: dict[str, Scalar] = {}
    if to in (None, "everyone"):
        audience = Audience.everyone()
    elif to == "representatives":
        audience = Audience.representatives()
    elif isinstance(to, int) and not isinstance(to, bool):
        target = find_attendee(attendees, to)
        if target is None or not target.present or target.rep_id == author.rep_id:
            raise InvalidInput("A private message goes to another representative in the session.")
        audience = Audience.one(to)
        internal["to_name"] = target.display_name
    else:
        raise InvalidInput("'to' is 'everyone', 'representatives' or a representative's id.")
    return Draft(
        EventKind.MESSAGE,
        audience,
        author,
        Wording.literal(text),
        internal=internal,
        client_id=client_id,
    )
