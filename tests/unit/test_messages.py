"""Who may write what, to whom: the customer to everyone; a representative to
everyone, to colleagues, privately to one present colleague, or as a session note."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpline.domain.errors import Forbidden, InvalidInput
from helpline.domain.events import Audience, AudienceKind, Author, EventKind
from helpline.domain.messages import customer_line, representative_line
from helpline.domain.sessions import Attendee, AttendeeRole

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANN = Author.representative(1, "Ann")
TEAM = [
    Attendee(1, "Ann", AttendeeRole.PRIMARY, False, True, T0),
    Attendee(2, "Bo", AttendeeRole.INVITED, False, True, T0),
    Attendee(3, "Cy", AttendeeRole.INVITED, False, False, T0),
]


def test_the_customer_writes_chat_lines_to_everyone_only() -> None:
    line = customer_line(Author.customer("Dana"), "message", "hi", "everyone", "c1")
    assert (line.kind, line.audience, line.client_id) == (
        EventKind.MESSAGE,
        Audience.everyone(),
        "c1",
    )
    for kind, to in (("note", None), ("message", "representatives"), ("message", 2)):
        with pytest.raises(Forbidden):
            customer_line(Author.customer("Dana"), kind, "hi", to, "c1")


def test_a_private_line_goes_to_a_present_colleague_and_names_them_for_representatives() -> None:
    line = representative_line(ANN, TEAM, "message", "psst", 2, "c1")
    assert line.audience == Audience.one(2)
    assert line.internal == {"to_name": "Bo"}
    for nobody in (1, 3, 99, True):
        with pytest.raises(InvalidInput):
            representative_line(ANN, TEAM, "message", "psst", nobody, "c1")


def test_notes_are_for_representatives_whatever_they_are_addressed_to() -> None:
    note = representative_line(ANN, TEAM, "note", "Windows 7", "everyone", "c1")
    assert (note.kind, note.audience.kind) == (EventKind.NOTE, AudienceKind.REPRESENTATIVES)


def test_an_unknown_kind_or_audience_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(InvalidInput, match="'message' or 'note'"):
        representative_line(ANN, TEAM, "shout", "hi", None, "c1")
    with pytest.raises(InvalidInput, match="'everyone', 'representatives'"):
        representative_line(ANN, TEAM, "message", "hi", "managers", "c1")
