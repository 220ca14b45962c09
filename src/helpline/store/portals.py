"""Portals (the customer's way in, with its form and greeting) and their members.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). A
portal's address is unique, like a username; membership says which representatives
see a portal's queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.portals import Portal, PortalField
from helpline.store.base import StoreBase
from helpline.store.reader import Query
from helpline.store.rows import portal_from_row
from helpline.store.tables import portal_members, portals, representatives


class PortalsMixin(StoreBase):
    """Portals, their settings and their members."""

    async def create_portal(
        self, slug: str, name: str, fields: Sequence[PortalField], greeting: str
    ) -> Portal:
        taken = Conflict(f"The portal address {slug!r} is taken.")
        field_tuple = tuple(PortalField(f) for f in fields)
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(select(portals.c.id).where(portals.c.slug == slug))
                if existing is not None:
                    raise taken
                portal_id = await conn.scalar(
                    insert(portals)
                    .values(
                        slug=slug,
                        name=name,
                        fields=",".join(f.value for f in field_tuple),
                        greeting=greeting,
                    )
                    .returning(portals.c.id)
                )
        except IntegrityError as exc:
            raise taken from exc
        assert portal_id is not None
        return Portal(portal_id, slug, name, field_tuple, greeting)

    async def get_portal(self, portal_id: int) -> Portal | None:
        row = await self._reads.first(_PORTAL, portal_id=portal_id)
        return None if row is None else portal_from_row(row)

    async def get_portal_by_slug(self, slug: str) -> Portal | None:
        row = await self._reads.first(_PORTAL_BY_SLUG, slug=slug)
        return None if row is None else portal_from_row(row)

    async def list_portals(self) -> list[Portal]:
        return [portal_from_row(row) for row in await self._reads.all(_PORTALS)]

    async def add_portal_member(self, portal_id: int, rep_id: int) -> None:
        async with self._writing() as conn:
            if await conn.scalar(select(portals.c.id).where(portals.c.id == portal_id)) is None:
                raise NotFound("There is no such portal.")
            rep = await conn.scalar(
                select(representatives.c.id).where(representatives.c.id == rep_id)
            )
            if rep is None:
                raise NotFound("There is no such representative.")
            statement = self._insert(portal_members).values(portal_id=portal_id, rep_id=rep_id)
            await conn.execute(statement.on_conflict_do_nothing())

    async def portals_of(self, rep_id: int) -> list[Portal]:
        return [portal_from_row(row) for row in await self._reads.all(_PORTALS_OF, rep_id=rep_id)]

    async def members_of(self, portal_id: int) -> list[int]:
        rows = await self._reads.all(_MEMBERS_OF, portal_id=portal_id)
        return [int(row.rep_id) for row in rows]

    async def update_portal(
        self, portal_id: int, name: str | None = None, greeting: str | None = None
    ) -> Portal:
        values = {
            column: value
            for column, value in (("name", name), ("greeting", greeting))
            if value is not None
        }
        async with self._writing() as conn:
            if values:
                statement: Any = (
                    update(portals)
                    .where(portals.c.id == portal_id)
                    .values(**values)
                    .returning(*portals.c)
                )
            else:
                statement = select(portals).where(portals.c.id == portal_id)
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound("There is no such portal.")
        return portal_from_row(row)


_PORTAL = Query(select(portals).where(portals.c.id == bindparam("portal_id")))
_PORTAL_BY_SLUG = Query(select(portals).where(portals.c.slug == bindparam("slug")))
_PORTALS = Query(select(portals).order_by(portals.c.id))
_PORTALS_OF = Query(
    select(portals)
    .join(portal_members, portal_members.c.portal_id == portals.c.id)
    .where(portal_members.c.rep_id == bindparam("rep_id"))
    .order_by(portals.c.id)
)
_MEMBERS_OF = Query(
    select(portal_members.c.rep_id)
    .where(portal_members.c.portal_id == bindparam("portal_id"))
    .order_by(portal_members.c.rep_id)
)
