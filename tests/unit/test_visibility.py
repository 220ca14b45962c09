"""What each viewer may see of a session's log: the security core of Helpline.

The logs here are made the way the product makes them: drafts from the real rules
(joins, leaves, ends, consents, files, pushed URLs, chat lines and notes), sealed
against a session's attendees by ``drafting.seal``. No test sets a masking flag.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from helpline.domain import consent, files, urls
from helpline.domain import sessions as rules
from helpline.domain.consent import ConsentKind, ConsentRequest
from helpline.domain.drafting import Draft, Wording, say, seal, status
from helpline.domain.events import (
    Audience,
    AudienceKind,
    Author,
    Event,
    EventKind,
)
from helpline.domain.files import FileAudience, SharedFile
from helpline.domain.sessions import Attendee, AttendeeRole, SessionStatus, SupportSession
from helpline.domain.visibility import (
    Viewer,
    can_see,
    file_view,
    view,
    view_log,
    visible_attendees,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
REP_IDS = st.integers(min_value=1, max_value=6)
MASKED_NAME = "Masked Mallory"
SESSION = SupportSession(1, "AAAA-0001", None, SessionStatus.ACTIVE, T0, "Carla", "help")


def masked_name(rep_id: int) -> str:
    return f"{MASKED_NAME} {rep_id}"


def rep_name(rep_id: int, masked: frozenset[int]) -> str:
    return masked_name(rep_id) if rep_id in masked else f"Rep {rep_id}"


def team(masked: frozenset[int]) -> list[Attendee]:
    return [
        Attendee(i, rep_name(i, masked), AttendeeRole.INVITED, i in masked, True, T0)
        for i in range(1, 7)
    ]


def a_file(sender: Author, audience: FileAudience) -> SharedFile:
    return SharedFile(1, 1, "driver.zip", 10, "0" * 64, "application/zip", audience, sender, T0)


@st.composite
def drafts(draw: st.DrawFn, masked: frozenset[int]) -> Draft:
    """Any draft the product's rules make, by any representative or the customer."""
    attendees = team(masked)
    rep = draw(st.sampled_from(attendees))
    by = rules.as_author(rep)
    customer = Author.customer("Carla")
    text = draw(st.text(max_size=20))
    to = draw(st.sampled_from(FileAudience))
    file_from_customer = a_file(customer, FileAudience.REPRESENTATIVES)
    request = ConsentRequest("r", draw(st.sampled_from(ConsentKind)), rep.rep_id, rep.display_name)
    audience = draw(
        st.sampled_from(
            [Audience.everyone(), Audience.representatives(), Audience.one(draw(REP_IDS))]
        )
    )
    makers = [
        lambda: Draft(EventKind.MESSAGE, audience, by, Wording.literal(text)),
        lambda: Draft(EventKind.MESSAGE, Audience.everyone(), customer, Wording.literal(text)),
        lambda: Draft(EventKind.NOTE, Audience.representatives(), by, Wording.literal(text)),
        lambda: rules.rep_joined(rep, rep.masked),
        lambda: rules.customer_joined(SESSION),
        lambda: rules.leave(SESSION, attendees, rep.rep_id, T0).drafts[0],
        lambda: rules.end(SESSION, attendees, by, T0).drafts[0],
        lambda: rules.end(SESSION, attendees, customer, T0).drafts[0],
        lambda: consent.request_note(request),
        lambda: consent.answer_note(request.answered(draw(st.booleans())), "Carla"),
        lambda: consent.screen_note("screen_started", "Carla"),
        lambda: files.offered_note(a_file(by, to)),
        lambda: files.offered_note(file_from_customer),
        lambda: files.answer(file_from_customer, Viewer.representative(rep.rep_id), by, True)[1],
        lambda: files.completed_note(file_from_customer, by),
        lambda: files.answer(
            a_file(by, FileAudience.CUSTOMER), Viewer.customer(), customer, draw(st.booleans())
        )[1],
        lambda: urls.pushed_note(by, "https://example.com/help"),
        # A note whose author wrote a name into the text by hand instead of a slot.
        lambda: status("careless", say(f"{rep.display_name} did something.")),
    ]
    return draw(st.sampled_from(makers))()


@st.composite
def logs(draw: st.DrawFn) -> tuple[frozenset[int], list[Event]]:
    masked = frozenset(draw(st.sets(REP_IDS, max_size=3)))
    made = draw(st.lists(drafts(masked), max_size=30))
    return masked, [
        Event.from_draft(seal(draft, team(masked)), 1, seq, T0)
        for seq, draft in enumerate(made, start=1)
    ]


@given(logs())
def test_customer_never_receives_a_private_line_a_note_or_a_masked_representative(
    log: tuple[frozenset[int], list[Event]],
) -> None:
    _, events_ = log
    for event in view_log(Viewer.customer(), events_):
        assert event.audience.kind is AudienceKind.EVERYONE
        assert event.kind is not EventKind.NOTE
        assert not event.internal
        assert event.author.rep_id is None
        assert MASKED_NAME not in repr(event)


