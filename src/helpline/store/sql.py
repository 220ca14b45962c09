"""``SqlStore``: the ``Store`` protocol over SQLAlchemy Core, on SQLite or PostgreSQL.

Every method is one transaction. The log's ``seq`` comes from ``sessions.last_seq``,
incremented by the same transaction that inserts the event: on PostgreSQL the
UPDATE's row lock serializes appends to one session, on SQLite there is one writer at
a time anyway, and a rolled-back append rolls its increment back, so the numbers stay
gapless. SQLite allows a single writer per database, so write transactions of one
store wait for each other on an ``asyncio.Lock`` rather than on SQLite's busy timeout;
reads never take it.

Appends are group-committed: ``append`` hands its draft to the store's
``AppendWriter`` (``helpline.store.writer``), which saves the appends waiting together
in one transaction (one fsync) and holds each of them to the rules above.

Reads of one statement (the session and attendees every message reads, logins,
portals, the log...) are stated once as ``Query`` constants at the end of this module
and run by the store's ``Reader`` (``helpline.store.reader``) without a transaction
around them: on SQLite one call into the driver's thread on a read connection of
their own, on PostgreSQL one ``AUTOCOMMIT`` round trip. A lone SELECT sees everything
committed before it began, as the transaction did. Reads of several statements that
must agree (the script libraries, the history page's count and rows) keep a
transaction of their own.

The session tools (invitations, script libraries, team settings, history search) keep
the same rules. Two of them need more than one row to agree: "the first to accept an
invitation wins" is a guarded ``UPDATE ... WHERE state = 'pending'``, and script
positions stay dense (0..n-1) because every change to a library or category runs
under a lock on it (the SQLite write lock; on PostgreSQL the category's row, or an
advisory lock per library, since an empty library has no row to lock). The history
search index is written by the same transaction as the text it indexes.

Shared files and consent requests are answered once: like invitations, the answer is
a guarded ``UPDATE ... WHERE state = 'offered'`` (or ``'pending'``) in the transaction
that appends its notes, so of two racing answers one is saved with its notes and the
other saves nothing. Their notes go through the same append as every other event, and
so get gapless ``seq`` and search index rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from helpline.domain.agent_links import AgentLink
from helpline.domain.codes import SessionCode, check_redeemable
from helpline.domain.consent import ConsentKind, ConsentRequest, ConsentState
from helpline.domain.errors import Conflict, Expired, NotFound, SessionEnded
from helpline.domain.events import (
    Author,
    AuthorKind,
    Event,
    EventDraft,
)
from helpline.domain.files import FileAudience, FileState, SharedFile
from helpline.domain.invitations import Invitation, InvitationKind, InvitationState
from helpline.domain.people import Preferences, Representative, Role, normalize_username
from helpline.domain.portals import Portal, PortalField
from helpline.domain.scripts import Script, ScriptCategory, ScriptKind
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    Change,
    ClientInfo,
    Outcome,
    SessionStatus,
    SupportSession,
)
from helpline.store import agent_links, presence
from helpline.store.database import for_writes
from helpline.store.protocol import (
    Appended,
    HelplineStore,
    HistoryQuery,
    NewSession,
    PresenceChanges,
    SessionToolsStore,
    Store,
    TransferStore,
)
from helpline.store.reader import Query, Reader
from helpline.store.rows import client_from_row, client_values
from helpline.store.rows import event_from_row as _event
from helpline.store.rows import event_values as _event_values
from helpline.store.rows import searchable_text as _searchable_text
from helpline.store.tables import (
    attendees,
    consent_requests,
    customer_tokens,
    events,
    files,
    invitations,
    logins,
    portal_members,
    portals,
    representatives,
    script_categories,
    scripts,
    session_codes,
    session_search,
    sessions,
    team_settings,
)
from helpline.store.writer import AppendWriter

# Namespace of the PostgreSQL advisory locks that serialize creating session codes.
_CODE_LOCK_NAMESPACE = 0x48_4C_43  # "HLC"
# Namespace of the advisory locks on script libraries; the key is the owner (0: team).
_LIBRARY_LOCK_NAMESPACE = 0x48_4C_53  # "HLS"

# Ids per DELETE statement: well under SQLite's limit on bound parameters.
_DELETE_BATCH = 500

_PREFERENCE_NAMES = frozenset(f.name for f in dataclass_fields(Preferences))


class SqlStore:
    """The store, over an engine made by ``helpline.store.database.create_engine``.

    The engine must come from that function: it configures SQLite connections
    (durability, foreign keys, transaction control) that these queries rely on.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_engine = for_writes(engine)
        self._dialect = engine.dialect.name
        self._write_lock = asyncio.Lock() if self._dialect == "sqlite" else None
        self._appends = AppendWriter(engine, self._write_engine, self._write_lock)
        # Single-statement reads: one hand-off to the driver, no BEGIN/ROLLBACK.
        self._reads = Reader(engine)

    async def close(self) -> None:
        # Appends already queued are saved (and answered) before the engine goes.
        await self._appends.close()
        await self._reads.close()
        await self._engine.dispose()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self._write_engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._write_engine.begin() as conn:
            yield conn

    # Representatives -----------------------------------------------------------

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
        return None if row is None else _representative(row)

    async def find_login(self, username: str) -> tuple[Representative, str] | None:
        row = await self._reads.first(_REPRESENTATIVE_NAMED, username=normalize_username(username))
        return None if row is None else (_representative(row), row.password_hash)

    async def list_representatives(self) -> list[Representative]:
        return [_representative(row) for row in await self._reads.all(_REPRESENTATIVES)]

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

    # Console logins (cookie sessions) -------------------------------------------

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

    # Portals ---------------------------------------------------------------------

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
        return None if row is None else _portal(row)

    async def get_portal_by_slug(self, slug: str) -> Portal | None:
        row = await self._reads.first(_PORTAL_BY_SLUG, slug=slug)
        return None if row is None else _portal(row)

    async def list_portals(self) -> list[Portal]:
        return [_portal(row) for row in await self._reads.all(_PORTALS)]

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
        return [_portal(row) for row in await self._reads.all(_PORTALS_OF, rep_id=rep_id)]

    async def members_of(self, portal_id: int) -> list[int]:
        rows = await self._reads.all(_MEMBERS_OF, portal_id=portal_id)
        return [int(row.rep_id) for row in rows]

    # Sessions ----------------------------------------------------------------------

    async def create_session(
        self, new: NewSession, now: datetime, opening: Callable[[SupportSession], Change]
    ) -> tuple[SupportSession, list[Event]]:
        taken = Conflict(f"The session id {new.public_id} is taken.")
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(
                    select(sessions.c.id).where(sessions.c.public_id == new.public_id)
                )
                if existing is not None:
                    raise taken
                if new.portal_id is not None:
                    portal = await conn.scalar(
                        select(portals.c.id).where(portals.c.id == new.portal_id)
                    )
                    if portal is None:
                        raise NotFound("There is no such portal.")
                session_id = await conn.scalar(
                    insert(sessions)
                    .values(
                        public_id=new.public_id,
                        portal_id=new.portal_id,
                        status=SessionStatus.WAITING.value,
                        started_at=now,
                        customer_name=new.customer_name,
                        query=new.query,
                        **client_values(new.client),
                        last_seq=0,
                        extra=dict(new.extra),
                    )
                    .returning(sessions.c.id)
                )
                assert session_id is not None
                await conn.execute(
                    insert(session_search).values(
                        session_id=session_id,
                        content=f"{new.customer_name}\n{new.query}",
                    )
                )
                await conn.execute(
                    insert(customer_tokens).values(
                        token_hash=new.token_hash,
                        session_id=session_id,
                        expires_at=new.token_expires_at,
                    )
                )
                created = SupportSession(
                    id=session_id,
                    public_id=new.public_id,
                    portal_id=new.portal_id,
                    status=SessionStatus.WAITING,
                    started_at=now,
                    customer_name=new.customer_name,
                    query=new.query,
                    client=new.client,
                    extra=new.extra,
                )
                change = opening(created)
                if change.session.id != session_id:
                    raise ValueError("the opening change must be about the new session")
                notes = await self._save_change(conn, change, now, expected_status=None)
                saved = await self._session_in(conn, session_id)
        except IntegrityError as exc:
            # Another creator took the public id between the check and the insert.
            if await self.get_session_by_public_id(new.public_id) is not None:
                raise taken from exc
            raise
        assert saved is not None
        return saved, notes

    async def get_session(self, session_id: int) -> SupportSession | None:
        row = await self._reads.first(_SESSION, session_id=session_id)
        return None if row is None else _session(row)

    async def get_session_by_public_id(self, public_id: str) -> SupportSession | None:
        row = await self._reads.first(_SESSION_BY_PUBLIC_ID, public_id=public_id)
        return None if row is None else _session(row)

    async def session_for_token(self, token_hash: bytes, now: datetime) -> int | None:
        session_id = await self._reads.scalar(_SESSION_FOR_TOKEN, token_hash=token_hash, now=now)
        return None if session_id is None else int(session_id)

    async def list_attendees(self, session_id: int) -> list[Attendee]:
        rows = await self._reads.all(_ATTENDEES, session_id=session_id)
        return [_attendee(row) for row in rows]

    async def apply(
        self, change: Change, now: datetime, expected_status: SessionStatus | None = None
    ) -> list[Event]:
        async with self._writing() as conn:
            return await self._save_change(conn, change, now, expected_status)

    async def waiting_sessions(self, portal_ids: Sequence[int]) -> list[SupportSession]:
        if not portal_ids:
            return []
        rows = await self._reads.all(_WAITING, portal_ids=list(portal_ids))
        return [_session(row) for row in rows]

    async def open_sessions_of(self, rep_id: int) -> list[SupportSession]:
        return [_session(row) for row in await self._reads.all(_OPEN_SESSIONS_OF, rep_id=rep_id)]

    async def _session_in(self, conn: AsyncConnection, session_id: int) -> SupportSession | None:
        row = (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()
        return None if row is None else _session(row)

    async def _save_change(
        self,
        conn: AsyncConnection,
        change: Change,
        now: datetime,
        expected_status: SessionStatus | None,
    ) -> list[Event]:
        session = change.session
        conditions = [sessions.c.id == session.id]
        if expected_status is not None:
            conditions.append(sessions.c.status == expected_status.value)
        matched = await conn.scalar(
            update(sessions)
            .where(*conditions)
            .values(
                status=session.status.value,
                primary_rep_id=session.primary_rep_id,
                ended_at=session.ended_at,
                ended_by=session.ended_by,
                outcome=None if session.outcome is None else session.outcome.value,
                end_notes=session.end_notes,
            )
            .returning(sessions.c.id)
        )
        if matched is None:
            stored = await self._session_in(conn, session.id)
            if stored is None:
                raise NotFound("There is no such session.")
            assert expected_status is not None
            raise Conflict(
                f"Session {stored.public_id} changed meanwhile: it is {stored.status.value}, "
                f"no longer {expected_status.value}."
            )
        for attendee in change.attendees:
            values = {
                "display_name": attendee.display_name,
                "role": attendee.role.value,
                "masked": attendee.masked,
                "present": attendee.present,
                "joined_at": attendee.joined_at,
            }
            statement = self._insert(attendees).values(
                session_id=session.id, rep_id=attendee.rep_id, **values
            )
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[attendees.c.session_id, attendees.c.rep_id], set_=values
                )
            )
        return await self._insert_events(conn, session.id, change.notes, now)

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which knows ``ON CONFLICT`` on both of ours."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # The log ---------------------------------------------------------------------------

    async def append(
        self, session_id: int, draft: EventDraft, now: datetime, *, require_open: bool = False
    ) -> Appended:
        # Group commit: the store's writer task saves this with whatever else is
        # waiting, in one transaction (see ``helpline.store.writer``), which also
        # decides ``require_open``.
        return await self._appends.append(session_id, draft, now, require_open=require_open)

    async def _insert_events(
        self,
        conn: AsyncConnection,
        session_id: int,
        drafts: Sequence[EventDraft],
        now: datetime,
    ) -> list[Event]:
        if not drafts:
            return []
        # The row lock taken here is what orders concurrent appends on PostgreSQL.
        last = await conn.scalar(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(last_seq=sessions.c.last_seq + len(drafts))
            .returning(sessions.c.last_seq)
        )
        if last is None:
            raise NotFound("There is no such session.")
        first = int(last) - len(drafts) + 1
        appended = [
            Event.from_draft(draft, session_id, seq, now)
            for seq, draft in enumerate(drafts, start=first)
        ]
        await conn.execute(insert(events), [_event_values(event) for event in appended])
        searchable = [
            {"session_id": session_id, "content": body_text}
            for event in appended
            if (body_text := _searchable_text(event))
        ]
        if searchable:
            await conn.execute(insert(session_search), searchable)
        return appended

    async def events_after(self, session_id: int, after_seq: int, limit: int = 500) -> list[Event]:
        rows = await self._reads.all(
            _EVENTS_AFTER, session_id=session_id, after_seq=after_seq, limit=limit
        )
        return [_event(row) for row in rows]

    async def last_seq(self, session_id: int) -> int:
        last = await self._reads.scalar(_LAST_SEQ, session_id=session_id)
        if last is None:
            raise NotFound("There is no such session.")
        return int(last)

    # Session codes -----------------------------------------------------------------------

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
        return [_code(row) for row in await self._reads.all(_ACTIVE_CODES, rep_id=rep_id, now=now)]

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
                return _code(claimed)
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
        stored = _code(newest)
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
                return _code(claimed)
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
        check_redeemable(_code(known), now)
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

    # The customer's presence and the agent's attach links ------------------------------

    async def set_presence(
        self, node: str, present: Collection[int], absent: Collection[int], now: datetime
    ) -> PresenceChanges:
        async with self._writing() as conn:
            return await presence.set_marks(conn, self._insert, node, present, absent, now)

    async def renew_presence(
        self, node: str, present: Collection[int], now: datetime, stale_before: datetime
    ) -> PresenceChanges:
        # Three transactions, so that none holds a lock while it waits for another.
        async with self._writing() as conn:
            held = await presence.renew_marks(conn, node, now)
        missing = [i for i in present if i not in held]
        extra = [i for i in held if i not in present]
        changes = PresenceChanges()
        if missing or extra:
            changes = await self.set_presence(node, missing, extra, now)
        async with self._writing() as conn:
            gone = await presence.sweep_marks(conn, stale_before)
        return PresenceChanges(changes.online, [*changes.offline, *gone])

    async def clear_presence(self, node: str) -> list[int]:
        async with self._writing() as conn:
            return await presence.clear_marks(conn, node)

    async def save_agent_link(self, link: AgentLink) -> None:
        async with self._writing() as conn:
            await agent_links.save_link(conn, self._insert, link)

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
            session_id = await agent_links.claim_link(conn, secret_hash, now)
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
            session = await self._session_in(conn, session_id)
            assert session is not None
            rows = await conn.execute(_ATTENDEES.statement.params(session_id=session_id))
            present = [_attendee(row) for row in rows]
            notes = await self._insert_events(conn, session_id, [note(session, present)], now)
        return session, notes

    # Invitations and transfers -------------------------------------------------------

    async def create_invitation(
        self, invitation: Invitation, note: EventDraft, now: datetime
    ) -> tuple[Invitation, Event]:
        async with self._writing() as conn:
            # The note first: it raises NotFound for an unknown session before the
            # invitation's foreign key would fail less readably.
            (event,) = await self._insert_events(conn, invitation.session_id, (note,), now)
            values = _invitation_values(invitation)
            invitation_id = await conn.scalar(
                insert(invitations).values(**values).returning(invitations.c.id)
            )
        assert invitation_id is not None
        return replace(invitation, id=invitation_id), event

    async def get_invitation(self, invitation_id: int) -> Invitation | None:
        row = await self._reads.first(_INVITATION, invitation_id=invitation_id)
        return None if row is None else _invitation(row)

    async def pending_invitations(
        self, rep_id: int, portal_ids: Sequence[int], now: datetime
    ) -> list[Invitation]:
        rows = await self._reads.all(
            _PENDING_INVITATIONS, rep_id=rep_id, portal_ids=list(portal_ids), now=now
        )
        return [_invitation(row) for row in rows]

    async def count_pending_invites(self, session_id: int, now: datetime) -> int:
        count = await self._reads.scalar(_PENDING_INVITES, session_id=session_id, now=now)
        return int(count or 0)

    async def answer_invitation(
        self,
        answered: Invitation,
        change: Change | None,
        notes: Sequence[EventDraft],
        now: datetime,
    ) -> list[Event]:
        """Raises ``Conflict`` for an invitation answered meanwhile, ``Expired`` for one
        that expired, and ``NotFound`` for an unknown one; nothing is saved then."""
        if change is not None and change.session.id != answered.session_id:
            raise ValueError("the change must be about the invitation's session")
        async with self._writing() as conn:
            if answered.state is InvitationState.PENDING:
                # A decline that leaves a portal's invitation open to the others. The
                # row lock keeps a racing accept from landing between check and note.
                still_pending = await conn.scalar(
                    select(invitations.c.id)
                    .where(invitations.c.id == answered.id, _invitation_is_pending(now))
                    .with_for_update()
                )
            else:
                still_pending = await conn.scalar(
                    update(invitations)
                    .where(invitations.c.id == answered.id, _invitation_is_pending(now))
                    .values(state=answered.state.value, answered_by=answered.answered_by)
                    .returning(invitations.c.id)
                )
            if still_pending is None:
                raise await _why_not_pending(conn, answered.id)
            appended: list[Event] = []
            if change is not None:
                appended += await self._save_change(conn, change, now, expected_status=None)
            appended += await self._insert_events(conn, answered.session_id, notes, now)
        return appended

    async def active_session_counts(self) -> dict[int, int]:
        """Representatives present in no open session are left out (their count is 0)."""
        rows = await self._reads.all(_ACTIVE_SESSION_COUNTS)
        return {int(rep_id): int(count) for rep_id, count in rows}

    # Team settings and portal greetings -----------------------------------------------

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
        return _portal(row)

    # Scripted messages and URLs --------------------------------------------------------

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
            categories = [_script_category(row) for row in category_rows]
            in_category: dict[int, list[Script]] = {c.id: [] for c in categories}
            if categories:
                script_rows = await conn.execute(
                    select(scripts)
                    .where(scripts.c.category_id.in_(list(in_category)))
                    .order_by(scripts.c.category_id, scripts.c.position, scripts.c.id)
                )
                for row in script_rows:
                    in_category[row.category_id].append(_script(row))
        return [(category, in_category[category.id]) for category in categories]

    async def get_script_category(self, category_id: int) -> ScriptCategory | None:
        row = await self._reads.first(_SCRIPT_CATEGORY, category_id=category_id)
        return None if row is None else _script_category(row)

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
        return None if row is None else _script(row)

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

    # History -------------------------------------------------------------------------------

    async def search_sessions(self, query: HistoryQuery) -> tuple[list[SupportSession], int]:
        """A blank ``text`` filters nothing; text without a letter or digit matches
        nothing. Each whitespace-separated word of ``text`` must occur in the session
        (as whole words: "print" does not find "printer"); a word with punctuation
        inside, like an e-mail address, matches as a phrase."""
        conditions: list[ColumnElement[bool]] = []
        if query.text is not None and query.text.strip():
            terms = search_terms(query.text)
            if not terms:
                return [], 0
            conditions += [
                sessions.c.id.in_(select(session_search.c.session_id).where(self._matches(term)))
                for term in terms
            ]
        if query.portal_id is not None:
            conditions.append(sessions.c.portal_id == query.portal_id)
        if query.rep_id is not None:
            conditions.append(
                exists().where(
                    attendees.c.session_id == sessions.c.id,
                    attendees.c.rep_id == query.rep_id,
                )
            )
        if query.outcome is not None:
            conditions.append(sessions.c.outcome == query.outcome.value)
        if query.started_from is not None:
            conditions.append(sessions.c.started_at >= query.started_from)
        if query.started_before is not None:
            conditions.append(sessions.c.started_at < query.started_before)
        if query.status is not None:
            conditions.append(sessions.c.status == query.status.value)
        async with self._reading() as conn:
            total = await conn.scalar(select(func.count()).select_from(sessions).where(*conditions))
            rows = await conn.execute(
                select(sessions)
                .where(*conditions)
                .order_by(sessions.c.started_at.desc(), sessions.c.id.desc())
                .limit(query.limit)
                .offset(query.offset)
            )
            found = [_session(row) for row in rows]
        return found, int(total or 0)

    def _matches(self, term: str) -> ColumnElement[bool]:
        """One search term against the index, as a phrase of its words."""
        if self._dialect == "postgresql":
            # Spelled like the GIN index's expression, which the planner must recognize.
            simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
            document = func.to_tsvector(simple, session_search.c.content)
            wanted = func.phraseto_tsquery(simple, bindparam(None, term))
            return document.op("@@")(wanted)
        # An FTS5 string literal: its text is split by the table's own tokenizer, and
        # no character in it is query syntax (AND, NEAR, *, column filters...).
        phrase = '"' + term.replace('"', '""') + '"'
        return literal_column(session_search.name).op("MATCH")(bindparam(None, phrase))

    # Shared files and consent requests ------------------------------------------------

    async def create_file(
        self, file: SharedFile, note: EventDraft, now: datetime
    ) -> tuple[SharedFile, Event]:
        """Raises ``NotFound`` for an unknown session.

        The note is phrased before the file has its id, so a ``file_id`` in its body
        (the domain's offered note has one) is set to the assigned id before it is
        appended: clients answer and download the file by that id.
        """
        if file.state is not FileState.OFFERED:
            raise ValueError("a new file is offered, not yet answered")
        async with self._writing() as conn:
            # Checked first: the file's foreign key would fail less readably.
            session = await conn.scalar(
                select(sessions.c.id).where(sessions.c.id == file.session_id)
            )
            if session is None:
                raise NotFound("There is no such session.")
            file_id = await conn.scalar(
                insert(files).values(**_file_values(file)).returning(files.c.id)
            )
            assert file_id is not None
            if "file_id" in note.body:
                note = replace(note, body={**note.body, "file_id": file_id})
            (event,) = await self._insert_events(conn, file.session_id, (note,), now)
        return replace(file, id=file_id), event

    async def get_file(self, file_id: int) -> SharedFile | None:
        row = await self._reads.first(_FILE, file_id=file_id)
        return None if row is None else _file(row)

    async def answer_file(self, answered: SharedFile, note: EventDraft, now: datetime) -> Event:
        """Saves only the state and who answered; raises ``NotFound`` for an unknown file.
        The note goes to the session the stored file belongs to."""
        if answered.state is FileState.OFFERED:
            raise ValueError("an answer accepts or declines the file")
        async with self._writing() as conn:
            session_id = await conn.scalar(
                update(files)
                .where(files.c.id == answered.id, files.c.state == FileState.OFFERED.value)
                .values(state=answered.state.value, answered_by=answered.answered_by)
                .returning(files.c.session_id)
            )
            if session_id is None:
                raise await _why_file_not_offered(conn, answered.id)
            (event,) = await self._insert_events(conn, session_id, (note,), now)
        return event

    async def files_of_session(self, session_id: int) -> list[SharedFile]:
        """In the order they were offered; an unknown session has none."""
        return [_file(row) for row in await self._reads.all(_FILES_OF, session_id=session_id)]

    async def files_of_sessions_ended_before(self, moment: datetime) -> list[SharedFile]:
        """Every file of those sessions, answered or not, in id order."""
        return [_file(row) for row in await self._reads.all(_FILES_ENDED_BEFORE, moment=moment)]

    async def delete_files(self, file_ids: Sequence[int]) -> None:
        """Unknown ids are skipped, so a sweep that stopped halfway can run again."""
        ids = list(dict.fromkeys(file_ids))
        if not ids:
            return
        async with self._writing() as conn:
            for start in range(0, len(ids), _DELETE_BATCH):
                batch = ids[start : start + _DELETE_BATCH]
                await conn.execute(files.delete().where(files.c.id.in_(batch)))

    async def create_consent(
        self, session_id: int, request: ConsentRequest, note: EventDraft, now: datetime
    ) -> Event:
        """Raises ``NotFound`` for an unknown session and ``Conflict`` for an id in use."""
        if request.state is not ConsentState.PENDING:
            raise ValueError("a new consent request is pending")
        taken = Conflict("This consent request exists already.")
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(
                    select(consent_requests.c.id).where(consent_requests.c.id == request.id)
                )
                if existing is not None:
                    raise taken
                # The note first: it raises NotFound for an unknown session before the
                # request's foreign key would fail less readably.
                (event,) = await self._insert_events(conn, session_id, (note,), now)
                await conn.execute(
                    insert(consent_requests).values(
                        id=request.id,
                        session_id=session_id,
                        kind=request.kind.value,
                        requested_by=request.requested_by,
                        requested_by_name=request.requested_by_name,
                        state=request.state.value,
                        created_at=now,
                        answered_at=None,
                    )
                )
        except IntegrityError as exc:
            # Two creators raced past the check on PostgreSQL; the primary key decided.
            if await self.get_consent(request.id) is not None:
                raise taken from exc
            raise
        return event

    async def get_consent(self, request_id: str) -> tuple[int, ConsentRequest] | None:
        row = await self._reads.first(_CONSENT, request_id=request_id)
        return None if row is None else (row.session_id, _consent(row))

    async def answer_consent(
        self, answered: ConsentRequest, notes: Sequence[EventDraft], now: datetime
    ) -> list[Event]:
        """Saves only the state and the time of the answer; raises ``NotFound`` for an
        unknown request. The notes go to the request's session."""
        if answered.state is ConsentState.PENDING:
            raise ValueError("an answer allows or declines the request")
        async with self._writing() as conn:
            session_id = await conn.scalar(
                update(consent_requests)
                .where(
                    consent_requests.c.id == answered.id,
                    consent_requests.c.state == ConsentState.PENDING.value,
                )
                .values(state=answered.state.value, answered_at=now)
                .returning(consent_requests.c.session_id)
            )
            if session_id is None:
                stored = await conn.scalar(
                    select(consent_requests.c.id).where(consent_requests.c.id == answered.id)
                )
                if stored is None:
                    raise NotFound("There is no such consent request.")
                raise Conflict("This request was already answered.")
            return await self._insert_events(conn, session_id, notes, now)


