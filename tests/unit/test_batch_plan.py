"""The append writer's plan of one transaction (``helpline.store.batch_plan``), with no
database: what the log already holds and what each session's UPDATE returned are given
here as a database would give them, and every append's answer is checked.

The same rules on real SQLite and PostgreSQL: tests/integration/test_store_group_commit.py
and test_store_batch_failures.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from helpline.domain.errors import InvalidInput, NotFound, SessionEnded
from helpline.domain.events import Audience, Author, Event, EventDraft, EventKind
from helpline.domain.sessions import SessionStatus
from helpline.store.batch_plan import (
    Append,
    Batch,
    Bumped,
    Uncommitted,
    alone_failure,
    unstorable_apart,
)
from helpline.store.protocol import Appended

NOW = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
CASEY = Author.customer("Casey Customer")
ANN = Author.representative(7, "Ann")


def chat(text: str, client_id: str | None = None, author: Author = CASEY) -> EventDraft:
    return EventDraft(
        kind=EventKind.MESSAGE,
        audience=Audience.everyone(),
        author=author,
        body={"text": text},
        client_id=client_id,
    )


def append(
    session_id: int, text: str, client_id: str | None = None, *, guarded: bool = False
) -> Append:
    return Append(session_id, chat(text, client_id), NOW, require_open=guarded)


def open_row(last_seq: int, public_id: str = "ABCD-0001") -> Bumped:
    return Bumped(last_seq, SessionStatus.ACTIVE.value, public_id)


def ended_row(last_seq: int, public_id: str = "ABCD-0001") -> Bumped:
    return Bumped(last_seq, SessionStatus.ENDED.value, public_id)


def stored(session_id: int, seq: int, text: str, client_id: str) -> Event:
    return Event.from_draft(chat(text, client_id), session_id, seq, NOW)


def created(a: Append) -> tuple[int, int, str]:
    """(session, seq, text) of an append answered with a new event."""
    assert isinstance(a.outcome, Appended) and a.outcome.created
    assert a.event is a.outcome.event
    return a.event.session_id, a.event.seq, a.event.body["text"]


# Which appends are looked up, and counted ------------------------------------------------


def test_the_keys_to_look_up_are_each_client_id_once_in_queue_order() -> None:
    batch = Batch(
        [
            append(1, "a", "c-2"),
            append(1, "no id"),
            append(1, "b", "c-1"),
            append(1, "a again", "c-2"),
            append(2, "elsewhere", "c-2"),
            Append(1, chat("from Ann", "c-1", author=ANN), NOW),
        ]
    )

    assert batch.lookup_keys() == [
        (1, CASEY.key, "c-2"),
        (1, CASEY.key, "c-1"),
        (2, CASEY.key, "c-2"),
        (1, ANN.key, "c-1"),
    ]


def test_each_session_gets_its_new_events_counted_if_open_and_if_ended() -> None:
    batch = Batch(
        [
            append(1, "a"),
            append(2, "b", guarded=True),
            append(1, "c", guarded=True),
            append(1, "d", "c-1"),
            append(1, "d again", "c-1"),  # a repeat makes no event of its own
            append(2, "stored", "c-9"),  # already in the log
        ]
    )

    counts = batch.count_new({(2, CASEY.key, "c-9"): stored(2, 5, "stored", "c-9")})

    # Guarded appends are refused once the session has ended: not counted then.
    assert counts == {1: (3, 2), 2: (1, 0)}


# Seqs ------------------------------------------------------------------------------------


def test_new_events_take_consecutive_seqs_per_session_in_queue_order() -> None:
    appends = [
        append(1, "a"),
        append(2, "x"),
        append(1, "b"),
        append(1, "c"),
        append(2, "y"),
    ]
    batch = Batch(appends)
    assert batch.count_new({}) == {1: (3, 3), 2: (2, 2)}

    # The UPDATE raised session 1 from 4 to 7 and session 2 from 0 to 2.
    events = batch.assign({1: open_row(7), 2: open_row(2)})

    assert [created(a) for a in appends] == [
        (1, 5, "a"),
        (2, 1, "x"),
        (1, 6, "b"),
        (1, 7, "c"),
        (2, 2, "y"),
    ]
    # Returned for the INSERT in queue order, with the time each append was made.
    assert events == [a.event for a in appends]
    assert all(e.created_at == NOW for e in events)


# Idempotent resends ----------------------------------------------------------------------


def test_a_key_already_in_the_log_is_answered_with_the_stored_event() -> None:
    original = stored(1, 3, "hello", "c-1")
    resend = Append(1, chat("hello, edited", "c-1"), LATER)
    new = append(1, "new", "c-2")
    batch = Batch([resend, new])

    assert batch.count_new({(1, CASEY.key, "c-1"): original}) == {1: (1, 1)}
    events = batch.assign({1: open_row(4)})

    assert resend.outcome == Appended(original, created=False)
    assert resend.event is None
    assert created(new) == (1, 4, "new")
    assert events == [new.event]


def test_a_stored_event_is_answered_even_once_its_session_has_ended() -> None:
    """It was acknowledged before the end."""
    original = stored(1, 3, "hello", "c-1")
    resend = append(1, "hello", "c-1", guarded=True)
    batch = Batch([resend])

    assert batch.count_new({(1, CASEY.key, "c-1"): original}) == {}
    assert batch.assign({}) == []
    assert resend.outcome == Appended(original, created=False)


def test_a_key_repeated_within_the_batch_makes_one_event_for_all() -> None:
    first = append(1, "one", "c-1")
    other = append(1, "two", "c-2")
    again = Append(1, chat("one again", "c-1"), LATER)
    thrice = append(1, "one thrice", "c-1")
    batch = Batch([first, other, again, thrice])

    assert batch.count_new({}) == {1: (2, 2)}
    events = batch.assign({1: open_row(3)})

    assert created(first) == (1, 2, "one")
    assert created(other) == (1, 3, "two")
    assert first.event is not None
    assert again.outcome == thrice.outcome == Appended(first.event, created=False)
    assert events == [first.event, other.event]


def test_the_same_client_id_from_another_author_or_session_is_new() -> None:
    mine = append(1, "m", "c-1")
    anns = Append(1, chat("m", "c-1", author=ANN), NOW)
    elsewhere = append(2, "m", "c-1")
    batch = Batch([mine, anns, elsewhere])

    batch.count_new({})
    batch.assign({1: open_row(2), 2: open_row(1)})

    assert [created(a) for a in (mine, anns, elsewhere)] == [(1, 1, "m"), (1, 2, "m"), (2, 1, "m")]


# What fails alone ------------------------------------------------------------------------


def test_an_unknown_session_fails_alone_and_so_do_its_repeats() -> None:
    a = append(1, "a", "c-1")
    lost = append(42, "lost")
    lost_too = append(42, "lost too", "c-1")
    again = append(42, "lost too, again", "c-1")
    c = append(1, "c")
    batch = Batch([a, lost, lost_too, again, c])

    batch.count_new({})
    # No UPDATE row for session 42: it does not exist.
    events = batch.assign({1: open_row(3)})

    assert [created(x) for x in (a, c)] == [(1, 2, "a"), (1, 3, "c")]
    for failed in (lost, lost_too, again):
        assert isinstance(failed.outcome, NotFound) and failed.event is None
    assert events == [a.event, c.event]


def test_an_ended_session_refuses_guarded_appends_and_takes_the_others() -> None:
    guarded = append(1, "late", "c-1", guarded=True)
    note = append(1, "a note")
    repeat = append(1, "late again", "c-1", guarded=True)
    batch = Batch([guarded, note, repeat])

    assert batch.count_new({}) == {1: (2, 1)}
    # The session had ended: the UPDATE added only the unguarded count, 5 to 6.
    events = batch.assign({1: ended_row(6, "ENDS-0001")})

    assert created(note) == (1, 6, "a note")
    for refused in (guarded, repeat):
        assert isinstance(refused.outcome, SessionEnded)
        assert refused.outcome.message == "Session ENDS-0001 has ended."
    assert repeat.outcome is not guarded.outcome
    assert events == [note.event]


def test_guarded_appends_to_an_open_session_are_saved() -> None:
    guarded = append(1, "in time", guarded=True)
    batch = Batch([guarded, append(1, "note")])

    assert batch.count_new({}) == {1: (2, 1)}
    batch.assign({1: open_row(3)})

    assert created(guarded) == (1, 2, "in time")


def test_planning_again_forgets_the_last_plan() -> None:
    """A batch tried again (a resend another process saved meanwhile) starts afresh."""
    resend = append(1, "hello", "c-1")
    new = append(1, "new")
    batch = Batch([resend, new])
    batch.count_new({})
    batch.assign({1: open_row(2)})

    original = stored(1, 7, "hello", "c-1")
    assert batch.count_new({(1, CASEY.key, "c-1"): original}) == {1: (1, 1)}
    events = batch.assign({1: open_row(8)})

    assert resend.outcome == Appended(original, created=False) and resend.event is None
    assert created(new) == (1, 8, "new")
    assert events == [new.event]


def test_appends_that_cannot_be_stored_are_set_apart_in_queue_order() -> None:
    before = append(1, "before")
    not_json = Append(1, replace(chat("x"), body={"oops": object()}), NOW)
    half_pair = append(1, "half a pair \ud800")
    after = append(1, "after")

    faults, rest = unstorable_apart([before, not_json, half_pair, after])

    assert [a for a, _ in faults] == [not_json, half_pair]
    assert isinstance(faults[0][1], TypeError) and "not JSON serializable" in str(faults[0][1])
    assert isinstance(faults[1][1], InvalidInput) and "cannot be stored" in faults[1][1].message
    assert rest == [before, after]


def test_with_none_at_fault_every_append_is_the_rest() -> None:
    appends = [append(1, "a"), append(2, "b")]

    assert unstorable_apart(appends) == ([], appends)


def test_an_append_that_failed_alone_is_answered_with_why() -> None:
    def failed_by(cause: BaseException | None) -> Uncommitted:
        failed = Uncommitted()
        failed.__cause__ = cause
        return failed

    database_error = RuntimeError("the database said no")
    half_pair = append(1, "\ud800")

    # Content that cannot be stored says so, whatever the database said.
    fault = alone_failure(half_pair, failed_by(database_error))
    assert isinstance(fault, InvalidInput) and "cannot be stored" in fault.message
    # Otherwise the database's error; without one, the failure itself.
    assert alone_failure(append(1, "fine"), failed_by(database_error)) is database_error
    bare = failed_by(None)
    assert alone_failure(append(1, "fine"), bare) is bare