@given(logs(), REP_IDS)
def test_representatives_read_the_real_names_where_the_customer_reads_a_representative(
    log: tuple[frozenset[int], list[Event]], rep_id: int
) -> None:
    masked, events_ = log
    for event in view_log(Viewer.representative(rep_id), events_):
        if event.author.rep_id is not None:
            assert event.author.name == rep_name(event.author.rep_id, masked)
        assert (
            "A representative"
            not in str(event.body.get("text", "")).replace("A representative asks", "")
            or event.body.get("action") == "careless"
        )


@given(st.sets(REP_IDS, min_size=1, max_size=3), st.data())
def test_a_masked_representative_asks_and_sends_as_a_representative(
    masked: set[int], data: st.DataObject
) -> None:
    attendees = team(frozenset(masked))
    rep = next(a for a in attendees if a.masked)
    by = rules.as_author(rep)
    request = ConsentRequest(
        "r", data.draw(st.sampled_from(ConsentKind)), rep.rep_id, rep.display_name
    )
    for draft in (
        consent.request_note(request),
        files.offered_note(a_file(by, FileAudience.CUSTOMER)),
        urls.pushed_note(by, "https://example.com"),
    ):
        event = Event.from_draft(seal(draft, attendees), 1, 1, T0)
        seen = view(Viewer.customer(), event)
        assert seen is not None
        assert seen.author.name == "A representative"
        assert str(seen.body["text"]).startswith("A representative ")
        assert rep.display_name not in repr(seen)


def test_the_customer_reads_a_file_from_a_masked_representative_as_from_a_representative() -> None:
    attendees = team(frozenset({2}))
    from_masked = a_file(rules.as_author(attendees[1]), FileAudience.CUSTOMER)
    from_visible = a_file(rules.as_author(attendees[0]), FileAudience.CUSTOMER)
    for_reps = a_file(rules.as_author(attendees[0]), FileAudience.REPRESENTATIVES)

    seen = file_view(Viewer.customer(), from_masked, attendees)
    assert seen is not None and seen.sender.name == "A representative"
    assert seen.sender.rep_id is None
    shown = file_view(Viewer.customer(), from_visible, attendees)
    assert shown is not None and shown.sender.name == "Rep 1"
    assert file_view(Viewer.customer(), for_reps, attendees) is None
    assert file_view(Viewer.representative(1), from_masked, attendees) == from_masked


@given(logs(), REP_IDS)
def test_a_representative_sees_private_lines_only_between_themselves_and_another(
    log: tuple[frozenset[int], list[Event]], rep_id: int
) -> None:
    for event in view_log(Viewer.representative(rep_id), log[1]):
        if event.audience.kind is AudienceKind.ONE:
            assert rep_id in (event.audience.rep_id, event.author.rep_id)


@given(logs(), REP_IDS)
def test_representatives_see_every_event_except_other_pairs_private_lines(
    log: tuple[frozenset[int], list[Event]], rep_id: int
) -> None:
    viewer = Viewer.representative(rep_id)
    for event in log[1]:
        private_elsewhere = event.audience.kind is AudienceKind.ONE and rep_id not in (
            event.audience.rep_id,
            event.author.rep_id,
        )
        assert can_see(viewer, event) is not private_elsewhere
        seen = view(viewer, event)
        if not private_elsewhere:
            assert seen is not None
            assert (seen.seq, seen.internal, seen.client_id) == (
                event.seq,
                event.internal,
                event.client_id,
            )


@given(logs())
def test_customer_sees_every_public_unmasked_event_and_only_those(
    log: tuple[frozenset[int], list[Event]],
) -> None:
    _, events_ = log
    expected = [
        e.seq
        for e in events_
        if e.audience.kind is AudienceKind.EVERYONE
        and not e.reveals_masked
        and e.kind is not EventKind.NOTE
    ]
    assert [e.seq for e in view_log(Viewer.customer(), events_)] == expected


def test_customer_keeps_the_client_id_of_their_own_lines_only() -> None:
    own = Event(
        1,
        1,
        T0,
        EventKind.MESSAGE,
        Audience.everyone(),
        Author.customer("C"),
        {"text": "hi"},
        client_id="c1",
    )
    other = Event(
        1,
        2,
        T0,
        EventKind.MESSAGE,
        Audience.everyone(),
        Author.representative(3, "Al"),
        {"text": "yo"},
        client_id="r1",
    )
    seen = view_log(Viewer.customer(), [own, other])
    assert [e.client_id for e in seen] == ["c1", None]


@given(st.lists(st.tuples(REP_IDS, st.booleans(), st.booleans()), max_size=8))
def test_customer_sees_only_present_unmasked_attendees(rows: list[tuple[int, bool, bool]]) -> None:
    attendees = [
        Attendee(rep_id, f"Rep {rep_id}", AttendeeRole.INVITED, masked, present, T0)
        for rep_id, masked, present in rows
    ]
    shown = visible_attendees(Viewer.customer(), attendees)
    assert all(a.present and not a.masked for a in shown)
    assert len(shown) == sum(1 for _, masked, present in rows if present and not masked)
    assert visible_attendees(Viewer.representative(1), attendees) == attendees