def _code_is_active(now: datetime | ColumnElement[Any]) -> Any:
    return and_(session_codes.c.used_at.is_(None), session_codes.c.expires_at > now)


def search_terms(text: str) -> list[str]:
    """The words of a history search: whitespace-separated pieces of the user's text
    with at least one letter or digit (punctuation alone cannot match a word)."""
    return [piece for piece in text.split() if any(ch.isalnum() for ch in piece)]


def _invitation_is_pending(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(
        invitations.c.state == InvitationState.PENDING.value,
        invitations.c.expires_at > now,
    )


async def _why_not_pending(conn: AsyncConnection, invitation_id: int) -> Exception:
    """The error for an invitation the answer's guard did not find pending."""
    row = (await conn.execute(select(invitations).where(invitations.c.id == invitation_id))).first()
    if row is None:
        return NotFound("There is no such invitation.")
    if row.state != InvitationState.PENDING.value:
        return Conflict("This invitation was already answered.")
    return Expired("This invitation has expired.")


async def _why_file_not_offered(conn: AsyncConnection, file_id: int) -> Exception:
    """The error for a file the answer's guard did not find offered."""
    row = (
        await conn.execute(select(files.c.name, files.c.state).where(files.c.id == file_id))
    ).first()
    if row is None:
        return NotFound("There is no such file.")
    return Conflict(f"The file {row.name} was already {row.state}.")


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
    return _script_category(row)


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


# Single-statement reads, run by the store's ``Reader`` -------------------------------

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
_SESSION = Query(select(sessions).where(sessions.c.id == bindparam("session_id")))
_SESSION_BY_PUBLIC_ID = Query(
    select(sessions).where(sessions.c.public_id == bindparam("public_id"))
)
_SESSION_FOR_TOKEN = Query(
    select(customer_tokens.c.session_id).where(
        customer_tokens.c.token_hash == bindparam("token_hash"),
        customer_tokens.c.expires_at > bindparam("now"),
    )
)
_ATTENDEES = Query(
    select(attendees)
    .where(attendees.c.session_id == bindparam("session_id"))
    .order_by(attendees.c.joined_at, attendees.c.rep_id)
)
_WAITING = Query(
    select(sessions)
    .where(
        sessions.c.status == SessionStatus.WAITING.value,
        sessions.c.portal_id.in_(bindparam("portal_ids", expanding=True)),
    )
    .order_by(sessions.c.started_at, sessions.c.id)
)
_OPEN_SESSIONS_OF = Query(
    select(sessions)
    .join(attendees, attendees.c.session_id == sessions.c.id)
    .where(
        attendees.c.rep_id == bindparam("rep_id"),
        attendees.c.present.is_(True),
        sessions.c.status != SessionStatus.ENDED.value,
    )
    .order_by(sessions.c.started_at, sessions.c.id)
)
_EVENTS_AFTER = Query(
    select(events)
    .where(events.c.session_id == bindparam("session_id"), events.c.seq > bindparam("after_seq"))
    .order_by(events.c.seq)
    .limit(bindparam("limit", type_=Integer))
)
_LAST_SEQ = Query(select(sessions.c.last_seq).where(sessions.c.id == bindparam("session_id")))
_ACTIVE_CODES = Query(
    select(session_codes)
    .where(session_codes.c.rep_id == bindparam("rep_id"), _code_is_active(bindparam("now")))
    .order_by(session_codes.c.created_at, session_codes.c.id)
)
_INVITATION = Query(select(invitations).where(invitations.c.id == bindparam("invitation_id")))
_PENDING_INVITATIONS = Query(
    select(invitations)
    .where(
        _invitation_is_pending(bindparam("now")),
        or_(
            invitations.c.to_rep_id == bindparam("rep_id"),
            invitations.c.to_portal_id.in_(bindparam("portal_ids", expanding=True)),
        ),
    )
    .order_by(invitations.c.created_at, invitations.c.id)
)
_PENDING_INVITES = Query(
    select(func.count())
    .select_from(invitations)
    .where(
        invitations.c.session_id == bindparam("session_id"),
        invitations.c.kind == InvitationKind.INVITE.value,
        _invitation_is_pending(bindparam("now")),
    )
)
_ACTIVE_SESSION_COUNTS = Query(
    select(attendees.c.rep_id, func.count())
    .join(sessions, sessions.c.id == attendees.c.session_id)
    .where(attendees.c.present.is_(True), sessions.c.status != SessionStatus.ENDED.value)
    .group_by(attendees.c.rep_id)
)
_TEAM_SETTING = Query(select(team_settings.c.value).where(team_settings.c.key == bindparam("key")))
_SCRIPT_CATEGORY = Query(
    select(script_categories).where(script_categories.c.id == bindparam("category_id"))
)
_SCRIPT = Query(select(scripts).where(scripts.c.id == bindparam("script_id")))
_FILE = Query(select(files).where(files.c.id == bindparam("file_id")))
_FILES_OF = Query(
    select(files).where(files.c.session_id == bindparam("session_id")).order_by(files.c.id)
)
_FILES_ENDED_BEFORE = Query(
    select(files)
    .join(sessions, sessions.c.id == files.c.session_id)
    .where(
        sessions.c.status == SessionStatus.ENDED.value,
        sessions.c.ended_at < bindparam("moment"),
    )
    .order_by(files.c.id)
)
_CONSENT = Query(select(consent_requests).where(consent_requests.c.id == bindparam("request_id")))


# Rows to domain objects -------------------------------------------------------------


def _representative(row: Row[Any]) -> Representative:
    return Representative(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        preferences=_preferences(row.preferences),
        max_concurrent_sessions=row.max_concurrent_sessions,
        active=bool(row.active),
    )


def _preferences(stored: Mapping[str, Any] | None) -> Preferences:
    # Names this version does not know (written by a newer one) are left out.
    known = {k: v for k, v in (stored or {}).items() if k in _PREFERENCE_NAMES}
    return Preferences(**known)


def _portal(row: Row[Any]) -> Portal:
    return Portal(
        id=row.id,
        slug=row.slug,
        name=row.name,
        fields=_portal_fields(row.fields),
        greeting=row.greeting,
    )


def _portal_fields(stored: str) -> tuple[PortalField, ...]:
    return tuple(PortalField(name) for name in stored.split(",") if name)


def _session(row: Row[Any]) -> SupportSession:
    return SupportSession(
        id=row.id,
        public_id=row.public_id,
        portal_id=row.portal_id,
        status=SessionStatus(row.status),
        started_at=row.started_at,
        customer_name=row.customer_name,
        query=row.query,
        client=client_from_row(row),
        primary_rep_id=row.primary_rep_id,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        extra=tuple((str(k), str(v)) for k, v in (row.extra or {}).items()),
        outcome=None if row.outcome is None else Outcome(row.outcome),
        end_notes=row.end_notes,
        customer_online=bool(row.customer_online),
    )


def _attendee(row: Row[Any]) -> Attendee:
    return Attendee(
        rep_id=row.rep_id,
        display_name=row.display_name,
        role=AttendeeRole(row.role),
        masked=bool(row.masked),
        present=bool(row.present),
        joined_at=row.joined_at,
    )


def _code(row: Row[Any]) -> SessionCode:
    return SessionCode(
        code=row.code,
        rep_id=row.rep_id,
        portal_id=row.portal_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        link_hash=row.link_hash,
    )


def _invitation_values(invitation: Invitation) -> dict[str, Any]:
    return {
        "session_id": invitation.session_id,
        "kind": invitation.kind.value,
        "from_rep_id": invitation.from_rep_id,
        "from_name": invitation.from_name,
        "to_rep_id": invitation.to_rep_id,
        "to_portal_id": invitation.to_portal_id,
        "masked": invitation.masked,
        "comment": invitation.comment,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "state": invitation.state.value,
        "answered_by": invitation.answered_by,
    }


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        id=row.id,
        session_id=row.session_id,
        kind=InvitationKind(row.kind),
        from_rep_id=row.from_rep_id,
        from_name=row.from_name,
        to_rep_id=row.to_rep_id,
        to_portal_id=row.to_portal_id,
        masked=bool(row.masked),
        comment=row.comment,
        created_at=row.created_at,
        expires_at=row.expires_at,
        state=InvitationState(row.state),
        answered_by=row.answered_by,
    )


