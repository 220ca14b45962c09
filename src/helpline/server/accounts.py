"""Representatives and logins: who acts. Creating accounts, logging in and out, and
turning a login's or a customer's token into an ``Actor``.

Why this exists: every route and socket starts here (an actor or a refusal), and none
of it is about a session's log; ``HelplineService`` inherits it, so callers still
hold one service object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpline.domain.errors import Forbidden, NotAuthenticated
from helpline.domain.people import (
    Preferences,
    Representative,
    Role,
    check_display_name,
    check_password,
    check_username,
    normalize_username,
)
from helpline.domain.sessions import SupportSession
from helpline.domain.visibility import Viewer
from helpline.server.records import LoggedOut
from helpline.server.security import hash_password, new_token, token_hash, verify_password
from helpline.server.service_core import ServiceCore, rep_channel
from helpline.server.settings import Settings


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
    # The session's public ID, so that the customer's ``subscribe`` to it needs no read.
    public_id: str

    @property
    def viewer(self) -> Viewer:
        return Viewer.customer()


Actor = RepActor | CustomerActor


class Accounts(ServiceCore):
    """Representatives' accounts and logins, and the actors tokens stand for."""

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
        await self.publish(rep_channel(actor.rep.id), LoggedOut(login=actor.login_hash.hex()))

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
        found = await self.customer_and_session(token)
        return None if found is None else found[0]

    async def customer_and_session(
        self, token: str | None
    ) -> tuple[CustomerActor, SupportSession] | None:
        """The customer a token stands for, and their session as read to check it (a
        socket's welcome shows it: one read, where a reconnect used to make three)."""
        if not token:
            return None
        moment = self.clock()
        session = await self.store.session_of_token(token_hash(token), moment)
        if session is None or _read_only_time_over(session, moment, self.settings):
            return None
        return CustomerActor(session.id, session.public_id), session

    async def update_preferences(
        self, actor: RepActor, changes: Mapping[str, object]
    ) -> Preferences:
        preferences = actor.rep.preferences.updated(changes)
        await self.store.save_preferences(actor.rep.id, preferences)
        return preferences


def _read_only_time_over(session: SupportSession, now: datetime, settings: Settings) -> bool:
    """After the end a customer's token only reads (every write checks that the session
    is open), and only for ``customer_read_after_end_seconds``: time to save the log."""
    if session.ended_at is None:
        return False
    return now >= session.ended_at + timedelta(seconds=settings.customer_read_after_end_seconds)


def check_own_session(actor: CustomerActor, session: SupportSession) -> None:
    if session.id != actor.session_id:
        raise Forbidden("This session belongs to someone else.")


def customer_only(actor: Actor, action: str) -> CustomerActor:
    """``actor`` as the customer, for what only the customer (or their agent) may do:
    "Only the customer can {action}." to a representative."""
    if not isinstance(actor, CustomerActor):
        raise Forbidden(f"Only the customer can {action}.")
    return actor
