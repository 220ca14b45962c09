"""Joining, picking up, inviting, leaving and ending a session, as the domain rules them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain import sessions as rules
from helpline.domain.codes import (
    SessionCode,
    check_can_create,
    check_redeemable,
    format_code,
    normalize_code,
)
from helpline.domain.errors import (
    Conflict,
    Expired,
    Forbidden,
    InvalidInput,
    LimitReached,
    NotFound,
    SessionEnded,
)
from helpline.domain.events import AudienceKind, Author
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import Portal, PortalField, check_intake
from helpline.domain.sessions import (
    SessionStatus,
    SupportSession,
    format_public_id,
    normalize_public_id,
    of_this_session,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ALICE = Representative(1, "alice", "Alice", Role.MANAGER, max_concurrent_sessions=2)
BOB = Representative(2, "bob", "Bob", Role.REPRESENTATIVE)
CAROL = Representative(3, "carol", "Carol", Role.REPRESENTATIVE)


def waiting() -> SupportSession:
    return SupportSession(
        10, "7KQM-2XPD", 1, SessionStatus.WAITING, T0, "Dana", "Printer is on fire"
    )


def test_picking_up_makes_the_representative_primary_and_says_so() -> None:
    change = rules.pick_up(waiting(), [], ALICE, 0, T0)
    assert change.session.status is SessionStatus.ACTIVE
    assert change.session.primary_rep_id == ALICE.id
    assert [a.rep_id for a in change.attendees] == [ALICE.id]
    assert change.notes[0].body["text"] == "Alice picked up the session."


def test_a_session_cannot_be_picked_up_twice() -> None:
    active = rules.pick_up(waiting(), [], ALICE, 0, T0).session
    with pytest.raises(Conflict):
        rules.pick_up(active, [], BOB, 0, T0)


def test_picking_up_beyond_the_concurrent_chat_limit_is_refused() -> None:
    with pytest.raises(LimitReached, match="2 active sessions"):
        rules.pick_up(waiting(), [], ALICE, 2, T0)


def test_a_masked_representative_joins_without_the_customer_hearing_of_it() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    change = rules.add_representative(started.session, started.attendees, ALICE, BOB, True, T0)
    note = change.notes[0]
    assert note.reveals_masked
    assert note.audience.kind is AudienceKind.REPRESENTATIVES
    assert any(a.rep_id == BOB.id and a.masked for a in change.attendees)


def test_only_a_present_attendee_can_invite() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    with pytest.raises(Forbidden):
        rules.add_representative(started.session, started.attendees, CAROL, BOB, False, T0)


def test_at_most_seven_representatives_can_be_invited() -> None:
    change = rules.pick_up(waiting(), [], ALICE, 0, T0)
    for rep_id in range(10, 17):
        rep = Representative(rep_id, f"r{rep_id}", f"R{rep_id}", Role.REPRESENTATIVE)
        change = rules.add_representative(change.session, change.attendees, ALICE, rep, False, T0)
    with pytest.raises(LimitReached):
        rules.add_representative(change.session, change.attendees, ALICE, BOB, False, T0)


def test_when_the_primary_leaves_the_session_goes_back_to_the_queue() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    change = rules.leave(started.session, started.attendees, ALICE.id, T0)
    assert change.session.status is SessionStatus.WAITING
    assert change.session.primary_rep_id is None
    assert not change.attendees[0].present


def test_an_ended_session_takes_no_more_changes_and_names_who_ended_it() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    ended = rules.end(started.session, started.attendees, Author.customer("Dana"), T0)
    assert ended.session.status is SessionStatus.ENDED
    assert ended.notes[0].body["text"] == "The session was ended by Dana."
    with pytest.raises(SessionEnded):
        rules.leave(ended.session, ended.attendees, ALICE.id, T0)


def test_a_masked_representative_ending_the_session_stays_unnamed_to_the_customer() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    joined = rules.add_representative(started.session, started.attendees, ALICE, BOB, True, T0)
    ended = rules.end(joined.session, joined.attendees, rules.as_author(BOB), T0)
    note = ended.notes[0]
    assert ended.session.ended_by == "a representative"
    assert note.body["text"] == "The session was ended by a representative."
    assert BOB.display_name not in repr(note.body) + note.author.name
    assert note.internal["text"] == f"The session was ended by {BOB.display_name}."


def test_only_a_representative_in_the_session_can_end_it_as_a_representative() -> None:
    started = rules.pick_up(waiting(), [], ALICE, 0, T0)
    with pytest.raises(Forbidden):
        rules.end(started.session, started.attendees, rules.as_author(BOB), T0)


def test_public_session_ids_read_well_over_the_phone() -> None:
    public_id = format_public_id(32**8 - 1)
    assert public_id == "ZZZZ-ZZZZ"
    assert normalize_public_id(" 7kqm 2xpd ") == "7KQM-2XPD"
    assert normalize_public_id("OIL0-0000") == "0110-0000"


def test_session_codes_are_nine_digits_typed_with_or_without_spaces() -> None:
    assert format_code(42) == "000000042"
    assert normalize_code("123 456-789") == "123456789"
    with pytest.raises(InvalidInput):
        normalize_code("12345678")
    with pytest.raises(InvalidInput):
        normalize_code("١٢٣٤٥٦٧٨٩")


def test_a_session_code_works_once_and_only_before_it_expires() -> None:
    code = SessionCode("123456789", 1, None, T0, T0 + timedelta(minutes=20))
    check_redeemable(code, T0 + timedelta(minutes=19))
    with pytest.raises(Expired, match="expired"):
        check_redeemable(code, T0 + timedelta(minutes=20))
    used = SessionCode("123456789", 1, None, T0, T0 + timedelta(minutes=20), used_at=T0)
    with pytest.raises(Expired, match="already used"):
        check_redeemable(used, T0)
    with pytest.raises(LimitReached):
        check_can_create(8, 8)


def test_a_portal_form_accepts_only_the_fields_the_portal_asks_for() -> None:
    portal = Portal(1, "acme", "Acme", (PortalField.EMAIL,))
    intake = check_intake(portal, "  Dana   Scully ", " help ", {"email": "d@x.org"})
    assert intake.name == "Dana Scully"
    assert intake.extra == (("email", "d@x.org"),)
    with pytest.raises(InvalidInput):
        check_intake(portal, "Dana", "q", {"phone": "555"})
    with pytest.raises(InvalidInput):
        check_intake(portal, "   ", "q", {})


def test_preferences_refuse_unknown_names_and_inverted_thresholds() -> None:
    prefs = Preferences().updated({"idle_warning_seconds": 10, "idle_alert_seconds": 20})
    assert (prefs.idle_warning_seconds, prefs.idle_alert_seconds) == (10, 20)
    with pytest.raises(InvalidInput):
        Preferences().updated({"colour": 1})
    with pytest.raises(InvalidInput):
        Preferences().updated({"idle_warning_seconds": 200, "idle_alert_seconds": 100})
    with pytest.raises(InvalidInput):
        Preferences().updated({"chat_sound": 1})
    with pytest.raises(InvalidInput):
        Preferences().updated({"request_alert_seconds": 1})
    assert Preferences().updated({"request_alert_seconds": 90}).request_alert_seconds == 90


def test_a_customer_reaches_only_their_own_sessions_requests_and_tasks() -> None:
    assert of_this_session((7, "the request"), 7, "request") == "the request"
    with pytest.raises(NotFound, match=r"^There is no such task\.$"):
        of_this_session(None, 7, "task")
    with pytest.raises(Forbidden, match=r"^This request belongs to another session\.$"):
        of_this_session((8, "the request"), 7, "request")
