"""Session codes and their join links: how a representative brings a customer in.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
Digits are reused once a code is used or expired, so at most one code with given
digits may be active: creating one takes a PostgreSQL advisory lock on the digits
(SQLite has one writer), and redeeming one, by its digits or by its join link, is a
guarded ``UPDATE ... WHERE used_at IS NULL AND expires_at > now``, so of two racing
claims exactly one wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, insert, select, text, update

from helpline.domain.codes import SessionCode, check_redeemable
from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.store.base import StoreBase
from helpline.store.reader import Query
from helpline.store.rows import code_from_row
from helpline.store.tables import session_codes

_CODE_LOCK_NAMESPACE = 0x48_4C_43  # "HLC"


class CodesMixin(StoreBase):
    """Creating, listing, redeeming and cancelling session codes."""

    async def create_code(self, code: SessionCode) -> SessionCode:
        """Raises ``Conflict`` if a code with these digits is active at ``code.created_at``."""
        async with self._writing() as conn:
            if self._dialect == "postgresql":
                # Nothing to lock yet when the digits are free: lock the digits instead,
                # so two representatives cannot both get one code.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                    {"namespace": _CODE_LOCK_NAMESPACE, "key": int(code.code)},
                )
            active = await conn.scalar(
                select(session_codes.c.id).where(
                    session_codes.c.code == code.code,
                    _code_is_active(code.created_at),
                )
            )
            if active is not None:
                raise Conflict("This session code is in use; draw another.")
            await conn.execute(
                insert(session_codes).values(
                    code=code.code,
                    rep_id=code.rep_id,
                    portal_id=code.portal_id,
                    created_at=code.created_at,
                    expires_at=code.expires_at,
                    used_at=code.used_at,
                    link_hash=code.link_hash,
                )
            )
        return code

    async def active_codes(self, rep_id: int, now: datetime) -> list[SessionCode]:
        return [
            code_from_row(row)
            for row in await self._reads.all(_ACTIVE_CODES, rep_id=rep_id, now=now)
        ]

    async def claim_code(self, code: str, now: datetime) -> SessionCode:
        async with self._writing() as conn:
            claimed = (
                await conn.execute(
                    update(session_codes)
                    .where(session_codes.c.code == code, _code_is_active(now))
                    .values(used_at=now)
                    .returning(*session_codes.c)
                )
            ).first()
            if claimed is not None:
                return code_from_row(claimed)
            newest = (
                await conn.execute(
                    select(session_codes)
                    .where(session_codes.c.code == code)
                    .order_by(session_codes.c.id.desc())
                    .limit(1)
                )
            ).first()
        if newest is None:
            raise NotFound(
                "There is no session code with these digits. Check them with your representative."
            )
        stored = code_from_row(newest)
        check_redeemable(stored, now)
        # Active when read but not when updated: a racing claim won between the two.
        raise Expired("This session code was already used. Ask your representative for a new one.")

    async def claim_code_link(self, link_hash: bytes, now: datetime) -> SessionCode:
        async with self._writing() as conn:
            claimed = (
                await conn.execute(
                    update(session_codes)
                    .where(session_codes.c.link_hash == link_hash, _code_is_active(now))
                    .values(used_at=now)
                    .returning(*session_codes.c)
                )
            ).first()
            if claimed is not None:
                return code_from_row(claimed)
            known = (
                await conn.execute(
                    select(session_codes).where(session_codes.c.link_hash == link_hash)
                )
            ).first()
        if known is None:
            raise NotFound(
                "This join link does not work: it may have been cut off or cancelled. "
                "Ask your representative for a new one."
            )
        check_redeemable(code_from_row(known), now)
        raise Expired("This join link was already used. Ask your representative for a new one.")

    async def cancel_code(self, code: str, rep_id: int) -> None:
        """Withdraw the representative's active code with these digits; the digits
        become free at once. Cancelling a code that is not there is not an error."""
        async with self._writing() as conn:
            await conn.execute(
                session_codes.delete().where(
                    session_codes.c.code == code,
                    session_codes.c.rep_id == rep_id,
                    session_codes.c.used_at.is_(None),
                )
            )


def _code_is_active(now: datetime | ColumnElement[Any]) -> Any:
    return and_(session_codes.c.used_at.is_(None), session_codes.c.expires_at > now)


_ACTIVE_CODES = Query(
    select(session_codes)
    .where(session_codes.c.rep_id == bindparam("rep_id"), _code_is_active(bindparam("now")))
    .order_by(session_codes.c.created_at, session_codes.c.id)
)
