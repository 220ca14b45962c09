"""Scripted messages and URLs: the team's library and each representative's own.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
Positions stay dense (0..n-1) because every change to a library or category runs
under a lock on it (the SQLite write lock; on PostgreSQL the category's row, or an
advisory lock per library, since an empty library has no row to lock). Reading a
library takes a transaction of its own, so its categories and scripts agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.scripts import Script, ScriptCategory, ScriptKind
from helpline.store.base import StoreBase
from helpline.store.reader import Query
from helpline.store.rows import script_category_from_row, script_from_row
from helpline.store.tables import representatives, script_categories, scripts

_LIBRARY_LOCK_NAMESPACE = 0x48_4C_53  # "HLS"


class ScriptsMixin(StoreBase):
    """Script libraries: categories and their scripts, kept in order."""

    async def script_categories(
        self, kind: ScriptKind, rep_id: int
    ) -> list[tuple[ScriptCategory, list[Script]]]:
        async with self._reading() as conn:
            category_rows = await conn.execute(
                select(script_categories)
                .where(
                    script_categories.c.kind == kind.value,
                    or_(
                        script_categories.c.owner_rep_id.is_(None),
                        script_categories.c.owner_rep_id == rep_id,
                    ),
                )
                .order_by(
                    # The team's library first: false sorts before true on both dialects.
                    script_categories.c.owner_rep_id.is_not(None),
                    script_categories.c.position,
                    script_categories.c.id,
                )
            )
            categories = [script_category_from_row(row) for row in category_rows]
            in_category: dict[int, list[Script]] = {c.id: [] for c in categories}
            if categories:
                script_rows = await conn.execute(
                    select(scripts)
                    .where(scripts.c.category_id.in_(list(in_category)))
                    .order_by(scripts.c.category_id, scripts.c.position, scripts.c.id)
                )
                for row in script_rows:
                    in_category[row.category_id].append(script_from_row(row))
        return [(category, in_category[category.id]) for category in categories]

    async def get_script_category(self, category_id: int) -> ScriptCategory | None:
        row = await self._reads.first(_SCRIPT_CATEGORY, category_id=category_id)
        return None if row is None else script_category_from_row(row)

    async def create_script_category(
        self, kind: ScriptKind, owner_rep_id: int | None, name: str
    ) -> ScriptCategory:
        async with self._writing() as conn:
            await self._lock_library(conn, owner_rep_id)
            if owner_rep_id is not None:
                owner = await conn.scalar(
                    select(representatives.c.id).where(representatives.c.id == owner_rep_id)
                )
                if owner is None:
                    raise NotFound("There is no such representative.")
            position = await conn.scalar(
                select(func.count())
                .select_from(script_categories)
                .where(*_library(kind, owner_rep_id))
            )
            category_id = await conn.scalar(
                insert(script_categories)
                .values(kind=kind.value, owner_rep_id=owner_rep_id, name=name, position=position)
                .returning(script_categories.c.id)
            )
        assert category_id is not None
        return ScriptCategory(category_id, kind, owner_rep_id, name, int(position or 0))

    async def rename_script_category(self, category_id: int, name: str) -> None:
        async with self._writing() as conn:
            found = await conn.scalar(
                update(script_categories)
                .where(script_categories.c.id == category_id)
                .values(name=name)
                .returning(script_categories.c.id)
            )
        if found is None:
            raise NotFound("There is no such category.")

    async def delete_script_category(self, category_id: int) -> None:
        async with self._writing() as conn:
            category = await _script_category_in(conn, category_id)
            # Library lock before row locks, in every method that takes both, so two
            # library changes cannot wait on each other.
            await self._lock_library(conn, category.owner_rep_id)
            category = await _script_category_in(conn, category_id, for_update=True)
            # Explicitly, not through ON DELETE CASCADE: SQLite enforces foreign keys
            # only on connections that turned them on.
            await conn.execute(scripts.delete().where(scripts.c.category_id == category_id))
            await conn.execute(
                script_categories.delete().where(script_categories.c.id == category_id)
            )
            remaining = await conn.scalars(
                select(script_categories.c.id)
                .where(*_library(category.kind, category.owner_rep_id))
                .order_by(script_categories.c.position, script_categories.c.id)
            )
            await _set_positions(conn, script_categories, list(remaining))

    async def reorder_script_categories(
        self, kind: ScriptKind, owner_rep_id: int | None, ordered_ids: Sequence[int]
    ) -> None:
        """Raises ``Conflict`` if ``ordered_ids`` is not exactly the library's categories
        (one was added or deleted since the caller read them)."""
        async with self._writing() as conn:
            await self._lock_library(conn, owner_rep_id)
            current = await conn.scalars(
                select(script_categories.c.id).where(*_library(kind, owner_rep_id))
            )
            _check_same_items(list(current), ordered_ids)
            await _set_positions(conn, script_categories, list(ordered_ids))

    async def get_script(self, script_id: int) -> Script | None:
        row = await self._reads.first(_SCRIPT, script_id=script_id)
        return None if row is None else script_from_row(row)

    async def create_script(self, category_id: int, title: str, text: str) -> Script:
        async with self._writing() as conn:
            await _script_category_in(conn, category_id, for_update=True)
            position = await conn.scalar(
                select(func.count())
                .select_from(scripts)
                .where(scripts.c.category_id == category_id)
            )
            script_id = await conn.scalar(
                insert(scripts)
                .values(category_id=category_id, title=title, text=text, position=position)
                .returning(scripts.c.id)
            )
        assert script_id is not None
        return Script(script_id, category_id, title, text, int(position or 0))

    async def update_script(self, script_id: int, title: str, text: str) -> None:
        async with self._writing() as conn:
            found = await conn.scalar(
                update(scripts)
                .where(scripts.c.id == script_id)
                .values(title=title, text=text)
                .returning(scripts.c.id)
            )
        if found is None:
            raise NotFound("There is no such script.")

    async def delete_script(self, script_id: int) -> None:
        async with self._writing() as conn:
            category_id = await conn.scalar(
                select(scripts.c.category_id).where(scripts.c.id == script_id)
            )
            if category_id is None:
                raise NotFound("There is no such script.")
            await _script_category_in(conn, category_id, for_update=True)
            deleted = await conn.scalar(
                scripts.delete().where(scripts.c.id == script_id).returning(scripts.c.id)
            )
            if deleted is None:
                raise NotFound("There is no such script.")
            remaining = await conn.scalars(
                select(scripts.c.id)
                .where(scripts.c.category_id == category_id)
                .order_by(scripts.c.position, scripts.c.id)
            )
            await _set_positions(conn, scripts, list(remaining))

    async def reorder_scripts(self, category_id: int, ordered_ids: Sequence[int]) -> None:
        """Raises ``Conflict`` if ``ordered_ids`` is not exactly the category's scripts."""
        async with self._writing() as conn:
            await _script_category_in(conn, category_id, for_update=True)
            current = await conn.scalars(
                select(scripts.c.id).where(scripts.c.category_id == category_id)
            )
            _check_same_items(list(current), ordered_ids)
            await _set_positions(conn, scripts, list(ordered_ids))

    async def _lock_library(self, conn: AsyncConnection, owner_rep_id: int | None) -> None:
        if self._dialect == "postgresql":
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": _LIBRARY_LOCK_NAMESPACE, "key": owner_rep_id or 0},
            )


