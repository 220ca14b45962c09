"""Drafting decides, from the attendees, what the customer may read of an event."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import helpline
from helpline.domain.drafting import Disclosure, Draft, Wording, say, seal, status
from helpline.domain.events import Audience, Author, EventKind
from helpline.domain.sessions import Attendee, AttendeeRole

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANN = Attendee(1, "Ann", AttendeeRole.PRIMARY, False, True, T0)
MAX = Attendee(2, "Max", AttendeeRole.INVITED, True, True, T0)
MAX_AUTHOR = Author.representative(2, "Max")


def test_nothing_but_drafting_builds_an_event_draft() -> None:
    """A draft sealed by hand could carry any masking decision: only ``seal`` makes one."""
    source = Path(helpline.__file__).parent
    builders = []
    for path in sorted(source.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name == "EventDraft":
                    builders.append(path.relative_to(source).as_posix())
    assert builders == ["domain/drafting.py"]


def test_a_masked_authors_chat_line_is_hidden_from_the_customer() -> None:
    line = Draft(EventKind.MESSAGE, Audience.everyone(), MAX_AUTHOR, Wording.literal("hi"))
    assert seal(line, [ANN, MAX]).reveals_masked
    assert not seal(line, [ANN]).reveals_masked


def test_a_note_naming_a_masked_representative_in_a_slot_is_hidden_by_default() -> None:
    note = status("rep_left", say("{rep} left the session.", rep=MAX_AUTHOR))
    sealed = seal(note, [ANN, MAX])
    assert sealed.reveals_masked
    assert sealed.body["text"] == "Max left the session."


def test_an_anonymous_note_names_a_representative_to_the_customer_and_keeps_the_name_inside() -> (
    None
):
    note = status(
        "asked",
        say("{by} asks {what}.", by=MAX_AUTHOR, what="to see {the} screen"),
        author=MAX_AUTHOR,
        if_masked=Disclosure.ANONYMOUS,
    )
    sealed = seal(note, [ANN, MAX])
    assert not sealed.reveals_masked
    assert sealed.body["text"] == "A representative asks to see {the} screen."
    assert sealed.author.name == "A representative"
    assert sealed.author.rep_id == 2
    assert sealed.internal == {"text": "Max asks to see {the} screen.", "author_name": "Max"}


def test_a_masked_name_in_the_middle_of_a_sentence_reads_in_lower_case() -> None:
    note = status("ended", say("Ended by {by}.", by=MAX_AUTHOR), if_masked=Disclosure.ANONYMOUS)
    assert seal(note, [MAX]).body["text"] == "Ended by a representative."


def test_a_system_note_with_a_masked_name_typed_into_its_text_is_hidden_from_the_customer() -> None:
    careless = status("oops", say("Max did something."))
    assert seal(careless, [ANN, MAX]).reveals_masked
    # A longer word that merely contains the name is not that name.
    assert not seal(status("fine", say("Maxwell did something.")), [ANN, MAX]).reveals_masked


def test_what_people_write_is_never_scanned_for_names() -> None:
    line = Draft(
        EventKind.MESSAGE,
        Audience.everyone(),
        Author.representative(1, "Ann"),
        Wording.literal("Max is looking at it"),
    )
    assert not seal(line, [ANN, MAX]).reveals_masked
