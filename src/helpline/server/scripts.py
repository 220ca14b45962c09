"""Scripted messages and URLs: the team's libraries (kept by managers) and each
representative's personal one, with categories and order."""

from __future__ import annotations

from collections.abc import Sequence

from helpline.domain.errors import Forbidden, NotFound
from helpline.domain.scripts import (
    Script,
    ScriptCategory,
    ScriptKind,
    check_order,
    check_script_text,
    check_title,
)
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.service import HelplineService


class ScriptLibrary:
    def __init__(self, service: HelplineService) -> None:
        self.store = service.store

    async def listing(self, actor: RepActor, kind: ScriptKind) -> list[wire.JsonDict]:
        result = []
        for category, scripts in await self.store.script_categories(kind, actor.rep.id):
            result.append(
                {
                    "id": category.id,
                    "name": category.name,
                    "team": category.owner_rep_id is None,
                    "editable": self._may_edit(actor, category),
                    "scripts": [{"id": s.id, "title": s.title, "text": s.text} for s in scripts],
                }
            )
        return result

    @staticmethod
    def _may_edit(actor: RepActor, category: ScriptCategory) -> bool:
        if category.owner_rep_id is None:
            return actor.rep.is_manager
        return category.owner_rep_id == actor.rep.id

    async def _category(self, actor: RepActor, category_id: int) -> ScriptCategory:
        category = await self.store.get_script_category(category_id)
        if category is None or (
            category.owner_rep_id is not None and category.owner_rep_id != actor.rep.id
        ):
            raise NotFound("There is no such category.")
        if not self._may_edit(actor, category):
            raise Forbidden("Only managers can change the team's library.")
        return category

    async def _script(self, actor: RepActor, script_id: int) -> tuple[Script, ScriptCategory]:
        script = await self.store.get_script(script_id)
        if script is None:
            raise NotFound("There is no such script.")
        return script, await self._category(actor, script.category_id)

    def _owner(self, actor: RepActor, team: bool) -> int | None:
        if team and not actor.rep.is_manager:
            raise Forbidden("Only managers can change the team's library.")
        return None if team else actor.rep.id

    async def create_category(
        self, actor: RepActor, kind: ScriptKind, team: bool, name: str
    ) -> ScriptCategory:
        owner = self._owner(actor, team)
        return await self.store.create_script_category(kind, owner, check_title(name, "A name"))

    async def rename_category(self, actor: RepActor, category_id: int, name: str) -> None:
        await self._category(actor, category_id)
        await self.store.rename_script_category(category_id, check_title(name, "A name"))

    async def delete_category(self, actor: RepActor, category_id: int) -> None:
        await self._category(actor, category_id)
        await self.store.delete_script_category(category_id)

    async def reorder_categories(
        self, actor: RepActor, kind: ScriptKind, team: bool, ordered: Sequence[int]
    ) -> None:
        owner = self._owner(actor, team)
        current = [
            c.id
            for c, _ in await self.store.script_categories(kind, actor.rep.id)
            if c.owner_rep_id == owner
        ]
        await self.store.reorder_script_categories(kind, owner, check_order(current, list(ordered)))

    async def create_script(
        self, actor: RepActor, category_id: int, title: str, text: str
    ) -> Script:
        category = await self._category(actor, category_id)
        return await self.store.create_script(
            category_id, check_title(title), check_script_text(category.kind, text)
        )

    async def update_script(self, actor: RepActor, script_id: int, title: str, text: str) -> None:
        _, category = await self._script(actor, script_id)
        await self.store.update_script(
            script_id, check_title(title), check_script_text(category.kind, text)
        )

    async def delete_script(self, actor: RepActor, script_id: int) -> None:
        await self._script(actor, script_id)
        await self.store.delete_script(script_id)

    async def reorder_scripts(
        self, actor: RepActor, category_id: int, ordered: Sequence[int]
    ) -> None:
        category = await self._category(actor, category_id)
        for found, scripts in await self.store.script_categories(category.kind, actor.rep.id):
            if found.id == category_id:
                current = [s.id for s in scripts]
                break
        else:
            raise NotFound("There is no such category.")
        await self.store.reorder_scripts(category_id, check_order(current, list(ordered)))
