"""First-start set-up and demo data, shared by the CLI and the tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from helpline.domain.people import Role, check_display_name, check_password, check_username
from helpline.domain.portals import PortalField, check_slug
from helpline.server.security import hash_password
from helpline.store.protocol import Store

FIRST_MANAGER = "admin"
FIRST_PORTAL = "support"


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: Role


async def create_rep(store: Store, username: str, name: str, password: str, role: Role) -> None:
    username = check_username(username)
    check_password(password)
    await store.create_representative(
        username, check_display_name(name), role, hash_password(password), datetime.now(UTC)
    )


async def first_start(store: Store) -> Account | None:
    """With no representative yet, create a manager and a portal; return the account."""
    if await store.count_representatives() > 0:
        return None
    password = secrets.token_urlsafe(12)
    await create_rep(store, FIRST_MANAGER, "Administrator", password, Role.MANAGER)
    found = await store.find_login(FIRST_MANAGER)
    assert found is not None
    portal = await store.get_portal_by_slug(FIRST_PORTAL)
    if portal is None:
        portal = await store.create_portal(FIRST_PORTAL, "Support", (), "")
    await store.add_portal_member(portal.id, found[0].id)
    return Account(FIRST_MANAGER, password, Role.MANAGER)


DEMO_ACCOUNTS = (
    ("alice", "Alice Martin", Role.MANAGER),
    ("bob", "Bob Chen", Role.REPRESENTATIVE),
)
DEMO_PORTALS = (
    ("acme", "Acme Support", (PortalField.EMAIL,)),
    ("globex", "Globex Help Desk", (PortalField.COMPANY,)),
)
DEMO_PASSWORD = "helpline-demo"  # noqa: S105 - published in the README on purpose


async def demo(store: Store) -> list[Account]:
    """Two representatives in two portals, idempotent: a second run changes nothing."""
    accounts = []
    rep_ids = []
    for username, name, role in DEMO_ACCOUNTS:
        found = await store.find_login(username)
        if found is None:
            await create_rep(store, username, name, DEMO_PASSWORD, role)
            found = await store.find_login(username)
            assert found is not None
        rep_ids.append(found[0].id)
        accounts.append(Account(username, DEMO_PASSWORD, role))
    for slug, name, fields in DEMO_PORTALS:
        check_slug(slug)
        portal = await store.get_portal_by_slug(slug)
        if portal is None:
            portal = await store.create_portal(slug, name, fields, "")
        for rep_id in rep_ids:
            await store.add_portal_member(portal.id, rep_id)
    return accounts
