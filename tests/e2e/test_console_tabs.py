"""The console's tabs: one per session, each with its unread count and idle icon,
and the keyboard to move between them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.steps import (
    NewPage,
    ask_for_help,
    chat_tab,
    console_log,
    customer_log,
    line,
    log_in,
    logged_in,
    pick_up,
    say,
)

pytestmark = pytest.mark.e2e


async def ivy_and_jack_ask_for_help(new_page: NewPage) -> tuple[Page, Page]:
    """Two customers wait: Ivy on the acme portal, then Jack on globex."""
    ivy, jack = await new_page(), await new_page()
    await ask_for_help(ivy, "acme", "Ivy", "Locked out of my account")
    await ask_for_help(jack, "globex", "Jack", "Invoice is wrong")
    return ivy, jack


async def test_a_tab_not_in_focus_counts_unread_lines_and_alt_keys_switch_tabs(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    ivy, jack = await ivy_and_jack_ask_for_help(new_page)
    await expect(console.get_by_test_id("queue-count")).to_have_text("2")

    await pick_up(console, "Ivy")
    await pick_up(console, "Jack")
    # The chat box of the session picked up last is the one in front.
    await expect(chat_tab(console, "Ivy")).to_have_attribute("aria-selected", "false")
    await expect(chat_tab(console, "Jack")).to_have_attribute("aria-selected", "true")
    await expect(console.get_by_role("tab")).to_have_count(2)

    # Lines in the tab behind are counted; lines in the tab in front are not.
    await say(ivy, "Hello?")
    ivy_unread = chat_tab(console, "Ivy").get_by_test_id("unread-count")
    await expect(ivy_unread).to_have_text("1 unread")
    await say(ivy, "Is anyone there?")
    await expect(ivy_unread).to_have_text("2 unread")
    await expect(console.get_by_role("tab", name=re.compile(r"^Ivy .* 2 unread$"))).to_be_visible()
    await say(jack, "The invoice says 300 instead of 30.")
    await expect(line(console_log(console, "Jack"), "300 instead of 30")).to_be_visible()
    await say(console, "Let me check that invoice.")
    await expect(line(customer_log(jack), "Let me check")).to_be_visible()
    await expect(chat_tab(console, "Jack").get_by_test_id("unread-count")).to_have_count(0)
    await expect(ivy_unread).to_have_text("2 unread")

    # Alt+1 brings the first tab to the front (from the message box) and clears its count.
    await expect(console.get_by_role("textbox", name="Chat message")).to_be_focused()
    await console.keyboard.press("Alt+1")
    await expect(chat_tab(console, "Ivy")).to_have_attribute("aria-selected", "true")
    await expect(chat_tab(console, "Ivy")).to_be_focused()
    await expect(chat_tab(console, "Jack")).to_have_attribute("aria-selected", "false")
    await expect(ivy_unread).to_have_count(0)
    await expect(line(console_log(console, "Ivy"), "Is anyone there?")).to_be_visible()
    await expect(console_log(console, "Jack")).to_have_count(0)

    # Alt+2 goes back to the second.
    await say(console, "Sorry Ivy, I am here.")
    await expect(line(customer_log(ivy), "I am here")).to_be_visible()
    await console.keyboard.press("Alt+2")
    await expect(chat_tab(console, "Jack")).to_have_attribute("aria-selected", "true")
    await expect(line(console_log(console, "Jack"), "Let me check that invoice.")).to_be_visible()
    await expect(console_log(console, "Ivy")).to_have_count(0)

    # A line from the tab now behind is counted again.
    await say(ivy, "Thank you!")
    await expect(ivy_unread).to_have_text("1 unread")
    # There is no third tab: Alt+3 changes nothing.
    await console.keyboard.press("Alt+3")
    await expect(chat_tab(console, "Jack")).to_have_attribute("aria-selected", "true")


async def test_the_idle_icon_turns_yellow_then_red_after_the_preferred_thresholds(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "alice")

    # Short thresholds, set in Chat Preferences (the smallest warning allowed is 5 s).
    await console.get_by_role("button", name="Chat Preferences").click()
    prefs = console.get_by_role("dialog", name="Chat Preferences")
    await prefs.get_by_label("Warning (yellow) after, in seconds").fill("5")
    await prefs.get_by_label("Alert (red) after, in seconds").fill("8")
    await prefs.get_by_role("button", name="Save").click()
    await expect(prefs).to_be_hidden()
    await expect(console.get_by_test_id("notice")).to_contain_text("Chat Preferences saved.")

    customer = await new_page()
    await ask_for_help(customer, "acme", "Kim", "Screen stays black")
    await pick_up(console, "Kim")
    icon = chat_tab(console, "Kim").get_by_test_id("idle-icon")

    # Writing to the customer turns it green; then yellow after 5 s, red after 8 s.
    await say(console, "Hello Kim, one moment please.")
    await expect(icon).to_have_attribute("data-idle", "green")
    await expect(line(customer_log(customer), "one moment please")).to_be_visible()
    await expect(icon).to_have_attribute("data-idle", "yellow", timeout=10_000)
    assert int(await icon.get_attribute("data-seconds") or "0") >= 5
    await expect(icon).to_have_attribute(
        "aria-label", re.compile(r"^Last message to customer \d+ seconds ago$")
    )
    await expect(icon).to_have_attribute("data-idle", "red", timeout=10_000)
    assert int(await icon.get_attribute("data-seconds") or "0") >= 8

    # A line only representatives see does not count as writing to the customer.
    await console.get_by_role("combobox", name="To").select_option("representatives")
    await say(console, "Kim's screen is black, anyone seen this?")
    await expect(
        line(console_log(console, "Kim"), "anyone seen this").get_by_test_id("pending-mark")
    ).to_have_count(0)
    await expect(icon).to_have_attribute("data-idle", "red")

    # Writing to the customer again turns it green.
    await console.get_by_role("combobox", name="To").select_option("everyone")
    await say(console, "Thanks for waiting, Kim.")
    await expect(icon).to_have_attribute("data-idle", "green")

    # The thresholds were saved: the dialog shows them when opened again.
    await console.get_by_role("button", name="Chat Preferences").click()
    await expect(prefs.get_by_label("Warning (yellow) after, in seconds")).to_have_value("5")
    await expect(prefs.get_by_label("Alert (red) after, in seconds")).to_have_value("8")
    await prefs.get_by_role("button", name="Cancel").click()
    await expect(prefs).to_be_hidden()


async def test_the_tab_that_takes_a_closed_tabs_place_is_read_and_loses_its_unread_badge(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    ivy, jack = await ivy_and_jack_ask_for_help(new_page)
    await pick_up(console, "Ivy")
    await pick_up(console, "Jack")
    await say(ivy, "Hello?")
    ivy_unread = chat_tab(console, "Ivy").get_by_test_id("unread-count")
    await expect(ivy_unread).to_have_text("1 unread")

    # Jack ends his chat; closing his tab brings Ivy's to the front, read.
    await jack.get_by_role("button", name="End session").click()
    await (
        jack.get_by_role("dialog", name="End session?")
        .get_by_role("button", name="Yes, end session")
        .click()
    )
    await expect(console.get_by_test_id("session-ended")).to_be_visible()
    await console.get_by_role("button", name="Close tab").click()
    await expect(chat_tab(console, "Jack")).to_have_count(0)
    await expect(chat_tab(console, "Ivy")).to_have_attribute("aria-selected", "true")
    await expect(line(console_log(console, "Ivy"), "Hello?")).to_be_visible()
    await expect(ivy_unread).to_have_count(0)
    await expect(console.get_by_role("tab", name=re.compile("unread"))).to_have_count(0)


async def test_switching_tabs_shows_the_new_tabs_session_panel_from_its_details(
    new_page: NewPage,
) -> None:
    console = await new_page()
    # A short window, so the session panel scrolls.
    await console.set_viewport_size({"width": 1400, "height": 480})
    await log_in(console, "bob")
    await ivy_and_jack_ask_for_help(new_page)
    await pick_up(console, "Ivy")
    await pick_up(console, "Jack")

    panel = console.get_by_role("complementary", name="Session panel")
    details = panel.get_by_role("heading", name="Details")
    await expect(details).to_be_in_viewport()
    # Down to Jack's notes and screen: his Details scroll out of sight.
    await panel.get_by_role("textbox", name="Session note").scroll_into_view_if_needed()
    await panel.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    assert await panel.evaluate("(el) => el.scrollTop") > 0
    await expect(details).not_to_be_in_viewport()

    await chat_tab(console, "Ivy").click()
    await expect(panel.get_by_test_id("session-details")).to_contain_text("Ivy")
    await expect(details).to_be_in_viewport()
    assert await panel.evaluate("(el) => el.scrollTop") == 0

    # The same when a key brings a tab to the front.
    await panel.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    await expect(details).not_to_be_in_viewport()
    await console.keyboard.press("Alt+2")
    await expect(panel.get_by_test_id("session-details")).to_contain_text("Jack")
    await expect(details).to_be_in_viewport()
