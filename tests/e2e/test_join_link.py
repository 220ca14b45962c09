"""While someone guesses session codes and the server pauses joining by code, the
representative is told so, and the customer gets in with the join link."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import NewPage
from tests.e2e.steps import chat_tab, logged_in
from tests.support.clients import Browser
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def spend_the_guessing_budget(server: ServerProcess) -> None:
    """Twenty addresses, ten wrong codes each: the default budget of 200 is spent."""
    for host in range(2, 22):
        guesser = Browser(server, address=f"127.0.0.{host}")
        try:
            for n in range(10):
                await guesser.http.post(
                    "/api/join", json={"code": f"{host:03d}{n:06d}", "name": "Eve"}
                )
        finally:
            await guesser.close()


async def test_customer_joins_with_the_join_link_while_joining_by_code_is_throttled(
    server: ServerProcess, new_page: NewPage
) -> None:
    await spend_the_guessing_budget(server)

    console = await logged_in(new_page, "bob")
    await console.get_by_role("button", name="Session code").click()
    dialog = console.get_by_role("dialog", name="Session code")
    await expect(dialog.get_by_test_id("code-joining-paused")).to_contain_text(
        "Joining by code is throttled right now"
    )
    digits = (await dialog.get_by_test_id("session-code").inner_text()).replace(" ", "")
    link = dialog.get_by_test_id("join-url")
    await expect(link).to_have_text(re.compile(rf"/join/{digits}#link=[A-Za-z0-9_-]{{43}}$"))
    await expect(dialog.get_by_test_id("join-link-why")).to_contain_text(
        "works even while joining by code is throttled"
    )
    url = await link.get_attribute("href")
    assert url is not None

    customer = await new_page()
    await customer.goto(url)
    await expect(customer.get_by_text("Your representative sent you this link.")).to_be_visible()
    await expect(customer.get_by_label("Session code")).to_be_hidden()
    await customer.get_by_label("Your name").fill("Ines")
    await customer.get_by_role("button", name="Join session").click()
    await expect(customer).to_have_url(re.compile(r"/chat$"))
    await expect(chat_tab(console, "Ines")).to_have_attribute("aria-selected", "true")
    await expect(customer.get_by_text("You are chatting with Bob Chen.")).to_be_visible()
