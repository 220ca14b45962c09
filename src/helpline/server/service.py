"""The service layer: every action a person can take, called by HTTP routes and the
WebSocket gateway alike, so neither holds logic of its own.

Each action reads state from the store, asks the domain whether the change is
allowed and what it writes, saves it in one transaction, and only after commit rings
the bus so connected clients hear of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from helpline.bus.base import Bus
from helpline.domain import messages
from helpline.domain import sessions as rules
from helpline.domain.codes import (
    SessionCode,
    check_can_create,
    format_code,
    normalize_code,
)
from helpline.domain.consent import screen_note
from helpline.domain.drafting import Draft, seal
from helpline.domain.errors import (
    Conflict,
    Expired,
    Forbidden,
    HelplineError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
)
from helpline.domain.events import (
    Author,
    Event,
    EventDraft,
    check_client_id,
    check_text,
)
from helpline.domain.people import (
    Preferences,
    Representative,
    Role,
    check_display_name,
    check_password,
    check_username,
    normalize_username,
)
from helpline.domain.portals import Portal, check_intake
from helpline.domain.scripts import fill_placeholders
from helpline.domain.sessions import (
    Attendee,
    Change,
    ClientInfo,
    Outcome,
    SessionStatus,
    SupportSession,
    format_public_id,
    normalize_public_id,
)
from helpline.domain.urls import check_push_url, pushed_note
from helpline.domain.visibility import Viewer, view_log
from helpline.server import wire
from helpline.server.ratelimit import RateLimits
from helpline.server.security import (
    hash_password,
    new_token,
    random_below,
    token_hash,
    verify_password,
)
from helpline.server.settings import Settings
from helpline.store.protocol import Appended, HelplineStore, NewSession

PUBLIC_ID_SPACE = 32**8
TEAM_GREETING = "greeting"
DRAW_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RepActor:
    rep: Representative
    login_hash: bytes

    @property
    def viewer(self) -> Viewer:
        return Viewer.representative(self.rep.id)


@dataclass(frozen=True)
class CustomerActor:
    session_id: int

    @property
    def viewer(self) -> Viewer:
        return Viewer.customer()


Actor = RepActor | CustomerActor


def session_channel(session_id: int) -> str:
    return f"session:{session_id}"


def rep_channel(rep_id: int) -> str:
    return f"rep:{rep_id}"


def portal_channel(portal_id: int) -> str:
    return f"portal:{portal_id}"


class HelplineService:
    def __init__(
        self,
        store: HelplineStore,
        bus: Bus,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        limits: RateLimits | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        self.clock = clock
        self.limits = limits or RateLimits(settings)
        self._portals: dict[int, Portal] = {}

    # Representatives and logins ----------------------------------------------------

    async def create_representative(
        self, username: str, display_name: str, password: str, role: Role
    ) -> Representative:
        username = check_username(username)
        check_password(password)
        return await self.store.create_representative(
            username, check_display_name(display_name), role, hash_password(password), self.clock()
        )

    async def login(self, username: str, password: str, address: str) -> tuple[Representative, str]:
        name = normalize_username(username)
        await self.limits.before_login(address, name)
        found = await self.store.find_login(name)
        # Checked even for an unknown username (against a dummy hash), so that a
        # missing account answers no faster than a wrong password.
        right = verify_password(found[1] if found else None, password)
        if found is None or not found[0].active or not right:
            await self.limits.wrong_login(address)
            raise NotAuthenticated("Wrong username or password.")
        await self.limits.logged_in(address, name)
        rep = found[0]
        token = new_token()
        moment = self.clock()
        expires = moment + timedelta(seconds=self.settings.login_lifetime_seconds)
        await self.store.create_login(token_hash(token), rep.id, moment, expires)
        return rep, token

    async def logout(self, actor: RepActor) -> None:
        await self.store.delete_login(actor.login_hash)
        await self.publish(
            rep_channel(actor.rep.id), {"t": "logout", "login": actor.login_hash.hex()}
        )

    async def rep_actor(self, token: str | None) -> RepActor | None:
        if not token:
            return None
        digest = token_hash(token)
        rep_id = await self.store.rep_for_login(digest, self.clock())
        if rep_id is None:
            return None
        rep = await self.store.get_representative(rep_id)
        if rep is None or not rep.active:
            return None
        return RepActor(rep, digest)

    async def customer_actor(self, token: str | None) -> CustomerActor | None:
        if not token:
            return None
        moment = self.clock()
        session_id = await self.store.session_for_token(token_hash(token), moment)
        if session_id is None:
            return None
        session = await self.store.get_session(session_id)
        if session is None or _read_only_time_over(session, moment, self.settings):
            return None
        return CustomerActor(session_id)

    async def update_preferences(
        self, actor: RepActor, changes: Mapping[str, object]
    ) -> Preferences:
        preferences = actor.rep.preferences.updated(changes)
        await self.store.save_preferences(actor.rep.id, preferences)
        return preferences

    # Portals ------------------------------------------------------------------------

    async def portal(self, portal_id: int | None) -> Portal | None:
        if portal_id is None:
            return None
        cached = self._portals.get(portal_id)
        if cached is None:
            cached = await self.store.get_portal(portal_id)
            if cached is not None:
                self._portals[portal_id] = cached
        return cached

    def forget_portal(self, portal_id: int) -> None:
        """Drop a changed portal from the cache; the next read loads it again."""
        self._portals.pop(portal_id, None)

    async def portal_by_slug(self, slug: str) -> Portal:
        portal = await self.store.get_portal_by_slug(slug)
        if portal is None:
            raise NotFound(f"There is no support portal called {slug!r}.")
        return portal

    # Joining ------------------------------------------------------------------------

    async def open_portal_session(
        self,
        slug: str,
        name: str,
        query: str,
        fields: dict[str, str],
        client: ClientInfo,
        address: str,
    ) -> tuple[SupportSession, str]:
        await self.limits.open_session(address)
        portal = await self.portal_by_slug(slug)
        intake = check_intake(portal, name, query, fields)

        def opening(session: SupportSession) -> Change:
            return Change(session, (), (rules.customer_joined(session),))

        session, events, token = await self._create_session(
            portal.id, intake.name, intake.query, client, intake.extra, opening
        )
        await self.publish_events(session.id, events)
        await self.publish(
            portal_channel(portal.id),
            {"t": "queue", "action": "added", "s": wire.session_record(session, [])},
        )
        return session, token

    async def create_code(
        self, actor: RepActor, portal_slug: str | None
    ) -> tuple[SessionCode, str]:
        """A new code and its join link's secret, which only this answer ever holds."""
        portal_id = None
        if portal_slug:
            portal = await self.portal_by_slug(portal_slug)
            portal_id = portal.id
        moment = self.clock()
        active = await self.store.active_codes(actor.rep.id, moment)
        check_can_create(len(active), self.settings.max_active_codes)
        lifetime = timedelta(seconds=self.settings.code_lifetime_seconds)
        link = new_token()
        for _ in range(DRAW_ATTEMPTS):
            code = SessionCode(
                code=format_code(random_below(10**9)),
                rep_id=actor.rep.id,
                portal_id=portal_id,
                created_at=moment,
                expires_at=moment + lifetime,
                link_hash=token_hash(link),
            )
            try:
                return await self.store.create_code(code), link
            except Conflict:
                continue
        raise Conflict("Could not draw a free session code; please try again.")

    async def active_codes(self, actor: RepActor) -> list[SessionCode]:
        return await self.store.active_codes(actor.rep.id, self.clock())

    async def cancel_code(self, actor: RepActor, code: str) -> None:
        await self.store.cancel_code(normalize_code(code), actor.rep.id)

    async def join_with_code(
        self,
        code_text: str | None,
        name: str,
        client: ClientInfo,
        address: str,
        link: str | None = None,
    ) -> tuple[SupportSession, str]:
        """Join with the digits a representative read out, or with their join link's
        secret: too long to guess, so it is not held back by the guessing budget."""
        if link:
            code = await self._claim_link(link, address)
        elif code_text is not None:
            code = await self._claim_code(code_text, address)
        else:
            raise InvalidInput("Enter the session code your representative gave you.")
        rep = await self.store.get_representative(code.rep_id)
        if rep is None or not rep.active:
            raise NotFound("The representative who gave this code is no longer available.")
        customer_name = check_display_name(name)
        moment = self.clock()
        portal = await self.portal(code.portal_id)
        template = await self._greeting_template(portal)

        def opening(session: SupportSession) -> Change:
            greeting = self._fill(template, session, rep, portal)
            return rules.start_with_representative(session, rep, moment, greeting=greeting)

        session, events, token = await self._create_session(
            code.portal_id, customer_name, "", client, (), opening
        )
        await self.publish_events(session.id, events)
        await self.publish_assigned(session, [rep.id])
        return session, token

    async def _claim_code(self, code_text: str, address: str) -> SessionCode:
        await self.limits.before_code(address)
        try:
            return await self.store.claim_code(normalize_code(code_text), self.clock())
        except (NotFound, Expired, InvalidInput):
            await self.limits.wrong_code(address)
            raise

    async def _claim_link(self, link: str, address: str) -> SessionCode:
        await self.limits.before_link(address)
        try:
            return await self.store.claim_code_link(token_hash(link), self.clock())
        except (NotFound, Expired):
            await self.limits.wrong_link(address)
            raise

    async def _create_session(
        self,
        portal_id: int | None,
        customer_name: str,
        query: str,
        client: ClientInfo,
        extra: tuple[tuple[str, str], ...],
        opening: Callable[[SupportSession], Change],
    ) -> tuple[SupportSession, list[Event], str]:
        customer_name = check_display_name(customer_name)
        token = new_token()
        moment = self.clock()
        expires = moment + timedelta(seconds=self.settings.customer_token_lifetime_seconds)
        for _ in range(DRAW_ATTEMPTS):
            new = NewSession(
                public_id=format_public_id(random_below(PUBLIC_ID_SPACE)),
                portal_id=portal_id,
                customer_name=customer_name,
                query=query,
                client=client,
                token_hash=token_hash(token),
                token_expires_at=expires,
                extra=extra,
            )
            try:
                session, events = await self.store.create_session(new, moment, opening)
            except Conflict:
                continue
            return session, events, token
        raise Conflict("Could not draw a free session ID; please try again.")

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
            _check_own_session(actor, session)
        else:
            await self._check_rep_may_look(
                actor, session, await self.store.list_attendees(session.id)
            )
        return session

    async def _check_rep_may_look(
        self, actor: RepActor, session: SupportSession, attendees: Sequence[Attendee]
    ) -> None:
        if rules.may_read(attendees, actor.rep.id) or actor.rep.is_manager:
            return
        if session.status is SessionStatus.WAITING and session.portal_id is not None:
            portals = await self.store.portals_of(actor.rep.id)
            if any(p.id == session.portal_id for p in portals):
                return
        raise Forbidden("You are not in this session.")

    async def session_body(self, viewer: Viewer, session: SupportSession) -> wire.JsonDict:
        attendees = await self.store.list_attendees(session.id)
        return wire.session_frame_body(
            viewer, session, attendees, await self.portal(session.portal_id)
        )

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
                {"t": "queue", "action": "added", "s": wire.session_record(change.session, [])},
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

    # Greetings ------------------------------------------------------------------------

    async def _greeting_template(self, portal: Portal | None) -> str:
        if portal is not None and portal.greeting.strip():
            return portal.greeting
        return await self.store.get_team_setting(TEAM_GREETING) or ""

    @staticmethod
    def _fill(
        template: str, session: SupportSession, rep: Representative, portal: Portal | None
    ) -> str:
        return fill_placeholders(
            template,
            {
                "customer.name": session.customer_name,
                "representative.name": rep.display_name,
                "session.id": session.public_id,
                "portal.name": portal.name if portal else "",
            },
        )

    async def greeting_for(self, session: SupportSession, rep: Representative) -> str:
        """The portal's greeting, or else the team's, with placeholders filled."""
        portal = await self.portal(session.portal_id)
        return self._fill(await self._greeting_template(portal), session, rep, portal)

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
            _check_own_session(actor, session)
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
        await self.publish_events(session_id, [appended.event])
        return appended

    # Ringing the bus, always after commit ------------------------------------------

    async def publish(self, channel: str, payload: Mapping[str, Any]) -> None:
        await self.bus.publish(channel, wire.dumps(payload).encode())

    async def publish_events(self, session_id: int, events: Sequence[Event]) -> None:
        for event in events:
            await self.publish(
                session_channel(session_id), {"t": "event", "e": wire.event_record(event)}
            )

    async def after_change(self, change: Change, events: Sequence[Event]) -> None:
        await self.publish_events(change.session.id, events)
        await self.publish(
            session_channel(change.session.id),
            {"t": "session", "s": wire.session_record(change.session, change.attendees)},
        )

    async def publish_assigned(
        self,
        session: SupportSession,
        rep_ids: Sequence[int],
        attendees: Sequence[Attendee] | None = None,
    ) -> None:
        if attendees is None:
            attendees = await self.store.list_attendees(session.id)
        record = wire.session_record(session, attendees)
        for rep_id in rep_ids:
            await self.publish(rep_channel(rep_id), {"t": "assigned", "s": record})

    async def _publish_queue_removed(self, session: SupportSession) -> None:
        if session.portal_id is not None:
            await self.publish(
                portal_channel(session.portal_id),
                {"t": "queue", "action": "removed", "s": wire.session_record(session, [])},
            )


def _read_only_time_over(session: SupportSession, now: datetime, settings: Settings) -> bool:
    """After the end a customer's token only reads (every write checks that the session
    is open), and only for ``customer_read_after_end_seconds``: time to save the log."""
    if session.ended_at is None:
        return False
    return now >= session.ended_at + timedelta(seconds=settings.customer_read_after_end_seconds)


def _check_own_session(actor: CustomerActor, session: SupportSession) -> None:
    if session.id != actor.session_id:
        raise Forbidden("This session belongs to someone else.")


def public_error(error: HelplineError) -> dict[str, str]:
    return wire.error_body(error.code, error.message)
