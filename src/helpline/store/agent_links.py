"""Attach links of the Helpline agent: saving one, and redeeming it exactly once.

Why this exists: redeeming must be atomic. A guarded ``UPDATE ... WHERE used_at IS
NULL AND expires_at > now`` marks the link used, so of two agents racing with one link
exactly one attaches; the caller does the rest (the new token, the agent's details of
the computer, the note) in the same transaction: ``AgentLinksMixin``, the part of
``SqlStore`` at the end of this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.agent_links import AgentLink, check_redeemable
from helpline.domain.errors import Expired, NotFound, SessionEnded
from helpline.domain.events import Event, EventDraft
from helpline.domain.sessions import Attendee, ClientInfo, SessionStatus, SupportSession
from helpline.store.base import StoreBase
from helpline.store.log import insert_events
from helpline.store.rows import attendee_from_row, client_values
from helpline.store.sessions import ATTENDEES, session_in
from helpline.store.tables import agent_links, customer_tokens, sessions


async def save_link(conn: AsyncConnection, insert: Any, link: AgentLink) -> None:
    """Save the session's link, replacing the one it had: at most one works at a time."""
    values = {
        "secret_hash": link.secret_hash,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "used_at": link.used_at,
    }
    statement = insert(agent_links).values(session_id=link.session_id, **values)
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[agent_links.c.session_id], set_=values)
    )


async def claim_link(conn: AsyncConnection, secret_hash: bytes, now: datetime) -> int:
    """Mark the link used and return its session's id; ``NotFound`` for a secret no link
    has (wrong, cut off, or replaced by a newer link), ``Expired`` for one used or too old."""
    claimed = await conn.scalar(
        update(agent_links)
        .where(
            agent_links.c.secret_hash == secret_hash,
            agent_links.c.used_at.is_(None),
            agent_links.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(agent_links.c.session_id)
    )
    if claimed is not None:
        return int(claimed)
    known = (
        await conn.execute(select(agent_links).where(agent_links.c.secret_hash == secret_hash))
    ).first()
    if known is None:
        raise NotFound(
            "This agent link does not work: it may have been cut off, or replaced by a newer "
            "one. Ask your representative to send the agent again."
        )
    check_redeemable(_link(known), now)
    # Redeemable when read but not when updated: a racing attach won between the two.
    raise Expired(
        "This agent link was already used. Ask your representative to send the agent again."
    )


def _link(row: Any) -> AgentLink:
    return AgentLink(
        session_id=row.session_id,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class AgentLinksMixin(StoreBase):
    """Saving a session's attach link, and attaching the agent with it."""

    async def save_agent_link(self, link: AgentLink) -> None:
        async with self._writing() as conn:
            await save_link(conn, self._insert, link)

    async def attach_agent(
        self,
        secret_hash: bytes,
        now: datetime,
        client: ClientInfo,
        token_hash: bytes,
        token_expires_at: datetime,
        note: Callable[[SupportSession, list[Attendee]], EventDraft],
    ) -> tuple[SupportSession, list[Event]]:
        async with self._writing() as conn:
            session_id = await claim_link(conn, secret_hash, now)
            still_open = await conn.scalar(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.status != SessionStatus.ENDED.value)
                .values(**client_values(client))
                .returning(sessions.c.id)
            )
            if still_open is None:
                raise SessionEnded("This session has ended, so the agent cannot join it.")
            await conn.execute(
                insert(customer_tokens).values(
                    token_hash=token_hash, session_id=session_id, expires_at=token_expires_at
                )
            )
            session = await session_in(conn, session_id)
            assert session is not None
            rows = await conn.execute(ATTENDEES.statement.params(session_id=session_id))
            present = [attendee_from_row(row) for row in rows]
            notes = await insert_events(conn, session_id, [note(session, present)], now)
        return session, notes
