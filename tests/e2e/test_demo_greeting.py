"""On the demo's data a customer is greeted by name the moment a representative picks
the session up, in the representative's name: what a newcomer trying `helpline demo`
sees first."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from helpline.server.bootstrap import demo_library
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.e2e.conftest import NewPage
from tests.e2e.steps import ask_for_help, console_log, customer_log, line, log_in, pick_up
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def test_the_customer_reads_the_demo_greeting_when_bob_picks_up(
    server: ServerProcess, new_page: NewPage
) -> None:
    store = SqlStore(create_engine(server.resolved_database_url))
    try:
        await demo_library(store)  # what `helpline demo` adds to the accounts and portals
    finally:
        await store.close()

    console, customer = await new_page(), await new_page()
    await log_in(console, "bob")
    await ask_for_help(customer, "acme", "Dana", "My printer says PC LOAD LETTER")
    await pick_up(console, "Dana")
    greeting = "Hi Dana, this is Bob Chen from Acme Support."
    await expect(line(customer_log(customer), greeting)).to_be_visible()
    await expect(line(console_log(console, "Dana"), greeting)).to_be_visible()
