"""Team settings: named values the whole team shares (the console's team options).

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``);
setting a value inserts it or replaces the one stored, in one statement.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from helpline.store.base import StoreBase
from helpline.store.reader import Query
from helpline.store.tables import team_settings


class TeamSettingsMixin(StoreBase):
    """Reading and setting the team's settings."""

    async def get_team_setting(self, key: str) -> str | None:
        value = await self._reads.scalar(_TEAM_SETTING, key=key)
        return None if value is None else str(value)

    async def set_team_setting(self, key: str, value: str) -> None:
        async with self._writing() as conn:
            statement = self._insert(team_settings).values(key=key, value=value)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[team_settings.c.key], set_={"value": value}
                )
            )


_TEAM_SETTING = Query(select(team_settings.c.value).where(team_settings.c.key == bindparam("key")))
