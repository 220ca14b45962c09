"""The service layer: every action a person can take, called by HTTP routes and the
WebSocket gateway alike, so neither holds logic of its own.

Each action reads state from the store, asks the domain whether the change is
allowed and what it writes, saves it in one transaction, and only after commit rings
the bus so connected clients hear of it.

``HelplineService`` is the one object routes and the gateway hold. It keeps the
session actions and sending here; logins and actors come from ``accounts.py``, new
sessions and greetings from ``joining.py``, the store, bus, portals and channels from
``service_core.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from helpline.domain import messages
from helpline.domain import sessions as rules
from helpline.domain.consent import screen_note
from helpline.domain.drafting import Draft, seal
from helpline.domain.errors import Forbidden, NotFound
from helpline.domain.events import Author, Event, EventDraft, check_client_id, check_text
from helpline.domain.people import normalize_username
from helpline.domain.sessions import (
    Attendee,
    Outcome,
    SessionStatus,
    SupportSession,
    normalize_public_id,
)
from helpline.domain.urls import check_push_url, pushed_note
from helpline.domain.visibility import Viewer, view_log
from helpline.protocol.server_frames import SessionBody
from helpline.server import wire
from helpline.server.accounts import Accounts, Actor, CustomerActor, RepActor, check_own_session
from helpline.server.joining import Joining
from helpline.server.records import QueueChanged
from helpline.server.service_core import portal_channel
from helpline.server.team import Team
from helpline.store.protocol import Appended


class HelplineService(Accounts, Joining, Team):
    """Every action a person can take: the session actions here, logins from
    ``Accounts``, joining from ``Joining``, the store, bus and portals from
    ``ServiceCore``."""

    # Reading ------------------------------------------------------------------------

    async def find_session(self, public_id: str) -> SupportSession:
        session = await self.store.get_session_by_public_id(normalize_public_id(public_id))
        if session is None:
            raise NotFound(f"There is no session {public_id!r}.")
        return session

    async def session_for(self, actor: Actor, public_id: str) -> SupportSession:
        """The session, if ``actor`` may look at it at all."""
        session = await self.find_session(public_id)
        if isinstance(actor, CustomerActor):
            check_own_session(actor, session)
        else:
            await self.check_rep_may_look(
                actor, session, await self.store.list_attendees(session.id)
            )
        return session

    async def check_rep_may_look(
        self, actor: RepActor, session: SupportSession, attendees: Sequence[Attendee]
    ) -> None:
        """Raises ``Forbidden`` unless the representative may look at the session: an
        attendee, a manager, or a member of the portal of a waiting session."""
        if rules.may_read(attendees, actor.rep.id) or actor.rep.is_manager:
            return
        if session.status is SessionStatus.WAITING and session.portal_id is not None:
            portals = await self.store.portals_of(actor.rep.id)
            if any(p.id == session.portal_id for p in portals):
                return
        raise Forbidden("You are not in this session.")

    async def session_view(self, viewer: Viewer, session: SupportSession) -> SessionBody:
        attendees = await self.store.list_attendees(session.id)
        return wire.session_view(viewer, session, attendees, await self.portal(session.portal_id))

    async def session_views(
        self, viewer: Viewer, sessions: Sequence[SupportSession]
    ) -> list[SessionBody]:
        """``session_view`` of each, with one read of all their attendees."""
        of = await self.store.attendees_of([s.id for s in sessions])
        return [
            wire.session_view(viewer, s, of[s.id], await self.portal(s.portal_id)) for s in sessions
        ]

    async def session_body(self, viewer: Viewer, session: SupportSession) -> wire.JsonDict:
        """``session_view`` as the HTTP answers hold it."""
        return wire.as_dict(await self.session_view(viewer, session))

    async def visible_events(
        self, viewer: Viewer, session: SupportSession, after: int, limit: int = 500
    ) -> list[Event]:
        return view_log(viewer, await self.store.events_after(session.id, after, limit))

    async def queue_for(self, actor: RepActor) -> list[SupportSession]:
        portals = await self.store.portals_of(actor.rep.id)
        return await self.store.waiting_sessions([p.id for p in portals])

    async def open_sessions_for(self, actor: RepActor) -> list[SupportSession]:
        return await self.store.open_sessions_of(actor.rep.id)

    # Representatives' actions ------------------------------------------------------

    async def pick_up(self, actor: RepActor, public_id: str) -> SupportSession:
        session = await self.session_for(actor, public_id)
        attendees = await self.store.list_attendees(session.id)
        active = await self.store.open_sessions_of(actor.rep.id)
        greeting = await self.greeting_for(session, actor.rep)
        change = rules.pick_up(
            session, attendees, actor.rep, len(active), self.clock(), greeting=greeting
        )
        events = await self.store.apply(change, self.clock(), expected_status=SessionStatus.WAITING)
        await self.after_change(change, events)
        await self._publish_queue_removed(change.session)
        await self.publish_assigned(change.session, [actor.rep.id], change.attendees)
        return change.session

    async def add_representative(
        self, actor: RepActor, public_id: str, username: str, masked: bool
    ) -> SupportSession:
        session = await self.session_for(actor, public_id)
        found = await self.store.find_login(normalize_username(username))
        if found is None or not found[0].active:
            raise NotFound(f"There is no representative {username!r}.")
        attendees = await self.store.list_attendees(session.id)
        change = rules.add_representative(
            session, attendees, actor.rep, found[0], masked, self.clock()
        )
        events = await self.store.apply(change, self.clock())
        await self.after_change(change, events)
        await self.publish_assigned(change.session, [found[0].id], change.attendees)
        return change.session

    async def leave(self, actor: RepActor, public_id: str) -> SupportSession:
        session = await self.session_for(actor, public_id)
        attendees = await self.store.list_attendees(session.id)
        change = rules.leave(session, attendees, actor.rep.id, self.clock())
        events = await self.store.apply(change, self.clock(), expected_status=session.status)
        await self.after_change(change, events)
        if change.session.status is SessionStatus.WAITING and change.session.portal_id is not None:
            await self.publish(
                portal_channel(change.session.portal_id),
                QueueChanged(action="added", s=wire.session_record(change.session, [])),
            )
        return change.session

    async def end(
        self,
        actor: Actor,
        public_id: str,
        outcome: Outcome | None = None,
        end_notes: str = "",
    ) -> SupportSession:
        """End the session for everyone; a representative records outcome and notes."""
        session = await self.session_for(actor, public_id)
        attendees = await self.store.list_attendees(session.id)
        if isinstance(actor, CustomerActor):
            ended_by = Author.customer(session.customer_name)
            outcome, end_notes = None, ""
        else:
            ended_by = rules.as_author(actor.rep)
        was_waiting = session.status is SessionStatus.WAITING
        change = rules.end(
            session, attendees, ended_by, self.clock(), outcome=outcome, end_notes=end_notes
        )
        events = await self.store.apply(change, self.clock(), expected_status=session.status)
        await self.after_change(change, events)
        if was_waiting:
            await self._publish_queue_removed(change.session)
        return change.session

    async def leave_all(self, actor: RepActor) -> list[SupportSession]:
        """Exit all sessions: leave every open session (the customers stay, in the queue
        or with the other representatives)."""
        left = []
        for session in await self.store.open_sessions_of(actor.rep.id):
            left.append(await self.leave(actor, session.public_id))
        return left

    async def push_url(
        self, actor: RepActor, public_id: str, url: str, client_id: str | None = None
    ) -> Appended:
        """Open a web page on the customer's computer: a status note they act on."""
        clean = check_push_url(url)
        session = await self.session_for(actor, public_id)
        rules.check_open(session)
        attendees = await self.store.list_attendees(session.id)
        rules.check_rep_in_session(attendees, actor.rep.id)
        draft = pushed_note(rules.as_author(actor.rep), clean)
        if client_id is not None:
            draft = replace(draft, client_id=check_client_id(client_id))
        return await self.append_and_publish(session.id, draft, attendees, require_open=True)

    async def screen_note(self, actor: CustomerActor, action: str) -> None:
        """Screen sharing started or stopped, written by the customer's socket."""
        session = await self.store.get_session(actor.session_id)
        if session is None:
            return
        await self.append_and_publish(session.id, screen_note(action, session.customer_name))

    # Sending ------------------------------------------------------------------------

    async def send(
        self,
        actor: Actor,
        public_id: str,
        kind: str,
        text: str,
        to: Any,
        client_id: str,
    ) -> Appended:
        """Send a chat message or note to a session named by its public ID."""
        session = await self.find_session(public_id)
        attendees: list[Attendee] = []
        if isinstance(actor, RepActor):
            attendees = await self.store.list_attendees(session.id)
        return await self.send_in(actor, session, attendees, kind, text, to, client_id)

    async def send_in(
        self,
        actor: Actor,
        session: SupportSession,
        attendees: Sequence[Attendee],
        kind: str,
        text: str,
        to: Any,
        client_id: str,
    ) -> Appended:
        """Send, given the session and its attendees as the caller knows them.

        The gateway keeps both for the sessions a socket follows, refreshed whenever
        the bus says they changed, so a live message needs no read at all. What it
        knows may be a moment old; the one decision that must not rest on stale
        knowledge, that the session is still open, is made again by the store in the
        transaction that saves the message.
        """
        check_client_id(client_id)
        check_text(text)
        if isinstance(actor, CustomerActor):
            check_own_session(actor, session)
            rules.check_open(session)
        else:
            rules.check_open(session)
            rules.check_rep_in_session(attendees, actor.rep.id)
        if isinstance(actor, CustomerActor):
            author = Author.customer(session.customer_name)
            draft = messages.customer_line(author, kind, text, to, client_id)
        else:
            author = rules.as_author(actor.rep)
            draft = messages.representative_line(author, attendees, kind, text, to, client_id)
        # A customer's line names nobody but the customer: no attendee can mask it.
        return await self.append_and_publish(session.id, draft, attendees, require_open=True)

    async def append_and_publish(
        self,
        session_id: int,
        draft: Draft,
        attendees: Sequence[Attendee] | None = None,
        *,
        require_open: bool = False,
    ) -> Appended:
        """Seal, append, then ring the bus, as one step that a dropped socket cannot split.

        ``attendees``: the session's, as the caller knows them; read here if not given.
        They decide what the customer may read of the event (``drafting.seal``).

        The socket's reader task is cancelled when its client goes away; were that to
        land between commit and publish, live followers would not hear of the event
        until a later one showed the gap. Shielding lets the pair finish either way.
        ``require_open``: refuse with ``SessionEnded`` if the session has ended by the
        time the append commits.
        """
        if attendees is None:
            attendees = await self.store.list_attendees(session_id)
        sealed = seal(draft, attendees)
        return await asyncio.shield(self._append_then_publish(session_id, sealed, require_open))

    async def _append_then_publish(
        self, session_id: int, draft: EventDraft, require_open: bool
    ) -> Appended:
        appended = await self.store.append(
            session_id, draft, self.clock(), require_open=require_open
        )
        # A resend of an acknowledged event is published again too: its first publish
        # may be what was lost. Clients drop events they have already seen.
        if appended.created:
            await self.publish_events(session_id, [appended.event])
        else:
            await self.publish_again(session_id, [appended.event])
        return appended
