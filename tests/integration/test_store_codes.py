"""The store's session codes and join links, migrations and engines, on real SQLite
and PostgreSQL: a code works once, expires, frees its digits; migrations are repeatable."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from helpline.domain.codes import SessionCode
from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.store.database import async_url, create_engine, sqlite_url_for
from helpline.store.migrate import current_revision, head_revision, upgrade
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import (
    LATER,
    NOW,
    code_of,
    make_rep,
)

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store


# Session codes -------------------------------------------------------------------------


async def test_session_code_works_once(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_code(code_of(ann.id))

    results = await asyncio.gather(
        store.claim_code("123456789", LATER),
        store.claim_code("123456789", LATER),
        return_exceptions=True,
    )

    claimed = [r for r in results if isinstance(r, SessionCode)]
    refused = [r for r in results if isinstance(r, Expired)]
    assert (len(claimed), len(refused)) == (1, 1), results
    assert claimed[0] == replace(code_of(ann.id), used_at=LATER)
    assert "already used" in refused[0].message
    with pytest.raises(Expired, match="already used"):
        await store.claim_code("123456789", LATER)


async def test_expired_code_is_refused(store: SqlStore) -> None:
    ann = await make_rep(store)
    code = await store.create_code(code_of(ann.id, minutes=20))

    with pytest.raises(Expired, match="expired"):
        await store.claim_code(code.code, code.expires_at)
    assert await store.active_codes(ann.id, NOW) == [code]


async def test_a_join_link_redeems_its_code_once_and_expires_with_it(store: SqlStore) -> None:
    ann = await make_rep(store)
    linked = replace(code_of(ann.id, "100000001"), link_hash=b"L" * 32)
    await store.create_code(linked)
    lapsed = replace(code_of(ann.id, "100000002", minutes=1), link_hash=b"E" * 32)
    await store.create_code(lapsed)

    results = await asyncio.gather(
        store.claim_code_link(b"L" * 32, LATER),
        store.claim_code_link(b"L" * 32, LATER),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, SessionCode)] == [replace(linked, used_at=LATER)], (
        results
    )
    with pytest.raises(Expired, match="already used"):
        await store.claim_code("100000001", LATER)
    with pytest.raises(Expired, match="expired"):
        await store.claim_code_link(b"E" * 32, LATER)
    with pytest.raises(NotFound, match="new one"):
        await store.claim_code_link(b"X" * 32, NOW)


async def test_a_username_is_stored_and_found_in_its_one_form(store: SqlStore) -> None:
    made = await make_rep(store, "\u00a0Ann ")
    assert made.username == "ann"
    found = await store.find_login("ANN\t")
    assert found is not None and found[0].id == made.id
    with pytest.raises(Conflict):
        await make_rep(store, "\uff41\uff4e\uff4e")


async def test_unknown_code_is_not_found(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_code(code_of(ann.id, "111111111"))

    with pytest.raises(NotFound):
        await store.claim_code("222222222", NOW)


async def test_active_digits_cannot_be_issued_twice(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))

    with pytest.raises(Conflict):
        await store.create_code(code_of(bob.id))
    assert await store.active_codes(bob.id, NOW) == []


async def test_concurrent_issues_of_the_same_digits_have_one_winner(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")

    results = await asyncio.gather(
        store.create_code(code_of(ann.id)),
        store.create_code(code_of(bob.id)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, SessionCode) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results


async def test_digits_are_reused_once_the_old_code_is_inactive(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))
    await store.claim_code("123456789", NOW)
    expired = SessionCode("987654321", ann.id, None, NOW - timedelta(hours=1), NOW)
    await store.create_code(expired)

    reissued = SessionCode("123456789", bob.id, None, LATER, LATER + timedelta(minutes=20))
    await store.create_code(reissued)
    await store.create_code(replace(expired, rep_id=bob.id, created_at=NOW, expires_at=LATER))

    claimed = await store.claim_code("123456789", LATER)
    assert (claimed.rep_id, claimed.used_at) == (bob.id, LATER)


async def test_active_codes_are_the_representatives_live_ones(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    live = await store.create_code(code_of(ann.id, "100000001", minutes=20))
    await store.create_code(code_of(ann.id, "100000002", minutes=1))
    await store.create_code(code_of(ann.id, "100000003", minutes=20))
    await store.claim_code("100000003", NOW)
    await store.create_code(code_of(bob.id, "100000004"))

    assert await store.active_codes(ann.id, LATER) == [live]


async def test_code_for_a_portal_keeps_its_portal(store: SqlStore) -> None:
    ann = await make_rep(store)
    sales = await store.create_portal("sales", "Sales", [], "")
    code = replace(code_of(ann.id), portal_id=sales.id)

    await store.create_code(code)

    assert (await store.claim_code(code.code, NOW)).portal_id == sales.id


async def test_cancelled_code_cannot_be_claimed_and_frees_its_digits(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))

    await store.cancel_code("123456789", bob.id)
    assert len(await store.active_codes(ann.id, NOW)) == 1

    await store.cancel_code("123456789", ann.id)
    assert await store.active_codes(ann.id, NOW) == []
    with pytest.raises(NotFound):
        await store.claim_code("123456789", NOW)
    await store.create_code(code_of(bob.id))


# Migrations and engines ----------------------------------------------------------------


async def test_fresh_database_has_no_revision_until_upgraded(store_url: str) -> None:
    assert await current_revision(store_url) is None

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()


async def test_migrations_run_twice_are_a_no_op(store_url: str) -> None:
    await upgrade(store_url)
    first = SqlStore(create_engine(store_url))
    try:
        ann = await make_rep(first)
    finally:
        await first.close()

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()
    second = SqlStore(create_engine(store_url))
    try:
        assert await second.list_representatives() == [ann]
    finally:
        await second.close()


async def test_sqlite_connections_are_durable_and_check_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            synchronous = await connection.scalar(text("PRAGMA synchronous"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            busy = await connection.scalar(text("PRAGMA busy_timeout"))
    finally:
        await engine.dispose()
    assert journal == "wal"
    assert synchronous == 2  # FULL
    assert foreign_keys == 1
    assert busy is not None and busy > 0


def test_sqlite_url_points_at_a_file_in_the_data_folder(tmp_path: Path) -> None:
    url = sqlite_url_for(tmp_path / "data dir")

    assert url == f"sqlite+aiosqlite:///{tmp_path}/data dir/helpline.db"
    assert async_url(url).database == str(tmp_path / "data dir" / "helpline.db")


def test_plain_urls_get_the_async_drivers_and_others_are_refused() -> None:
    assert async_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        async_url("mysql://u@h/db")
