"""The Library in a session, as representatives and customers see it: scripted messages
inserted with their placeholders filled and edited before sending, the portal's
greeting, and scripted URLs
pushed to the customer's browser, where a javascript: URL is refused.

Each test runs its own server; the people are separate browser contexts.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.steps import (
    NewPage,
    ask_for_help,
    console_log,
    customer_log,
    line,
    log_in,
    logged_in,
    open_page,
    pick_up,
    record_dialogs,
    say,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- steps


async def add_category(scope: Locator, label: str, name: str) -> Locator:
    """Add a category to a library region; returns the category."""
    await scope.get_by_label(label).fill(name)
    await scope.get_by_role("button", name="Add category").click()
    category = scope.get_by_role("article", name=name, exact=True)
    await expect(category).to_be_visible()
    await expect(scope.get_by_label(label)).to_have_value("")
    return category


async def add_script(category: Locator, what: str, title: str, text: str) -> None:
    """Add a scripted message ("message") or URL ("URL") to a category."""
    opener = category.get_by_role("button", name=f"Add a {what} to")
    if await opener.count() > 0:  # the form stays open after an addition
        await opener.click()
    form = category.get_by_role("form", name=f"New {what} in")
    await form.get_by_label("Title").fill(title)
    await form.get_by_label("Message" if what == "message" else "URL", exact=True).fill(text)
    await form.get_by_role("button", name="Add script").click()
    await expect(category.get_by_test_id("script").filter(has_text=title)).to_be_visible()


async def choose_script(console: Page, picker: str, search: str, title: str) -> None:
    """Open a picker of the chat box ("Scripted messages" / "Scripted URLs"), search, choose."""
    await console.get_by_role("button", name=picker, exact=True).click()
    dialog = console.get_by_role("dialog", name=picker)
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("searchbox", name=f"Search {picker.lower()}").fill(search)
    await dialog.get_by_test_id("picker-item").filter(has_text=title).click()
    await expect(dialog).to_be_hidden()


# ---------------------------------------------------------------- tests


async def test_a_scripted_message_is_inserted_with_placeholders_filled_and_edited_before_sending(
    new_page: NewPage,
) -> None:
    console = await new_page()
    dialogs = record_dialogs(console)
    await log_in(console, "alice")

    # The manager keeps the team's library: categories in order, scripts inside them.
    await open_page(console, "Library")
    await expect(console.get_by_role("tab", name="Scripted messages")).to_have_attribute(
        "aria-selected", "true"
    )
    team = console.get_by_role("region", name="Team library")
    billing = await add_category(team, "New team category", "Billing")
    opening = await add_category(team, "New team category", "Openers")
    categories = team.get_by_test_id("script-category")
    await expect(categories).to_have_text([re.compile("^Billing"), re.compile("^Openers")])
    await opening.get_by_role("button", name="Move category Openers up").click()
    await expect(categories).to_have_text([re.compile("^Openers"), re.compile("^Billing")])
    await expect(team.get_by_role("button", name="Move category Openers down")).to_be_focused()
    await add_script(
        opening,
        "message",
        "Welcome",
        "Hello {customer.name}, I am {representative.name} from {portal.name}. "
        "Your session is {session.id}. Ticket {ticket.number}.",
    )
    await add_script(billing, "message", "Refund", "Your refund is on its way.")
    await add_script(billing, "message", "Invoice", "Your invoice is attached.")
    scripts = billing.get_by_test_id("script")
    await expect(scripts).to_have_text([re.compile("^Refund"), re.compile("^Invoice")])
    await billing.get_by_role("button", name="Move Invoice up").click()
    await expect(scripts).to_have_text([re.compile("^Invoice"), re.compile("^Refund")])
    await expect(billing.get_by_role("button", name="Move Invoice down")).to_be_focused()

    # Deleting asks first.
    await billing.get_by_role("button", name="Delete Refund").click()
    confirm = console.get_by_role("dialog", name="Delete script?")
    await expect(confirm).to_contain_text("Refund")
    await confirm.get_by_role("button", name="Delete script").click()
    await expect(billing.get_by_test_id("script")).to_have_count(1)
    await expect(billing.get_by_test_id("script")).to_contain_text("Invoice")

    # The portal's greeting, with its length shown as it is typed.
    await console.get_by_role("tab", name="Greetings").click()
    greeting_box = console.get_by_label("Greeting for Acme Support")
    greeting = "Hi {customer.name}, {representative.name} here."
    await greeting_box.fill(greeting)
    form = console.get_by_test_id("greeting-form").filter(has=greeting_box)
    await expect(form.get_by_test_id("greeting-count")).to_have_text(
        f"{len(greeting)} / 1,000 characters"
    )
    await form.get_by_role("button", name="Save greeting for Acme Support").click()
    await expect(form.get_by_role("status")).to_have_text("Saved.")

    # A customer arrives: picking them up sends the greeting in Alice's name.
    await open_page(console, "Chats")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Dana", "Double charged")
    session_id = await pick_up(console, "Dana")
    await expect(line(customer_log(customer), "Hi Dana, Alice Martin here.")).to_be_visible()

    # The picker searches titles and texts; choosing fills the placeholders in the box.
    await choose_script(console, "Scripted messages", "SESSION IS", "Welcome")
    box = console.get_by_role("textbox", name="Chat message")
    filled = (
        f"Hello Dana, I am Alice Martin from Acme Support. Your session is {session_id}. "
        "Ticket {ticket.number}."
    )
    await expect(box).to_have_value(filled)
    await expect(box).to_be_focused()

    # Edited before sending: the unknown placeholder was left as typed, to be replaced.
    await box.press("End")
    for _ in range(len("{ticket.number}.")):
        await box.press("Backspace")
    await box.press_sequentially("4411.")
    await box.press("Enter")
    await expect(box).to_have_value("")
    sent = filled.replace("{ticket.number}.", "4411.")
    await expect(line(customer_log(customer), sent)).to_be_visible()
    await expect(customer_log(customer)).not_to_contain_text("{")
    assert dialogs == []


async def test_a_pushed_url_opens_in_a_new_tab_for_the_customer_and_javascript_is_refused(
    new_page: NewPage, server: ServerProcess
) -> None:
    console = await logged_in(new_page, "bob")

    # A representative keeps personal scripted URLs, placeholders included.
    await open_page(console, "Library")
    await console.get_by_role("tab", name="Scripted URLs").click()
    await expect(console.get_by_role("region", name="Team library")).to_have_count(0)
    mine = console.get_by_role("region", name="My library")
    links = await add_category(mine, "New personal category", "Checks")
    await add_script(links, "URL", "Health page", f"{server.base_url}/healthz?s={{session.id}}")

    await open_page(console, "Chats")
    customer = await new_page()
    await ask_for_help(customer, "globex", "Evan", "Where is the status page?")
    session_id = await pick_up(console, "Evan")
    url_box = console.get_by_role("textbox", name="URL to push")
    push = console.get_by_role("button", name="Push URL")

    # A javascript: address is refused with the server's reason, next to the field.
    await url_box.fill("javascript:alert(document.cookie)")
    await push.click()
    error = console.get_by_test_id("push-url-error")
    await expect(error).to_have_text(re.compile(r"Only http:// and https:// .*'javascript:'"))
    await expect(url_box).to_have_attribute("aria-invalid", "true")
    await expect(url_box).to_have_value("javascript:alert(document.cookie)")

    # The scripted URL goes into the field, filled in, and is pushed from there.
    await choose_script(console, "Scripted URLs", "health", "Health page")
    pushed = f"{server.base_url}/healthz?s={session_id}"
    await expect(url_box).to_have_value(pushed)
    await expect(error).to_have_count(0)
    async with customer.expect_popup() as popup_info:
        await push.click()
    popup = await popup_info.value
    await expect(popup).to_have_url(pushed)
    await expect(url_box).to_have_value("")

    # Both logs note the push; the refused address never reached the customer.
    note = f"Bob Chen pushed {pushed}"
    await expect(console_log(console, "Evan").get_by_role("link", name=pushed)).to_be_visible()
    log = customer_log(customer)
    await expect(log.locator("[data-kind=status]").filter(has_text=note)).to_be_visible()
    await expect(log).not_to_contain_text("javascript")
    # Where the browser blocks the new tab, one click opens it.
    open_button = customer.get_by_role("link", name=f"Open {pushed}")
    await expect(open_button).to_have_attribute("target", "_blank")
    await expect(open_button).to_have_attribute("rel", "noopener noreferrer")

    # After a reload the push is history: a link in the log, nothing opens, no Open button.
    await customer.reload()
    await expect(log.get_by_role("link", name=pushed)).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    await say(customer, "Got it, thanks.")
    await expect(line(console_log(console, "Evan"), "Got it, thanks.")).to_be_visible()
    await expect(customer.get_by_test_id("pushed-url")).to_have_count(0)
    assert len(customer.context.pages) == 2
