"""The store's contract, run against real SQLite and real PostgreSQL.

Every test runs once per database (ids ``sqlite`` and ``postgresql``), on a fresh
database migrated with the same ``upgrade`` the server runs. The tests read as the
promises the rest of Helpline relies on: gapless ``seq`` under concurrency, idempotent
resends, single-use codes, one winner of a pick-up race, and nothing acknowledged lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.codes import SessionCode
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import (
    Audience,
    Author,
    Event,
    EventDraft,
    EventKind,
)
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import PortalField
from helpline.domain.sessions import (
    Change,
    ClientInfo,
    SupportSession,
    customer_joined,
)
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.protocol import NewSession
from helpline.store.sql import SqlStore

NOW = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    await upgrade(store_url)
    opened = SqlStore(create_engine(store_url))
    try:
        yield opened
    finally:
        await opened.close()


# Building blocks ---------------------------------------------------------------------


async def make_rep(store: SqlStore, username: str = "ann", name: str = "Ann") -> Representative:
    return await store.create_representative(
        username, name, Role.REPRESENTATIVE, f"hash-of-{username}", NOW
    )


def new_session(
    public_id: str = "ABCD-0001",
    portal_id: int | None = None,
    token: bytes = b"token-1",
    token_expires_at: datetime = NOW + timedelta(hours=1),
) -> NewSession:
    return NewSession(
        public_id=public_id,
        portal_id=portal_id,
        customer_name="Casey Customer",
        query="My printer is on fire",
        client=ClientInfo(os="Windows 11", browser="Firefox 140"),
        token_hash=token,
        token_expires_at=token_expires_at,
        extra=(("email", "casey@example.com"),),
    )


def customer_arrives(session: SupportSession) -> Change:
    return Change(session, (), (customer_joined(session),))


async def open_session(
    store: SqlStore,
    public_id: str = "ABCD-0001",
    portal_id: int | None = None,
    started_at: datetime = NOW,
) -> SupportSession:
    session, _ = await store.create_session(
        new_session(public_id, portal_id, token=public_id.encode()), started_at, customer_arrives
    )
    return session


def chat(text_: str, client_id: str | None = None, author: Author | None = None) -> EventDraft:
    return EventDraft(
        kind=EventKind.MESSAGE,
        audience=Audience.everyone(),
        author=author or Author.customer("Casey Customer"),
        body={"text": text_},
        client_id=client_id,
    )


def seqs(events: list[Event]) -> list[int]:
    return [event.seq for event in events]


# Representatives -----------------------------------------------------------------------


async def test_created_representative_reads_back_with_default_preferences(
    store: SqlStore,
) -> None:
    created = await store.create_representative("ann", "Ann A", Role.MANAGER, "argon2$x", NOW)

    assert created == Representative(created.id, "ann", "Ann A", Role.MANAGER)
    assert await store.get_representative(created.id) == created
    assert created.preferences == Preferences()


async def test_taken_username_is_a_conflict(store: SqlStore) -> None:
    await make_rep(store, "ann")

    with pytest.raises(Conflict):
        await make_rep(store, "ann", "Another Ann")
    assert await store.count_representatives() == 1


async def test_unknown_representative_is_none(store: SqlStore) -> None:
    assert await store.get_representative(12345) is None


async def test_find_login_returns_the_representative_and_password_hash(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")

    assert await store.find_login("ann") == (ann, "hash-of-ann")
    assert await store.find_login("bob") is None


async def test_representatives_are_listed_in_creation_order_and_counted(
    store: SqlStore,
) -> None:
    bob = await make_rep(store, "bob", "Bob")
    ann = await make_rep(store, "ann", "Ann")

    assert await store.list_representatives() == [bob, ann]
    assert await store.count_representatives() == 2


async def test_password_hash_can_be_replaced(store: SqlStore) -> None:
    ann = await make_rep(store)

    await store.set_password_hash(ann.id, "new-hash")

    found = await store.find_login("ann")
    assert found is not None
    assert found[1] == "new-hash"


async def test_saved_preferences_are_read_back(store: SqlStore) -> None:
    ann = await make_rep(store)
    chosen = Preferences().updated({"font_size": 18, "chat_sound": True})

    await store.save_preferences(ann.id, chosen)

    stored = await store.get_representative(ann.id)
    assert stored is not None
    assert stored.preferences == chosen


async def test_changing_an_unknown_representative_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.set_password_hash(999, "x")
    with pytest.raises(NotFound):
        await store.save_preferences(999, Preferences())


# Console logins ------------------------------------------------------------------------


async def test_login_names_its_representative_only_until_it_expires(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_login(b"login-token", ann.id, NOW, LATER)

    assert await store.rep_for_login(b"login-token", NOW) == ann.id
    assert await store.rep_for_login(b"login-token", LATER) is None
    assert await store.rep_for_login(b"other-token", NOW) is None


async def test_deleted_login_names_nobody(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_login(b"login-token", ann.id, NOW, LATER)

    await store.delete_login(b"login-token")
    await store.delete_login(b"login-token")

    assert await store.rep_for_login(b"login-token", NOW) is None


# Portals -------------------------------------------------------------------------------


async def test_created_portal_is_found_by_id_and_by_slug(store: SqlStore) -> None:
    portal = await store.create_portal(
        "billing", "Billing", [PortalField.PHONE, PortalField.EMAIL], "Hello!"
    )

    assert portal.fields == (PortalField.PHONE, PortalField.EMAIL)
    assert await store.get_portal(portal.id) == portal
    assert await store.get_portal_by_slug("billing") == portal
    assert await store.get_portal_by_slug("sales") is None
    assert await store.get_portal(portal.id + 100) is None


async def test_taken_portal_slug_is_a_conflict(store: SqlStore) -> None:
    await store.create_portal("billing", "Billing", [], "")

    with pytest.raises(Conflict):
        await store.create_portal("billing", "Billing again", [], "")
    assert len(await store.list_portals()) == 1


async def test_portals_are_listed_in_creation_order(store: SqlStore) -> None:
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [PortalField.COMPANY], "Hi")

    assert await store.list_portals() == [sales, billing]


async def test_portal_membership_is_idempotent_and_seen_from_both_sides(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")

    await store.add_portal_member(sales.id, ann.id)
    await store.add_portal_member(sales.id, ann.id)
    await store.add_portal_member(sales.id, bob.id)
    await store.add_portal_member(billing.id, ann.id)

    assert await store.members_of(sales.id) == [ann.id, bob.id]
    assert await store.members_of(billing.id) == [ann.id]
    assert await store.portals_of(ann.id) == [sales, billing]
    assert await store.portals_of(bob.id) == [sales]


async def test_membership_of_unknown_portal_or_representative_is_not_found(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    sales = await store.create_portal("sales", "Sales", [], "")

    with pytest.raises(NotFound):
        await store.add_portal_member(sales.id + 100, ann.id)
    with pytest.raises(NotFound):
        await store.add_portal_member(sales.id, ann.id + 100)


def code_of(rep_id: int, digits: str = "123456789", minutes: int = 20) -> SessionCode:
    return SessionCode(digits, rep_id, None, NOW, NOW + timedelta(minutes=minutes))
