"""A representative whose console is in the background hears of what waits: after
turning notifications on with a click, a hidden console shows a desktop notification
for a new request, an invitation and a customer's message (a click on it opens the
session), the favicon counts what waits, and the chime plays while hidden.

Headless Chromium shows no desktop notifications and is never really hidden, so the
page's ``Notification`` records what the console asks the browser to show, and the
page's visibility is switched by the test; the console's code runs unchanged."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.steps import NewPage, ask_for_help, chat_tab, log_in, logged_in, pick_up, say

pytestmark = pytest.mark.e2e

BACKGROUND = """
window.__notes = [];
window.__chimes = 0;
let allowed = "default";
class RecordedNotification {
  static get permission() { return allowed; }
  static async requestPermission() { allowed = "granted"; return allowed; }
  constructor(title, options) {
    this.title = title;
    this.onclick = null;
    window.__notes.push({ title, body: options.body, tag: options.tag, note: this });
  }
  close() {}
}
window.Notification = RecordedNotification;
let hidden = false;
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true, get() { return hidden ? "hidden" : "visible"; },
});
Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get() { return hidden; },
});
window.__setHidden = (value) => {
  hidden = value;
  document.dispatchEvent(new Event("visibilitychange"));
};
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  if (this.state === "running") window.__chimes += 1;
  return createOscillator.call(this);
};
"""


async def notes(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = await page.evaluate(
        "window.__notes.map(({ title, body, tag }) => ({ title, body, tag }))"
    )
    return found


async def shown(page: Page, title: str) -> dict[str, str]:
    """The notification with ``title``, once the console has asked for it."""
    await page.wait_for_function("title => window.__notes.some(n => n.title === title)", arg=title)
    return next(n for n in await notes(page) if n["title"] == title)


async def hidden(page: Page, value: bool) -> None:
    await page.evaluate(f"window.__setHidden({'true' if value else 'false'})")


async def test_a_hidden_console_notifies_counts_on_its_favicon_and_chimes(
    new_page: NewPage,
) -> None:
    console = await new_page()
    await console.add_init_script(BACKGROUND)
    await log_in(console, "alice")
    favicon = console.locator('link[rel="icon"]')
    await expect(favicon).to_have_attribute("data-count", "0")

    # Asked from a click only: the offer stays until the browser has an answer.
    offer = console.get_by_test_id("notify-offer")
    await offer.get_by_role("button", name="Turn on notifications").click()
    await expect(offer).to_be_hidden()

    # In front, the console needs no notification.
    customer = await new_page()
    await ask_for_help(customer, "acme", "Dana", "My printer is on fire")
    await expect(favicon).to_have_attribute("data-count", "1")
    assert await notes(console) == []

    chimes = await console.evaluate("window.__chimes")
    assert chimes > 0  # the click above started the sound

    await hidden(console, True)
    other = await new_page()
    await ask_for_help(other, "acme", "Evan", "The VPN drops every hour")
    await expect(favicon).to_have_attribute("data-count", "2")
    request = await shown(console, "Evan asks for help on Acme Support")
    assert request["body"] == "The VPN drops every hour"
    assert len(await notes(console)) == 1
    assert await console.evaluate("window.__chimes") > chimes  # and it plays while hidden

    # A colleague's invitation, too.
    bob = await logged_in(new_page, "bob")
    await pick_up(bob, "Evan")
    await bob.get_by_role("button", name="Invite").click()
    invite = bob.get_by_role("dialog", name="Invite a representative")
    await invite.get_by_role("radio", name="Alice Martin").check()
    await invite.get_by_role("button", name="Send invitation").click()
    await shown(console, "Bob Chen invites you to Evan's session")

    await hidden(console, False)
    await console.get_by_test_id("invitation-alert").get_by_role("button", name="Decline").click()
    await pick_up(console, "Dana")
    await expect(favicon).to_have_attribute("data-count", "0")
    await hidden(console, True)
    await say(customer, "It smells of smoke now")
    message = await shown(console, "Dana wrote")
    assert message["body"] == "It smells of smoke now"
    # Hidden, the selected tab's message is unread too, and counted.
    await expect(favicon).to_have_attribute("data-count", "1")

    # A click on the notification brings the console forward with Dana's session open.
    await console.evaluate("window.__notes.find(n => n.title === 'Dana wrote').note.onclick()")
    await expect(chat_tab(console, "Dana")).to_have_attribute("aria-selected", "true")
    await hidden(console, False)
    await expect(favicon).to_have_attribute("data-count", "0")
