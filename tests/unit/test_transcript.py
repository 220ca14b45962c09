"""Chat logs as text, HTML and JSON: the header with the session's details, one line per
event, and what the customer's copy leaves out (private lines, session notes,
internal details and everything by or about a masked representative)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from helpline.domain import sessions as rules
from helpline.domain.consent import ConsentKind, ConsentRequest, answer_note, request_note
from helpline.domain.drafting import Draft
from helpline.domain.errors import InvalidInput
from helpline.domain.events import Author, Event
from helpline.domain.messages import customer_line, representative_line
from helpline.domain.sessions import Attendee, AttendeeRole, ClientApp, ClientInfo, SessionStatus
from helpline.domain.transcript import event_line, header_lines, render_html, render_text
from helpline.domain.visibility import Viewer, can_see, view_log
from helpline.server.wire import event_frame_body
from tests.support.domain import CUSTOMER, T0, a_rep, a_session, attending, logged

ALICE = a_rep(1, "Alice")
BOB = a_rep(2, "Bob")
MALLORY = a_rep(3, "Mallory")
TEAM = [
    attending(ALICE, AttendeeRole.PRIMARY),
    attending(BOB),
    attending(MALLORY, masked=True),
]
DANA = Author.customer(CUSTOMER)
SEPARATOR = "-" * 60


def by(rep_id: int) -> Author:
    attendee = next(a for a in TEAM if a.rep_id == rep_id)
    return rules.as_author(attendee)


def line(author: Author, text: str, to: object = None, kind: str = "message") -> Draft:
    if author.rep_id is None:
        return customer_line(author, kind, text, to, "c")
    return representative_line(author, TEAM, kind, text, to, "c")


def a_day() -> list[Event]:
    """A session's log: public lines, a private line, a note, a line to the team, and a
    masked colleague who joins, writes and leaves."""
    request = ConsentRequest("r1", ConsentKind.SCREEN, ALICE.id, "Alice")
    return logged(
        [
            rules.customer_joined(a_session()),
            rules.rep_joined(ALICE),
            line(DANA, "My printer is offline."),
            line(by(1), "Let me look."),
            request_note(request),
            answer_note(request.answered(True), CUSTOMER),
            line(by(1), "Any idea, Bob?", to=BOB.id),
            line(by(2), "Driver again.", kind="note"),
            line(by(2), "Seen it twice today.", to="representatives"),
            rules.rep_joined(MALLORY, masked=True),
            line(by(3), "Mallory here, watching."),
            rules.leave(a_session(), TEAM, MALLORY.id, T0).drafts[0],
        ],
        TEAM,
    )


def customer_copy(events: list[Event]) -> str:
    return render_text(a_session(), None, view_log(Viewer.customer(), events))


def alice_copy(events: list[Event]) -> str:
    return render_text(a_session(), None, view_log(Viewer.representative(ALICE.id), events))


# The header --------------------------------------------------------------------------------


def test_the_header_names_the_session_its_customer_and_their_computer() -> None:
    assert header_lines(a_session(), "Billing") == [
        "Helpline chat log",
        "Session ID: ABCD-0001",
        "Portal: Billing",
        "Started: 2026-03-01 09:00:00 UTC",
        "Customer: Dana",
        "Query: The printer is offline",
        "Operating system: Windows 10",
        "Browser: Chrome 131",
        "Connected with: Web browser",
    ]


def test_a_session_opened_with_a_code_and_without_a_question_says_so() -> None:
    lines = header_lines(a_session(query=""), None)
    assert lines[2] == "Portal: Session code"
    assert lines[5] == "Query: (none)"


def test_times_are_written_in_utc_whatever_zone_they_were_kept_in() -> None:
    berlin = T0.astimezone(timezone(timedelta(hours=1)))
    session = replace(a_session(), started_at=berlin)
    assert header_lines(session, None)[3] == "Started: 2026-03-01 09:00:00 UTC"


def test_an_ended_session_says_when_and_by_whom() -> None:
    ended = replace(
        a_session(SessionStatus.ENDED), ended_at=T0 + timedelta(minutes=42), ended_by="Alice"
    )
    assert header_lines(ended, None)[-1] == "Ended: 2026-03-01 09:42:00 UTC by Alice"
    nobody = replace(ended, ended_by=None)
    assert header_lines(nobody, None)[-1] == "Ended: 2026-03-01 09:42:00 UTC by unknown"


def test_details_nobody_reported_are_left_out() -> None:
    bare = a_session(client=ClientInfo(os="", browser="", app=ClientApp.AGENT))
    assert header_lines(bare, None)[6:] == ["Connected with: Helpline agent"]


# The text copy ------------------------------------------------------------------------------


def test_the_customer_s_copy_is_the_public_conversation_only() -> None:
    assert customer_copy(a_day()).split(SEPARATOR + "\n")[1] == (
        "[09:00:01] * Dana joined the session.\n"
        "[09:00:02] * Alice joined the session.\n"
        "[09:00:03] Dana: My printer is offline.\n"
        "[09:00:04] Alice: Let me look.\n"
        "[09:00:05] * Alice asks to see the customer's screen.\n"
        "[09:00:06] * Dana allowed the request to see the customer's screen.\n"
    )


def test_a_representative_s_copy_marks_private_lines_notes_and_team_lines() -> None:
    log = alice_copy(a_day()).split(SEPARATOR + "\n")[1].splitlines()

    assert log[6:] == [
        "[09:00:07] Alice (private to Bob): Any idea, Bob?",
        "[09:00:08] Bob (note): Driver again.",
        "[09:00:09] Bob (to representatives): Seen it twice today.",
        "[09:00:10] * Mallory joined the session (masked).",
        "[09:00:11] Mallory: Mallory here, watching.",
        "[09:00:12] * Mallory left the session.",
    ]


def test_a_private_line_whose_recipient_is_unknown_goes_to_a_representative() -> None:
    (private,) = logged([line(by(1), "psst", to=BOB.id)], TEAM)
    assert event_line(replace(private, internal={})) == (
        "[09:00:01] Alice (private to a representative): psst"
    )


def test_the_text_copy_is_the_header_a_rule_and_one_line_per_event() -> None:
    events = a_day()[:2]
    text = render_text(a_session(), "Billing", events)

    assert text.endswith("\n")
    assert text.splitlines() == [
        *header_lines(a_session(), "Billing"),
        SEPARATOR,
        *(event_line(e) for e in events),
    ]


# The HTML copy -------------------------------------------------------------------------------


def test_the_html_copy_escapes_everything_a_person_typed() -> None:
    session = replace(a_session(), customer_name="<b>Dana</b>", query="<script>x()</script>")
    events = logged([line(Author.customer("<b>Dana</b>"), "<img src=x onerror=alert(1)>")], [])

    page = render_html(session, "R&D", events)

    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Portal: R&amp;D" in page


def test_the_html_copy_marks_status_notes_private_lines_and_notes_apart() -> None:
    page = render_html(a_session(), None, view_log(Viewer.representative(ALICE.id), a_day()))

    assert page.startswith("<!doctype html>\n")
    assert "<title>Chat log ABCD-0001</title>" in page
    assert page.count('<li class="status">') == 4
    assert page.count('<li class="status private">') == 2  # a masked colleague came and went
    assert page.count('<li class="message">') == 3
    assert page.count('<li class="message private">') == 2
    assert page.count('<li class="note">') == 1
    assert '<time datetime="2026-03-01T09:00:03+00:00">09:00:03</time> Dana: My printer' in page


# The JSON copy --------------------------------------------------------------------------------


def test_the_customer_s_json_events_hold_no_internal_detail_and_no_masking_flag() -> None:
    frames = [event_frame_body(Viewer.customer(), e) for e in a_day()]
    shown = [f for f in frames if f is not None]

    assert [f["seq"] for f in shown] == [1, 2, 3, 4, 5, 6]
    assert all("internal" not in f and "masked" not in f for f in shown)
    assert shown[3] == {
        "seq": 4,
        "at": "2026-03-01T09:00:04.000Z",
        "kind": "message",
        "audience": "everyone",
        "author": {"kind": "representative", "name": "Alice"},
        "body": {"text": "Let me look."},
    }


def test_a_representative_s_json_events_say_who_a_private_line_went_to() -> None:
    frame = event_frame_body(Viewer.representative(ALICE.id), a_day()[6])

    assert frame is not None
    assert frame["to"] == {"id": BOB.id, "name": "Bob"}
    assert frame["author"] == {"kind": "representative", "name": "Alice", "id": ALICE.id}


# Whatever the log holds ----------------------------------------------------------------------


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[Attendee], list[Event]]:
    masked = draw(st.sets(st.sampled_from([1, 2, 3])))
    team = [replace(a, masked=a.rep_id in masked) for a in TEAM]
    words = st.text(alphabet="abc xyz.?", min_size=1, max_size=12)
    makers = [
        lambda: line(DANA, draw(words)),
        lambda: line(
            rules.as_author(draw(st.sampled_from(team))),
            draw(words),
            to=draw(st.sampled_from([None, "representatives", 1, 2, 3])),
        ),
        lambda: line(rules.as_author(draw(st.sampled_from(team))), draw(words), kind="note"),
        lambda: rules.rep_joined(draw(st.sampled_from(team)), draw(st.booleans())),
        lambda: rules.leave(a_session(), team, draw(st.sampled_from(team)).rep_id, T0).drafts[0],
    ]
    drafts = []
    for _ in range(draw(st.integers(0, 15))):
        try:
            drafts.append(draw(st.sampled_from(makers))())
        except InvalidInput:  # a private line to oneself is refused: not a log
            continue
    return team, logged(drafts, team)


@given(logs())
def test_the_customer_s_transcript_holds_exactly_the_events_the_customer_may_see(
    log: tuple[list[Attendee], list[Event]],
) -> None:
    team, events = log
    lines = customer_copy(events).split(SEPARATOR + "\n")[1].splitlines()

    seen = [e for e in events if can_see(Viewer.customer(), e)]
    assert len(lines) == len(seen)
    for text in lines:
        assert "(note)" not in text and "(private to" not in text
        assert "(to representatives)" not in text and "(masked)" not in text
        for attendee in team:
            if attendee.masked:
                assert attendee.display_name not in text
