"""First-start set-up and demo data, shared by the CLI and the tests.

``demo`` is the accounts and portals every test starts from; ``demo_library`` adds what
``helpline demo`` shows a newcomer besides: a greeting and the team's scripted messages
and URLs, so the Library and a greeting work on the first session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from helpline.domain.people import Role, check_display_name, check_password, check_username
from helpline.domain.portals import PortalField, check_slug
from helpline.domain.scripts import ScriptKind, check_script_text, check_title
from helpline.server.security import hash_password
from helpline.server.team import TEAM_GREETING
from helpline.store.protocol import HelplineStore, Store

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


DEMO_GREETING = (
    "Hi {customer.name}, this is {representative.name} from {portal.name}. "
    "I am reading your question now."
)
# The team's libraries: (kind, category, ((title, text), ...)).
DEMO_LIBRARY = (
    (ScriptKind.MESSAGE, "Getting started", (
        ("Ask for details", "Could you tell me what you see on the screen, word for word?"),
        ("One moment", "Thank you, {customer.name}. Give me a moment to look into this."),
    )),
    (ScriptKind.MESSAGE, "Closing", (
        ("Anything else", "Is there anything else I can help you with today?"),
        ("Goodbye", "Thank you for contacting {portal.name}. Have a good day!"),
    )),
    (ScriptKind.URL, "Help pages", (
        ("Reset your password", "https://example.com/help/reset-password"),
        ("Check your connection", "https://example.com/help/connection"),
    )),
)  # fmt: skip


async def demo_library(store: HelplineStore) -> None:
    """A team greeting and a few scripted messages and URLs, once: a library that
    already has categories, or a greeting already set (even to nothing), is kept."""
    if await store.get_team_setting(TEAM_GREETING) is None:
        await store.set_team_setting(TEAM_GREETING, DEMO_GREETING)
    manager = await store.find_login(DEMO_ACCOUNTS[0][0])
    assert manager is not None, "demo() makes the accounts first"
    for kind in ScriptKind:
        listed = await store.script_categories(kind, manager[0].id)
        if any(category.owner_rep_id is None for category, _ in listed):
            continue
        for category_kind, name, scripts in DEMO_LIBRARY:
            if category_kind is not kind:
                continue
            category = await store.create_script_category(kind, None, check_title(name))
            for title, text in scripts:
                await store.create_script(
                    category.id, check_title(title), check_script_text(kind, text)
                )
