"""What each viewer may see of a session's log: the security core of Helpline."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.events import (
    Audience,
    AudienceKind,
    Author,
    AuthorKind,
    Event,
    EventKind,
)
from helpline.domain.sessions import Attendee, AttendeeRole
from helpline.domain.visibility import Viewer, can_see, view, view_log, visible_attendees

T0 = datetime(2026, 1, 1, tzinfo=UTC)
REP_IDS = st.integers(min_value=1, max_value=6)
MASKED_NAME = "Masked Mallory"


def masked_name(rep_id: int) -> str:
    return f"{MASKED_NAME} {rep_id}"


@st.composite
def events(draw: st.DrawFn, masked: frozenset[int] = frozenset()) -> Event:
    """Any event a session could hold; events by or about masked reps carry the flag,
    as the service layer writes them."""
    kind = draw(st.sampled_from(EventKind))
    audience_kind = draw(st.sampled_from(AudienceKind))
    audience = (
        Audience.one(draw(REP_IDS))
        if audience_kind is AudienceKind.ONE
        else Audience(audience_kind)
    )
    author_kind = draw(st.sampled_from(AuthorKind))
    rep_id = draw(REP_IDS)
    reveals = False
    if author_kind is AuthorKind.REPRESENTATIVE:
        is_masked = rep_id in masked
        author = Author.representative(
            rep_id, masked_name(rep_id) if is_masked else f"Rep {rep_id}"
        )
        reveals = is_masked
    elif author_kind is AuthorKind.CUSTOMER:
        author = Author.customer("Carla")
    else:
        author = Author.system()
    mentioned = draw(st.sampled_from(sorted(masked))) if masked and draw(st.booleans()) else None
    body: dict[str, str | int | bool | None] = {"text": draw(st.text(max_size=20))}
    internal: dict[str, str | int | bool | None] = {"comment": "internal only"}
    if mentioned is not None:
        body["text"] = f"{masked_name(mentioned)} joined"
        reveals = True
    if kind is EventKind.NOTE:
        audience = Audience.representatives()
    return Event(
        session_id=1,
        seq=draw(st.integers(min_value=1, max_value=10_000)),
        created_at=T0,
        kind=kind,
        audience=audience,
        author=author,
        body=body,
        internal=internal,
        reveals_masked=reveals,
        client_id=draw(st.none() | st.text(min_size=1, max_size=8)),
    )


@st.composite
def logs(draw: st.DrawFn) -> tuple[frozenset[int], list[Event]]:
    masked = frozenset(draw(st.sets(REP_IDS, max_size=3)))
    return masked, draw(st.lists(events(masked), max_size=40))


@given(logs())
def test_customer_never_receives_a_private_line_a_note_or_a_masked_representative(
    log: tuple[frozenset[int], list[Event]],
) -> None:
    masked, events_ = log
    for event in view_log(Viewer.customer(), events_):
        assert event.audience.kind is AudienceKind.EVERYONE
        assert event.kind is not EventKind.NOTE
        assert not event.internal
        assert event.author.rep_id is None
        assert MASKED_NAME not in repr(event)
        for rep_id in masked:
            assert masked_name(rep_id) not in repr(event)


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
        if not private_elsewhere:
            assert view(viewer, event) == event


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
