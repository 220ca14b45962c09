"""The tamper-evident log: each event's hash chains the previous one's with its own
content, so a stored event changed, removed or moved is named by seq, in the store and
in a downloaded transcript; a customer's copy still verifies without what it may not see."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from helpline.domain.chain import LogCheck, chained, check_transcript, genesis
from helpline.domain.drafting import REAL_AUTHOR, REAL_TEXT
from helpline.domain.errors import InvalidInput
from helpline.domain.events import Audience, Author, Event, EventKind
from helpline.domain.viewers import Viewer
from helpline.server.chain_frames import chain_frames, chain_summary
from tests.support.domain import T0

PUBLIC_ID = "ABCD-0001"
SALT = "5a17" * 8
ALICE = Author.representative(1, "Alice")
ANONYMOUS = Author.representative(3, "A representative")


def _event(seq: int, author: Author, text: str, **more: Any) -> Event:
    kind = more.pop("kind", EventKind.MESSAGE)
    audience = more.pop("audience", Audience.everyone())
    return Event(
        1, seq, T0 + timedelta(seconds=seq), kind, audience, author, {"text": text}, **more
    )


def a_log() -> list[Event]:
    drafts = [
        _event(1, Author.system(), "Dana joined", kind=EventKind.STATUS),
        _event(2, Author.customer("Dana"), "My printer is on fire", client_id="c-1"),
        _event(
            3, ALICE, "Bob, can you look?", audience=Audience.one(2), internal={"to_name": "Bob"}
        ),
        _event(
            4,
            ALICE,
            "Customer sounds calm",
            kind=EventKind.NOTE,
            audience=Audience.representatives(),
        ),
        _event(
            5,
            ANONYMOUS,
            "A representative is looking",
            internal={REAL_TEXT: "Mallory is looking", REAL_AUTHOR: "Mallory"},
        ),
        _event(6, ALICE, "Try turning it off", client_id="r-1"),
    ]
    prev, log = genesis(PUBLIC_ID), []
    for event in drafts:
        event = chained(event, prev, SALT)
        assert event.chain_hash is not None
        prev = event.chain_hash
        log.append(event)
    return log


def check_store(log: list[Event], last_seq: int | None = None, head: str | None = None) -> Any:
    check = LogCheck(PUBLIC_ID, SALT)
    check.feed(log)
    last = log[-1] if log else None
    return check.finish(
        last.seq if last_seq is None and last else last_seq or 0,
        head if head is not None else (last.chain_hash if last else None),
    )


def test_a_stored_log_as_written_holds() -> None:
    assert check_store(a_log()) is None


def test_a_stored_event_whose_text_was_changed_is_named() -> None:
    log = a_log()
    log[3] = replace(log[3], body={"text": "Customer was rude"})

    broken = check_store(log)

    assert broken is not None and broken.seq == 4
    assert "event 4 was changed" in broken.reason


def test_a_private_field_changed_or_an_event_removed_is_named() -> None:
    log = a_log()
    changed = [*log[:2], replace(log[2], audience=Audience.one(7)), *log[3:]]
    assert check_store(changed).seq == 3
    removed = [*log[:4], *log[5:]]
    assert check_store(removed).seq == 5
    assert "missing" in check_store(removed).reason
    assert check_store(log[:5], last_seq=6).seq == 6  # the newest one deleted
    assert check_store(log, head="0" * 64).seq == 6


def test_a_chain_does_not_verify_as_another_sessions() -> None:
    check = LogCheck("ZZZZ-9999", SALT)
    assert check.feed(a_log()) is not None


def copy_for(viewer: Viewer, log: list[Event] | None = None) -> dict[str, Any]:
    stored = log or a_log()
    document = {
        "session": {"id": PUBLIC_ID},
        "events": chain_frames(viewer, PUBLIC_ID, stored, SALT),
        "chain": chain_summary(viewer, PUBLIC_ID, stored, SALT),
    }
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def test_a_representatives_copy_verifies_whole() -> None:
    found = check_transcript(copy_for(Viewer.representative(1)))
    assert (found.broken, found.checked, found.omitted, found.full) == (None, 6, [], True)


def test_a_customers_copy_verifies_with_the_private_events_reported_as_left_out() -> None:
    copy = copy_for(Viewer.customer())

    found = check_transcript(copy)

    assert found.broken is None
    assert [e["seq"] for e in copy["events"]] == [1, 2, 5, 6]
    assert found.omitted == [(3, 4)]
    assert not found.full
    # What the customer may not read is not in the copy, only its salted digest.
    text = json.dumps(copy)
    for secret in ("Mallory", "Bob", SALT, "calm", '"internal"'):
        assert secret not in text


def test_a_message_text_edited_in_a_downloaded_copy_is_named() -> None:
    for viewer in (Viewer.customer(), Viewer.representative(1)):
        copy = copy_for(viewer)
        edited = next(e for e in copy["events"] if e["seq"] == 6)
        edited["body"]["text"] = "Throw it out of the window"

        found = check_transcript(copy)

        assert found.broken is not None and found.broken.seq == 6


def test_a_representatives_copy_catches_a_changed_internal_detail() -> None:
    copy = copy_for(Viewer.representative(1))
    copy["events"][4]["internal"][REAL_AUTHOR] = "Mr Nobody"
    assert check_transcript(copy).broken.seq == 5  # type: ignore[union-attr]


def test_an_event_removed_from_a_copy_with_its_hash_rewritten_breaks_the_link() -> None:
    copy = copy_for(Viewer.representative(1))
    copy["events"][1]["chain"]["prev"] = "f" * 64
    found = check_transcript(copy)
    assert found.broken is not None and found.broken.seq == 2
    assert "does not follow event 1" in found.broken.reason


def test_a_file_that_is_not_a_chained_transcript_is_refused_in_words() -> None:
    with pytest.raises(InvalidInput, match="not a Helpline transcript"):
        check_transcript({"header": [], "events": []})
    with pytest.raises(InvalidInput, match="not a Helpline transcript"):
        check_transcript([1, 2])
