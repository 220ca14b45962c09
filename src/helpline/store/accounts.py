"""Representatives and their console logins (the cookie sessions).

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
A username is unique: a second account with it is a ``Conflict``, whether the check
or, for two creators racing past it, the unique constraint finds it. A login names a
representative only while it has not expired and the account is active.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.people import Preferences, Representative, Role, normalize_username
from helpline.store.base import StoreBase
from helpline.store.reader import Query
from helpline.store.rows import representative_from_row
from helpline.store.tables import logins, representatives


class AccountsMixin(StoreBase):
    """Representatives' accounts and logins."""

    async def create_representative(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        now: datetime,
    ) -> Representative:
        username = normalize_username(username)
        taken = Conflict(f"The username {username!r} is taken.")
        preferences = Preferences()
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(
                    select(representatives.c.id).where(representatives.c.username == username)
                )
                if existing is not None:
                    raise taken
                rep_id = await conn.scalar(
                    insert(representatives)
                    .values(
                        username=username,
                        display_name=display_name,
                        role=role.value,
                        password_hash=password_hash,
                        preferences=preferences.as_dict(),
                        max_concurrent_sessions=Representative.max_concurrent_sessions,
                        active=True,
                        created_at=now,
                    )
                    .returning(representatives.c.id)
                )
        except IntegrityError as exc:
            # Two creators raced past the check; the unique constraint decided.
            raise taken from exc
        assert rep_id is not None
        return Representative(rep_id, username, display_name, role, preferences)

    async def get_representative(self, rep_id: int) -> Representative | None:
        row = await self._reads.first(_REPRESENTATIVE, rep_id=rep_id)
        return None if row is None else representative_from_row(row)

    async def find_login(self, username: str) -> tuple[Representative, str] | None:
        row = await self._reads.first(_REPRESENTATIVE_NAMED, username=normalize_username(username))
        return None if row is None else (representative_from_row(row), row.password_hash)

    async def list_representatives(self) -> list[Representative]:
        return [representative_from_row(row) for row in await self._reads.all(_REPRESENTATIVES)]

    async def count_representatives(self) -> int:
        count = await self._reads.scalar(_REPRESENTATIVE_COUNT)
        return int(count or 0)

    async def set_password_hash(self, rep_id: int, password_hash: str) -> None:
        await self._update_representative(rep_id, password_hash=password_hash)

    async def save_preferences(self, rep_id: int, preferences: Preferences) -> None:
        await self._update_representative(rep_id, preferences=preferences.as_dict())

    async def _update_representative(self, rep_id: int, **values: Any) -> None:
        async with self._writing() as conn:
            found = await conn.scalar(
                update(representatives)
                .where(representatives.c.id == rep_id)
                .values(**values)
                .returning(representatives.c.id)
            )
        if found is None:
            raise NotFound("There is no such representative.")

    async def create_login(
        self, token_hash: bytes, rep_id: int, now: datetime, expires_at: datetime
    ) -> None:
        async with self._writing() as conn:
            await conn.execute(
                insert(logins).values(
                    token_hash=token_hash, rep_id=rep_id, created_at=now, expires_at=expires_at
                )
            )

    async def rep_for_login(self, token_hash: bytes, now: datetime) -> int | None:
        """The representative behind a live login; a deactivated one has none."""
        rep_id = await self._reads.scalar(_REP_FOR_LOGIN, token_hash=token_hash, now=now)
        return None if rep_id is None else int(rep_id)

    async def delete_login(self, token_hash: bytes) -> None:
        async with self._writing() as conn:
            await conn.execute(logins.delete().where(logins.c.token_hash == token_hash))


_REPRESENTATIVE = Query(select(representatives).where(representatives.c.id == bindparam("rep_id")))
_REPRESENTATIVE_NAMED = Query(
    select(representatives).where(representatives.c.username == bindparam("username"))
)
_REPRESENTATIVES = Query(select(representatives).order_by(representatives.c.id))
_REPRESENTATIVE_COUNT = Query(select(func.count()).select_from(representatives))
_REP_FOR_LOGIN = Query(
    select(logins.c.rep_id)
    .join(representatives, representatives.c.id == logins.c.rep_id)
    .where(
        logins.c.token_hash == bindparam("token_hash"),
        logins.c.expires_at > bindparam("now"),
        representatives.c.active.is_(True),
    )
)
