"""Seed a fresh database with representatives, logins and active sessions.

Seeding goes through Helpline's own store and domain rules (the same calls the server
makes when a customer joins with a representative's session code), before the server
starts, so the scenarios measure the server and not the set-up. Tokens are made here,
so the generator holds each customer's bearer token and each console's cookie.

A *group* is up to eight sessions and the representatives who hold all of them: one
in most scenarios (one console per eight sessions), three in the fan-out scenario
(the third masked).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

SESSIONS_PER_CONSOLE = 8
BENCH_PASSWORD = "bench-password-not-secret"


@dataclass(frozen=True)
class Group:
    sessions: list[dict[str, str]]  # {"id": public id, "token": customer bearer token}
    consoles: list[dict[str, Any]]  # {"rep": id, "cookie": login token, "masked": bool}

    def as_dict(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "consoles": self.consoles}


def _fast_sqlite(engine: Any) -> None:
    """Seeding only: no fsync per commit. The server opens its own engine (FULL)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _no_sync(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


async def seed(
    database_url: str,
    sessions: int,
    reps_per_group: int = 1,
    masked_last: bool = False,
    progress: Any = None,
) -> list[Group]:
    from helpline.domain import sessions as rules
    from helpline.domain.errors import Conflict
    from helpline.domain.people import Role
    from helpline.domain.sessions import ClientInfo, format_public_id
    from helpline.server.security import hash_password, new_token, random_below, token_hash
    from helpline.store.database import create_engine
    from helpline.store.migrate import upgrade
    from helpline.store.protocol import NewSession
    from helpline.store.sql import SqlStore

    await upgrade(database_url)
    engine = create_engine(database_url)
    if database_url.startswith("sqlite"):
        _fast_sqlite(engine)
    store = SqlStore(engine)
    now = datetime.now(UTC)
    expires = now + timedelta(hours=23)
    password_hash = hash_password(BENCH_PASSWORD)
    groups: list[Group] = []
    made = 0
    try:
        group_count = (sessions + SESSIONS_PER_CONSOLE - 1) // SESSIONS_PER_CONSOLE
        for g in range(group_count):
            reps = []
            consoles = []
            for r in range(reps_per_group):
                rep = await store.create_representative(
                    f"bench{g:05d}r{r}", f"Rep {g}.{r}", Role.REPRESENTATIVE, password_hash, now
                )
                cookie = new_token()
                await store.create_login(token_hash(cookie), rep.id, now, expires)
                masked = masked_last and r == reps_per_group - 1 and reps_per_group > 1
                reps.append(rep)
                consoles.append({"rep": rep.id, "cookie": cookie, "masked": masked})
            group_sessions = []
            for _ in range(min(SESSIONS_PER_CONSOLE, sessions - made)):
                token = new_token()
                primary = reps[0]

                def opening(session: Any, primary: Any = primary) -> Any:
                    return rules.start_with_representative(session, primary, now)

                while True:
                    new = NewSession(
                        public_id=format_public_id(random_below(32**8)),
                        portal_id=None,
                        customer_name=f"Customer {made}",
                        query="",
                        client=ClientInfo("Linux", "bench"),
                        token_hash=token_hash(token),
                        token_expires_at=expires,
                    )
                    try:
                        session, _ = await store.create_session(new, now, opening)
                        break
                    except Conflict:
                        continue
                for index, rep in enumerate(reps[1:], start=1):
                    attendees = await store.list_attendees(session.id)
                    masked = bool(consoles[index]["masked"])
                    change = rules.add_representative(session, attendees, primary, rep, masked, now)
                    await store.apply(change, now)
                group_sessions.append({"id": session.public_id, "token": token})
                made += 1
                if progress and made % 1000 == 0:
                    progress(f"seeded {made}/{sessions} sessions")
            groups.append(Group(group_sessions, consoles))
    finally:
        await store.close()
    return groups


def seed_sync(database_url: str, sessions: int, **kwargs: Any) -> list[Group]:
    return asyncio.run(seed(database_url, sessions, **kwargs))