def _library(kind: ScriptKind, owner_rep_id: int | None) -> list[ColumnElement[bool]]:
    owner = (
        script_categories.c.owner_rep_id.is_(None)
        if owner_rep_id is None
        else script_categories.c.owner_rep_id == owner_rep_id
    )
    return [script_categories.c.kind == kind.value, owner]


async def _script_category_in(
    conn: AsyncConnection, category_id: int, for_update: bool = False
) -> ScriptCategory:
    statement = select(script_categories).where(script_categories.c.id == category_id)
    if for_update:
        # Serializes changes to one category's scripts on PostgreSQL; SQLite's writes
        # are serialized already and SQLAlchemy leaves FOR UPDATE out there.
        statement = statement.with_for_update()
    row = (await conn.execute(statement)).first()
    if row is None:
        raise NotFound("There is no such category.")
    return script_category_from_row(row)


def _check_same_items(current: Sequence[int], proposed: Sequence[int]) -> None:
    if sorted(current) != sorted(proposed) or len(set(proposed)) != len(proposed):
        raise Conflict("The list changed meanwhile. Reload it and order it again.")


async def _set_positions(conn: AsyncConnection, table: Any, ordered_ids: Sequence[int]) -> None:
    """Number the rows 0..n-1 in this order."""
    if not ordered_ids:
        return
    await conn.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(position=bindparam("new_position")),
        [{"row_id": row_id, "new_position": n} for n, row_id in enumerate(ordered_ids)],
    )


_SCRIPT_CATEGORY = Query(
    select(script_categories).where(script_categories.c.id == bindparam("category_id"))
)
_SCRIPT = Query(select(scripts).where(scripts.c.id == bindparam("script_id")))
