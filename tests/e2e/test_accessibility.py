"""The pages a customer and a representative see, checked with axe-core against WCAG
2.x A and AA, and the main actions done with the keyboard alone.

One server and one pass through a support session visits every state in turn, so the
check stays cheap: axe runs on each page as the person sees it at that moment (a menu
or a dialog open, a session live), and fails naming every serious or critical finding.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.axe import assert_no_serious_findings
from tests.e2e.steps import (
    WINDOWS_CHROME,
    NewPage,
    chat_tab,
    console_log,
    customer_log,
    line,
    log_in,
)

pytestmark = pytest.mark.e2e

# More Tab presses than any page here has stops before its target: a target further
# away than this is, in practice, out of a keyboard user's reach.
MOST_TABS = 60


async def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus; fail if it never does."""
    await expect(target).to_be_visible()
    for _ in range(MOST_TABS):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reached with Tab ({MOST_TABS} presses)")


async def open_check_and_close(
    page: Page, button: Locator, opened: Locator, what: str, shows: Locator | None = None
) -> None:
    """Tab to `button` and press Enter: `opened` (a menu or a dialog) shows, `shows` in it
    where given, and passes axe as `what`; Escape hides it."""
    await tab_to(page, button)
    await page.keyboard.press("Enter")
    await expect(opened if shows is None else shows).to_be_visible()
    await assert_no_serious_findings(page, what)
    await page.keyboard.press("Escape")
    await expect(opened).to_be_hidden()


async def test_customer_and_representative_pages_pass_axe_and_work_by_keyboard(
    new_page: NewPage, axe: Path
) -> None:
    console = await new_page()
    await console.goto("/console")
    await expect(console.get_by_role("button", name="Log in")).to_be_visible()
    await assert_no_serious_findings(console, "the console's login page")
    await log_in(console, "alice")

    # The customer asks for help on a portal and waits.
    customer = await new_page()
    await customer.context.set_extra_http_headers({"User-Agent": WINDOWS_CHROME})
    await customer.goto("/p/acme")
    await expect(customer.get_by_role("button", name="Start chat")).to_be_visible()
    await assert_no_serious_findings(customer, "the portal page")
    await tab_to(customer, customer.get_by_label("Your name"))
    await customer.keyboard.type("Dana")
    await tab_to(customer, customer.get_by_label("Your question"))
    await customer.keyboard.type("My printer is on fire")
    await tab_to(customer, customer.get_by_role("button", name="Start chat"))
    await customer.keyboard.press("Enter")
    await expect(customer).to_have_url(re.compile(r"/chat$"))
    await expect(customer.get_by_test_id("waiting")).to_be_visible()
    await assert_no_serious_findings(customer, "the customer's chat page while waiting")

    # The representative picks the customer up with the keyboard.
    pick_up = console.get_by_role("button", name="Pick up Dana")
    await assert_no_serious_findings(console, "the console with a customer waiting")
    await tab_to(console, pick_up)
    await console.keyboard.press("Enter")
    await expect(chat_tab(console, "Dana")).to_have_attribute("aria-selected", "true")

    # A message sent from the keyboard on each side reaches the other.
    message = console.get_by_role("textbox", name="Chat message")
    await tab_to(console, message)
    await console.keyboard.type("Hello Dana, I am looking.")
    await console.keyboard.press("Enter")
    await expect(line(customer_log(customer), "I am looking")).to_be_visible()
    box = customer.get_by_role("textbox", name="Chat message")
    await tab_to(customer, box)
    await customer.keyboard.type("Thank you!")
    await customer.keyboard.press("Enter")
    await expect(line(console_log(console, "Dana"), "Thank you!")).to_be_visible()
    await expect(customer.get_by_test_id("waiting")).to_be_hidden()
    await assert_no_serious_findings(customer, "the customer's chat page in a session")

    # The console with the session live: chat box, details, attendees and notes.
    note = console.get_by_role("textbox", name="Session note")
    await tab_to(console, note)
    await console.keyboard.type("Printer model HL-2270")
    await tab_to(console, console.get_by_role("button", name="Add note"))
    await console.keyboard.press("Enter")
    await expect(console.get_by_test_id("note").filter(has_text="HL-2270")).to_be_visible()
    await assert_no_serious_findings(console, "the console with a live session")

    # The Session features menu opens with Enter, is checked open, and Escape closes it.
    features = console.get_by_role("button", name="Session features")
    menu = console.get_by_role("menu", name="Session features")
    await open_check_and_close(
        console, features, menu, "the console with the Session features menu open"
    )
    await expect(features).to_be_focused()

    # So does a dialog: Invite.
    await open_check_and_close(
        console,
        console.get_by_role("button", name="Invite"),
        console.get_by_role("dialog", name="Invite a representative"),
        "the console with the Invite dialog open",
    )
    await expect(console.get_by_role("button", name="Invite")).to_be_focused()

    # The customer ends the session from the keyboard; both sides see it ended.
    end = customer.get_by_role("dialog", name="End session?")
    await tab_to(customer, customer.get_by_role("button", name="End session"))
    await customer.keyboard.press("Enter")
    await expect(end).to_be_visible()
    await assert_no_serious_findings(customer, "the customer's End session dialog")
    await tab_to(customer, end.get_by_role("button", name="Yes, end session"))
    await customer.keyboard.press("Enter")
    await expect(customer.get_by_test_id("session-ended")).to_be_visible()
    await assert_no_serious_findings(customer, "the customer's chat page after the session")
    await expect(console.get_by_test_id("session-ended")).to_be_visible()
    await assert_no_serious_findings(console, "the console with the session ended")

    # The Library, reached from the toolbar.
    library = console.get_by_role("navigation", name="Console pages").get_by_role(
        "link", name="Library"
    )
    await tab_to(console, library)
    await console.keyboard.press("Enter")
    await expect(library).to_have_attribute("aria-current", "page")
    await expect(console.get_by_role("region", name="Team library")).to_be_visible()
    await assert_no_serious_findings(console, "the Library")

    # The History, and the Session code and Chat Preferences dialogs.
    history = console.get_by_role("navigation", name="Console pages").get_by_role(
        "link", name="History"
    )
    await tab_to(console, history)
    await console.keyboard.press("Enter")
    await expect(history).to_have_attribute("aria-current", "page")
    await expect(console.get_by_text("Dana").first).to_be_visible()
    await assert_no_serious_findings(console, "the History")
    code = console.get_by_role("dialog", name="Session code")
    await open_check_and_close(
        console,
        console.get_by_role("button", name="Session code"),
        code,
        "the console with the Session code dialog open",
        shows=code.get_by_test_id("session-code"),
    )
    await open_check_and_close(
        console,
        console.get_by_role("button", name="Chat Preferences"),
        console.get_by_role("dialog", name="Chat Preferences"),
        "the console with Chat Preferences open",
    )

    # A second customer's join page, where a session code is typed.
    joining = await new_page()
    await joining.goto("/join")
    await expect(joining.get_by_label("Session code")).to_be_visible()
    await assert_no_serious_findings(joining, "the join page")
