"""What the append writer trusts about a session's row (``helpline.store.known_heads``):
a batch goes in one statement only over sessions whose rows it knows and trusts, and
after another writer moved a row it trusts it again only once a careful batch finds
the row as this writer left it."""

from __future__ import annotations

import pytest

from helpline.store.known_heads import KnownHeads


def learn(heads: KnownHeads, session_id: int, before: int, after: int) -> None:
    heads.learned(session_id, before, after, f"head-{after}", "active", f"S-{session_id}", "salt")


def test_a_batch_is_ready_only_when_every_session_is_known() -> None:
    heads = KnownHeads()
    learn(heads, 1, 0, 2)

    assert heads.ready([1, 2]) is None
    learn(heads, 2, 4, 5)
    ready = heads.ready([1, 2])
    assert ready is not None
    assert {session_id: head.last_seq for session_id, head in ready.items()} == {1: 2, 2: 5}
    assert ready[1].head == "head-2" and ready[1].public_id == "S-1"


def test_a_row_moved_by_one_statement_is_known_at_its_new_place() -> None:
    heads = KnownHeads()
    learn(heads, 1, 0, 2)

    heads.moved(1, 4, "head-4")

    known = heads.get(1)
    assert known is not None and (known.last_seq, known.head, known.confirmed) == (
        4,
        "head-4",
        True,
    )


def test_after_a_miss_the_session_waits_for_a_careful_batch_that_finds_it_unmoved() -> None:
    heads = KnownHeads()
    learn(heads, 1, 0, 2)

    heads.missed([1])
    assert heads.ready([1]) is None
    # Another process had moved it to 3; this careful batch took it to 4.
    learn(heads, 1, 3, 4)
    assert heads.ready([1]) is None
    # Nobody moved it since: trusted again.
    learn(heads, 1, 4, 5)
    assert heads.ready([1]) is not None


def test_two_writers_taking_turns_never_trust_the_row() -> None:
    heads = KnownHeads()
    learn(heads, 1, 0, 1)
    heads.missed([1])

    for mine in range(3, 20, 2):
        # The other writer took it to ``mine - 1`` each time.
        learn(heads, 1, mine - 1, mine)
        assert heads.ready([1]) is None


def test_forgetting_drops_the_entries_named_or_all() -> None:
    heads = KnownHeads()
    for session_id in (1, 2, 3):
        learn(heads, session_id, 0, 1)

    heads.forget([2])
    assert (heads.get(1) is not None, heads.get(2), len(heads)) == (True, None, 2)
    heads.forget()
    assert len(heads) == 0


def test_the_least_recently_written_session_is_forgotten_past_the_limit() -> None:
    heads = KnownHeads(limit=2)
    learn(heads, 1, 0, 1)
    learn(heads, 2, 0, 1)
    assert heads.ready([1]) is not None  # 1 is now the more recent

    learn(heads, 3, 0, 1)

    assert heads.get(2) is None
    assert heads.get(1) is not None and heads.get(3) is not None


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        KnownHeads(limit=0)
