"""The Helpline agent as a representative and a customer in the browser see it: the
customer's computer in the Details pane, the customer online on the agent or in the
browser in the Attendees pane, a pushed URL the agent could not open, and the agent
sent to a customer who is in the browser.

The agent itself is played by the test's HTTP and WebSocket client, speaking the
protocol as the real one does (bearer token, no browser).
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import NewPage
from tests.e2e.steps import (
    agent_joins,
    ask_for_help,
    console_log,
    customer_log,
    line,
    logged_in,
    pick_up,
    read_download,
    say,
)
from tests.support.clients import DEBIAN_REPORT, Agent
from tests.support.domain import DEBIAN_LINES
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

ATTACHED = "The customer attached the Helpline agent."


def details(console: Page) -> Locator:
    return console.get_by_role("complementary", name="Session panel").get_by_test_id(
        "session-details"
    )


def detail(console: Page, label: str) -> Locator:
    """The value of one row of the Details pane."""
    return (
        details(console)
        .locator(".details__row")
        .filter(has=console.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")))
        .locator("dd")
    )


def the_customer(console: Page) -> Locator:
    return console.get_by_role("complementary", name="Session panel").get_by_test_id(
        "customer-attendee"
    )


async def test_the_console_shows_the_computer_the_agent_reports_and_when_it_is_online(
    server: ServerProcess, new_page: NewPage
) -> None:
    console = await logged_in(new_page, "bob")

    async with Agent(server) as agent:
        # The customer runs `helpline agent join CODE` on a server over SSH.
        session_id = await agent_joins(console, agent, "Dana", DEBIAN_REPORT)

        await expect(detail(console, "Operating system")).to_have_text(
            "Debian GNU/Linux 12 (bookworm)"
        )
        await expect(detail(console, "Kernel")).to_have_text("6.1.0-18-amd64")
        await expect(detail(console, "Architecture")).to_have_text("x86_64")
        await expect(detail(console, "Host name")).to_have_text("db-01")
        await expect(detail(console, "User")).to_have_text("dana")
        await expect(detail(console, "Browser")).to_have_count(0)

        customer = the_customer(console)
        await expect(customer).to_contain_text("Dana")
        await expect(customer).to_contain_text("on the Helpline agent")
        await expect(customer.get_by_test_id("customer-presence")).to_have_text("offline")

        terminal = await agent.socket()
        await expect(customer.get_by_test_id("customer-presence")).to_have_text("online")
        await expect(customer).to_have_attribute("data-online", "true")
        await terminal.follow(session_id)

        # A pushed URL that no browser could open on that computer.
        await console.get_by_role("textbox", name="URL to push").fill("https://example.com/fix")
        await console.get_by_role("button", name="Push URL").click()
        pushed = await terminal.wait_event(
            session_id, lambda e: e["body"].get("action") == "url_pushed", "the pushed URL"
        )
        await terminal.send(
            {"type": "url_opened", "session": session_id, "seq": pushed["seq"], "opened": False}
        )
        note = (
            console_log(console, "Dana")
            .get_by_test_id("chat-line")
            .filter(has_text="Could not open a browser on the customer's computer")
        )
        await expect(note).to_have_count(1)
        await expect(note).to_contain_text("the link is shown to them instead.")
        await expect(note.get_by_test_id("private-mark")).to_have_text("To representatives")

        await terminal.close()
        await expect(customer.get_by_test_id("customer-presence")).to_have_text("offline")
        await expect(customer).to_have_attribute("data-online", "false")


async def test_the_representative_sends_the_agent_and_the_chat_goes_on_beside_it(
    server: ServerProcess, new_page: NewPage
) -> None:
    console = await logged_in(new_page, "alice")
    customer_page = await new_page()
    await ask_for_help(customer_page, "acme", "Frida", "The database server is slow")
    await pick_up(console, "Frida")

    customer = the_customer(console)
    await expect(customer).to_contain_text("in the browser")
    await expect(customer.get_by_test_id("customer-presence")).to_have_text("online")
    await expect(detail(console, "Browser")).to_have_text("Chrome 131")

    await console.get_by_role("button", name="Send the agent to the customer").click()
    dialog = console.get_by_role("dialog", name="Send the agent to the customer")
    command = dialog.get_by_test_id("agent-command")
    pattern = re.compile(
        rf"^helpline agent attach '{re.escape(server.base_url)}/attach#([A-Za-z0-9_-]{{43}})'$"
    )
    await expect(command).to_have_text(pattern)
    await expect(dialog.get_by_test_id("agent-link-expiry")).to_contain_text("It works once")
    said = await command.inner_text()

    # The customer's window shows the same command, to copy and run.
    offer = customer_page.get_by_test_id("agent-offer")
    await expect(offer).to_contain_text(
        "Your representative offers the Helpline agent, which can reach your computer "
        "(files, diagnostics). To use it, run:"
    )
    await expect(offer.get_by_test_id("agent-offer-command")).to_have_text(said)
    await customer_page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server.base_url
    )
    await offer.get_by_role("button", name="Copy").click()
    await expect(offer.get_by_role("button", name="Copied")).to_be_visible()
    assert await customer_page.evaluate("navigator.clipboard.readText()") == said
    await offer.get_by_role("button", name="Dismiss").click()
    await expect(offer).to_be_hidden()

    # Asked again, the representative makes a new link, which replaces the first.
    await dialog.get_by_role("button", name="New link").click()
    await expect(command).not_to_have_text(said)
    said = await command.inner_text()
    await expect(offer.get_by_test_id("agent-offer-command")).to_have_text(said)

    # The customer runs it: the agent attaches to the same session, and the offer goes.
    match = pattern.match(said)
    assert match is not None
    async with Agent(server) as agent:
        await agent.attach(match.group(1), DEBIAN_REPORT)
        await dialog.get_by_role("button", name="Close", exact=True).click()

        await expect(customer).to_contain_text("on the Helpline agent")
        await expect(offer).to_be_hidden()
        await expect(detail(console, "Host name")).to_have_text("db-01")
        await expect(detail(console, "Operating system")).to_have_text(
            "Debian GNU/Linux 12 (bookworm)"
        )
        for log in (console_log(console, "Frida"), customer_log(customer_page)):
            attached = log.locator("[data-kind=status]").filter(has_text=ATTACHED)
            await expect(attached).to_have_count(1)

        # The chat goes on in the browser, beside the agent.
        await say(customer_page, "I ran it, it says attached.")
        await expect(line(console_log(console, "Frida"), "it says attached")).to_be_visible()
        await say(console, "Thanks, I can see the server now.")
        await expect(line(customer_log(customer_page), "I can see the server")).to_be_visible()

        # The chat log the customer saves names the computer the agent reported.
        async with customer_page.expect_download() as download_info:
            await customer_page.get_by_role("link", name="Save chat log").click()
        header = (await read_download(await download_info.value)).split("-" * 60)[0]
        for text in DEBIAN_LINES:
            assert f"{text}\n" in header


async def test_an_agent_link_opened_in_a_browser_says_to_run_the_agent(
    new_page: NewPage, server: ServerProcess
) -> None:
    page = await new_page()
    link = f"{server.base_url}/attach#0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
    await page.goto(link)

    await expect(page.get_by_test_id("attach-command")).to_have_text(
        f"helpline agent attach '{link}'"
    )
