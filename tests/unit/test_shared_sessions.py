"""Sockets that follow the same session share one copy of its state while it is equal,
each still holds exactly what it read, and a copy nobody holds is forgotten."""

from __future__ import annotations

import dataclasses
import gc
from datetime import UTC, datetime

from helpline.domain.sessions import SessionStatus, SupportSession
from helpline.server.sockets import SharedSessions

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def read(session_id: int = 10) -> SupportSession:
    """A fresh copy, as every read from the store makes."""
    return SupportSession(session_id, "7KQM-2XPD", 1, SessionStatus.WAITING, T0, "Dana", "Printer")


def test_an_equal_copy_is_the_one_already_held() -> None:
    shared = SharedSessions()
    first = shared.share(read())
    second = shared.share(read())

    assert second is first


def test_a_changed_session_is_kept_as_read_and_shared_from_then_on() -> None:
    shared = SharedSessions()
    before = shared.share(read())
    changed = dataclasses.replace(read(), status=SessionStatus.ACTIVE)

    after = shared.share(changed)

    assert after is changed
    assert before.status is SessionStatus.WAITING
    assert shared.share(dataclasses.replace(changed)) is changed


def test_other_sessions_are_not_mixed_up() -> None:
    shared = SharedSessions()
    ten = shared.share(read(10))
    eleven = shared.share(read(11))

    assert (ten.id, eleven.id) == (10, 11)


def test_a_copy_no_socket_holds_is_forgotten() -> None:
    shared = SharedSessions()
    shared.share(read())
    gc.collect()
    fresh = read()

    assert shared.share(fresh) is fresh