def _script_category(row: Row[Any]) -> ScriptCategory:
    return ScriptCategory(
        id=row.id,
        kind=ScriptKind(row.kind),
        owner_rep_id=row.owner_rep_id,
        name=row.name,
        position=row.position,
    )


def _script(row: Row[Any]) -> Script:
    return Script(
        id=row.id,
        category_id=row.category_id,
        title=row.title,
        text=row.text,
        position=row.position,
    )


def _file_values(file: SharedFile) -> dict[str, Any]:
    return {
        "session_id": file.session_id,
        "name": file.name,
        "size": file.size,
        "sha256": file.sha256,
        "content_type": file.content_type,
        "audience": file.audience.value,
        "sender_kind": file.sender.kind.value,
        "sender_rep_id": file.sender.rep_id,
        "sender_name": file.sender.name,
        "created_at": file.created_at,
        "state": file.state.value,
        "answered_by": file.answered_by,
        "stored_as": file.stored_as,
    }


def _file(row: Row[Any]) -> SharedFile:
    return SharedFile(
        id=row.id,
        session_id=row.session_id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        audience=FileAudience(row.audience),
        sender=Author(AuthorKind(row.sender_kind), row.sender_name, row.sender_rep_id),
        created_at=row.created_at,
        state=FileState(row.state),
        answered_by=row.answered_by,
        stored_as=row.stored_as,
    )


def _consent(row: Row[Any]) -> ConsentRequest:
    return ConsentRequest(
        id=row.id,
        kind=ConsentKind(row.kind),
        requested_by=row.requested_by,
        requested_by_name=row.requested_by_name,
        state=ConsentState(row.state),
    )


if TYPE_CHECKING:

    def _implements_store(engine: AsyncEngine) -> Store:
        # mypy checks here that SqlStore matches the protocol, method by method.
        return SqlStore(engine)

    def _implements_session_tools(engine: AsyncEngine) -> SessionToolsStore:
        return SqlStore(engine)

    def _implements_transfers(engine: AsyncEngine) -> TransferStore:
        return SqlStore(engine)

    def _implements_helpline_store(engine: AsyncEngine) -> HelplineStore:
        return SqlStore(engine)
