"""The Library's part of the store contract, on real SQLite and real PostgreSQL: scripted
messages and URLs in categories, at dense positions, the team's library and each
representative's own kept apart, reorders from a stale list refused. Every test runs
once per database.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.scripts import ScriptKind
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration import test_store_tools as tools
from tests.integration.test_store import make_rep

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store
picked_up_by = tools.picked_up_by


# Scripted messages and URLs --------------------------------------------------------------


async def positions_of(store: SqlStore, kind: ScriptKind, rep_id: int) -> list[Any]:
    """[(category name, position, [(script title, position)...])...] as listed."""
    return [
        (c.name, c.position, [(s.title, s.position) for s in scripts])
        for c, scripts in await store.script_categories(kind, rep_id)
    ]


async def test_categories_and_scripts_are_appended_last_and_read_back(store: SqlStore) -> None:
    ann = await make_rep(store)
    greetings = await store.create_script_category(ScriptKind.MESSAGE, None, "Greetings")
    closing = await store.create_script_category(ScriptKind.MESSAGE, None, "Closing")
    hello = await store.create_script(greetings.id, "Hello", "Hello {customer.name}!")
    morning = await store.create_script(greetings.id, "Morning", "Good morning.")

    assert (greetings.position, closing.position) == (0, 1)
    assert (hello.position, morning.position) == (0, 1)
    assert await store.get_script_category(greetings.id) == greetings
    assert await store.get_script(hello.id) == hello
    assert await store.script_categories(ScriptKind.MESSAGE, ann.id) == [
        (greetings, [hello, morning]),
        (closing, []),
    ]
    assert await store.get_script_category(closing.id + 100) is None
    assert await store.get_script(morning.id + 100) is None


async def test_team_library_comes_first_and_personal_libraries_stay_personal(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    # Created personal-first, so listing order cannot come from ids alone.
    anns = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Ann's")
    bobs = await store.create_script_category(ScriptKind.MESSAGE, bob.id, "Bob's")
    team = await store.create_script_category(ScriptKind.MESSAGE, None, "Team")
    links = await store.create_script_category(ScriptKind.URL, None, "Links")

    assert (anns.position, bobs.position, team.position, links.position) == (0, 0, 0, 0)
    assert [c for c, _ in await store.script_categories(ScriptKind.MESSAGE, ann.id)] == [
        team,
        anns,
    ]
    assert [c for c, _ in await store.script_categories(ScriptKind.MESSAGE, bob.id)] == [
        team,
        bobs,
    ]
    assert [c for c, _ in await store.script_categories(ScriptKind.URL, ann.id)] == [links]


async def test_updated_script_and_renamed_category_read_back(store: SqlStore) -> None:
    category = await store.create_script_category(ScriptKind.URL, None, "Links")
    script = await store.create_script(category.id, "Docs", "https://example.com/docs")

    await store.rename_script_category(category.id, "Useful links")
    await store.update_script(script.id, "Manual", "https://example.com/manual")

    assert await store.get_script_category(category.id) == replace(category, name="Useful links")
    assert await store.get_script(script.id) == replace(
        script, title="Manual", text="https://example.com/manual"
    )


async def test_changing_unknown_scripts_or_categories_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.create_script(404, "T", "x")
    with pytest.raises(NotFound):
        await store.rename_script_category(404, "x")
    with pytest.raises(NotFound):
        await store.delete_script_category(404)
    with pytest.raises(NotFound):
        await store.reorder_scripts(404, [])
    with pytest.raises(NotFound):
        await store.update_script(404, "T", "x")
    with pytest.raises(NotFound):
        await store.delete_script(404)
    with pytest.raises(NotFound):
        await store.create_script_category(ScriptKind.MESSAGE, 404, "x")


async def test_deleting_a_script_closes_the_gap(store: SqlStore) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Mine")
    first, second, third = [
        await store.create_script(category.id, title, "text") for title in ("A", "B", "C")
    ]

    await store.delete_script(second.id)

    assert await store.get_script(second.id) is None
    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("Mine", 0, [("A", 0), ("C", 1)])
    ]
    assert (await store.get_script(third.id)) == replace(third, position=1)
    assert (await store.get_script(first.id)) == first


async def test_deleting_a_category_deletes_its_scripts_and_closes_the_gap(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    first = await store.create_script_category(ScriptKind.MESSAGE, None, "First")
    doomed = await store.create_script_category(ScriptKind.MESSAGE, None, "Doomed")
    await store.create_script_category(ScriptKind.MESSAGE, None, "Last")
    kept = await store.create_script(first.id, "Kept", "x")
    gone = [await store.create_script(doomed.id, title, "x") for title in ("A", "B")]

    await store.delete_script_category(doomed.id)

    assert await store.get_script_category(doomed.id) is None
    assert [await store.get_script(s.id) for s in gone] == [None, None]
    assert await store.get_script(kept.id) == kept
    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("First", 0, [("Kept", 0)]),
        ("Last", 1, []),
    ]


async def test_reordering_categories_keeps_positions_dense_and_libraries_apart(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    a, b, c = [
        await store.create_script_category(ScriptKind.MESSAGE, None, name)
        for name in ("A", "B", "C")
    ]
    mine = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Mine")

    await store.reorder_script_categories(ScriptKind.MESSAGE, None, [c.id, a.id, b.id])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("C", 0, []),
        ("A", 1, []),
        ("B", 2, []),
        ("Mine", 0, []),
    ]
    # The personal category is not part of the team's library.
    with pytest.raises(Conflict):
        await store.reorder_script_categories(ScriptKind.MESSAGE, None, [mine.id, c.id, a.id, b.id])
    assert await store.get_script_category(mine.id) == mine


async def test_reordering_scripts_keeps_positions_dense(store: SqlStore) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, None, "Cat")
    a, b, c = [await store.create_script(category.id, title, "x") for title in ("A", "B", "C")]

    await store.reorder_scripts(category.id, [b.id, c.id, a.id])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("Cat", 0, [("B", 0), ("C", 1), ("A", 2)])
    ]


async def test_a_reorder_from_a_stale_list_is_a_conflict_and_changes_nothing(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, None, "Cat")
    a, b = [await store.create_script(category.id, title, "x") for title in ("A", "B")]
    await store.create_script(category.id, "Added meanwhile", "x")
    before = await positions_of(store, ScriptKind.MESSAGE, ann.id)

    with pytest.raises(Conflict):
        await store.reorder_scripts(category.id, [b.id, a.id])
    with pytest.raises(Conflict):
        await store.reorder_script_categories(ScriptKind.MESSAGE, None, [])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == before


async def test_concurrent_additions_get_distinct_dense_positions(store: SqlStore) -> None:
    ann = await make_rep(store)
    categories = await asyncio.gather(
        *(store.create_script_category(ScriptKind.MESSAGE, None, f"C{i}") for i in range(8))
    )
    first = categories[0]
    scripts_ = await asyncio.gather(
        *(store.create_script(first.id, f"S{i}", "x") for i in range(8))
    )

    assert sorted(c.position for c in categories) == list(range(8))
    assert sorted(s.position for s in scripts_) == list(range(8))
    listed = await positions_of(store, ScriptKind.MESSAGE, ann.id)
    assert [position for _, position, _ in listed] == list(range(8))
