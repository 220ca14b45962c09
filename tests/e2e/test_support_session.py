"""A support session as its two people see it: a customer's browser and a representative's
console, on two computers (two browser contexts) talking to one real server.

The steps live in ``tests/e2e/steps.py``, shared with the other end-to-end files and
with ``make_screenshots``; the tests here read as what each person sees.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.steps import (
    MARKUP,
    WINDOWS_CHROME,
    HeldReplies,
    NewPage,
    add_note,
    ask_for_help,
    chat_tab,
    console_log,
    customer_log,
    line,
    log_in,
    logged_in,
    pick_up,
    read_download,
    record_dialogs,
    say,
)

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- tests


async def test_customer_from_a_portal_chats_with_the_representative_who_picks_it_up(
    new_page: NewPage,
) -> None:
    console = await new_page()
    console_dialogs = record_dialogs(console)
    await log_in(console, "alice")
    await expect(console.get_by_test_id("me-name")).to_have_text("Alice Martin")
    await expect(console.get_by_test_id("queue-count")).to_have_text("0")

    customer = await new_page()
    customer_dialogs = record_dialogs(customer)
    replies = HeldReplies()
    await customer.route_web_socket(re.compile(r"/ws/customer$"), replies.route)
    await ask_for_help(customer, "acme", "Dana", "My printer is on fire")

    # The request reaches the console: in the waiting list, as an alert and in the title.
    await expect(console.get_by_test_id("queue-count")).to_have_text("1")
    item = console.get_by_role("list", name="Waiting sessions").get_by_test_id("queue-item")
    await expect(item).to_contain_text("Dana")
    await expect(item).to_contain_text("Acme Support")
    await expect(item).to_contain_text("My printer is on fire")
    await expect(console.get_by_test_id("request-alert")).to_contain_text(
        "New request from Dana on Acme Support."
    )
    await expect(console).to_have_title("(1) Helpline")

    # Picking it up opens the chat box by itself; the queue and the alert empty.
    session_id = await pick_up(console, "Dana")
    await expect(chat_tab(console, "Dana")).to_contain_text(session_id)
    await expect(console.get_by_role("tabpanel")).to_contain_text(session_id)
    await expect(console.get_by_role("textbox", name="Chat message")).to_be_enabled()
    await expect(console.get_by_test_id("queue-count")).to_have_text("0")
    await expect(console.get_by_test_id("request-alert")).to_have_count(0)
    await expect(console).to_have_title("Helpline")
    await expect(console.get_by_role("list", name="My sessions")).to_contain_text("Dana")

    # The customer stops waiting and learns who is there.
    await expect(customer.get_by_test_id("waiting")).to_be_hidden()
    await expect(customer.get_by_text("You are chatting with Alice Martin.")).to_be_visible()
    await expect(
        customer_log(customer).locator("[data-kind=status]").filter(has_text="Alice Martin")
    ).not_to_have_count(0)

    # They talk: Enter sends.
    await say(customer, "Hello, anyone there?")
    await expect(line(console_log(console, "Dana"), "Hello, anyone there?")).to_contain_text("Dana")
    await say(console, "Yes, Alice here. Let's look at it.")
    reply = line(customer_log(customer), "Yes, Alice here.")
    await expect(reply).to_contain_text("Alice Martin")
    await expect(reply).to_have_attribute("data-state", "sent")

    # Shift+Enter starts a new line without sending; Enter then sends both lines as one.
    box = console.get_by_role("textbox", name="Chat message")
    await box.fill("First, unplug it.")
    await box.press("Shift+Enter")
    await box.press_sequentially("Then step back.")
    await expect(box).to_have_value("First, unplug it.\nThen step back.")
    await expect(line(customer_log(customer), "First, unplug it.")).to_have_count(0)
    await box.press("Enter")
    await expect(box).to_have_value("")
    two_lines = line(customer_log(customer), "First, unplug it.")
    await expect(two_lines).to_contain_text(re.compile(r"First, unplug it\.\nThen step back\."))

    # A line shows "Sending…" until the server acknowledges it, then the mark goes.
    replies.hold()
    await say(customer, "Done, it stopped smoking.")
    sending = line(customer_log(customer), "Done, it stopped smoking.")
    await expect(sending).to_have_attribute("data-state", "pending")
    await expect(sending.get_by_test_id("pending-mark")).to_have_text("Sending…")
    await expect(line(console_log(console, "Dana"), "Done, it stopped smoking.")).to_be_visible()
    replies.release()
    await expect(sending.get_by_test_id("pending-mark")).to_have_count(0)
    await expect(sending).to_have_attribute("data-state", "sent")
    await expect(sending).to_have_count(1)

    # Markup in a message is shown as the characters typed, on both sides, and never runs.
    await say(customer, MARKUP)
    for log in (customer_log(customer), console_log(console, "Dana")):
        shown = line(log, MARKUP)
        await expect(shown).to_be_visible()
        await expect(shown.locator(".line__text")).to_have_text(MARKUP)
        await expect(log.locator("img")).to_have_count(0)
    await say(console, MARKUP)
    await expect(line(customer_log(customer), MARKUP)).to_have_count(2)
    await expect(line(console_log(console, "Dana"), MARKUP)).to_have_count(2)
    # The page has had every chance to load the image by now: one more round trip.
    await say(customer, "Thanks!")
    await expect(line(console_log(console, "Dana"), "Thanks!")).to_be_visible()
    assert customer_dialogs == []
    assert console_dialogs == []


async def test_lines_to_representatives_and_notes_never_reach_the_customer(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    customer = await new_page()
    await ask_for_help(customer, "globex", "Evan", "The VPN drops every hour")
    session_id = await pick_up(console, "Evan")

    # The session panel on the right is open and shows the session's details.
    toggle = console.get_by_role("button", name="Session panel")
    panel = console.get_by_role("complementary", name="Session panel")
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    details = panel.get_by_test_id("session-details")
    await expect(details).to_contain_text(session_id)
    await expect(details).to_contain_text("Globex Help Desk")
    await expect(details).to_contain_text("The VPN drops every hour")
    await expect(details).to_contain_text("Windows 10")
    await expect(panel.get_by_test_id("attendee")).to_have_text(re.compile(r"Bob Chen \(you\)"))
    await expect(panel.get_by_test_id("attendee")).to_have_attribute("data-masked", "false")

    await say(customer, "Hi, my VPN keeps dropping.")
    await expect(line(console_log(console, "Evan"), "my VPN keeps dropping")).to_be_visible()

    # A line to All representatives is marked as such in the console.
    to = console.get_by_role("combobox", name="To")
    await to.select_option("representatives")
    await say(console, "Known issue with the Globex gateway, ticket 4411.")
    private = line(console_log(console, "Evan"), "ticket 4411")
    await expect(private.get_by_test_id("private-mark")).to_have_text("To representatives")
    await expect(private).to_have_attribute("data-state", "sent")

    # A note goes into the session panel, with its author.
    await add_note(console, "Customer on firmware 2.1; suggest upgrade.")
    note = panel.get_by_test_id("note").filter(has_text="firmware 2.1")
    await expect(note).to_contain_text("Bob Chen")
    await expect(note.locator("time")).to_have_count(1)
    await expect(console_log(console, "Evan")).not_to_contain_text("firmware 2.1")

    # Back to everyone: the customer gets this line, and never the two before it.
    await to.select_option("everyone")
    await say(console, "Please update the client to version 3.")
    await expect(line(customer_log(customer), "update the client")).to_be_visible()
    await expect(customer.get_by_text("ticket 4411")).to_have_count(0)
    await expect(customer.get_by_text("firmware 2.1")).to_have_count(0)
    await expect(customer.get_by_text("To representatives")).to_have_count(0)

    # The right navigation hides and shows again, and remembers it across a reload.
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(panel).to_be_hidden()
    await expect(console_log(console, "Evan")).to_be_visible()
    await console.reload()
    await expect(chat_tab(console, "Evan")).to_be_visible()
    await expect(console.get_by_role("button", name="Session panel")).to_have_attribute(
        "aria-expanded", "false"
    )
    await expect(panel).to_be_hidden()
    await console.get_by_role("button", name="Session panel").click()
    await expect(panel).to_be_visible()
    await expect(panel.get_by_test_id("note")).to_contain_text(
        "Customer on firmware 2.1; suggest upgrade."
    )


async def test_customer_saves_the_chat_log_headed_by_the_session_details(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "alice")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Frida", "Cannot print invoices")
    session_id = await pick_up(console, "Frida")

    await say(customer, "Every invoice prints blank.")
    await expect(line(console_log(console, "Frida"), "prints blank")).to_be_visible()
    await console.get_by_role("combobox", name="To").select_option("representatives")
    await say(console, "Probably the old driver again.")
    await add_note(console, "Driver 5.2 installed.")
    await console.get_by_role("combobox", name="To").select_option("everyone")
    await say(console, "Try the new driver from our site.")
    await expect(line(customer_log(customer), "Try the new driver")).to_be_visible()

    save = customer.get_by_role("link", name="Save chat log")
    await expect(save).to_have_attribute("download", "chatlog.txt")
    async with customer.expect_download() as download_info:
        await save.click()
    download = await download_info.value
    assert download.suggested_filename == "chatlog.txt"
    text = await read_download(download)

    header = text.split("-" * 60)[0]
    assert f"Session ID: {session_id}\n" in header
    assert "Portal: Acme Support\n" in header
    assert "Customer: Frida\n" in header
    assert "Query: Cannot print invoices\n" in header
    assert "Operating system: Windows 10\n" in header
    assert "Browser: Chrome 131\n" in header
    assert text.index("Session ID:") < text.index("Every invoice prints blank.")
    assert "Frida: Every invoice prints blank." in text
    assert "Alice Martin: Try the new driver from our site." in text
    assert "old driver" not in text
    assert "Driver 5.2" not in text


async def test_customer_reloading_the_chat_keeps_the_conversation_and_the_font_size(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Lena", "Text is too small")
    await pick_up(console, "Lena")
    await say(console, "Hello Lena, try a larger font.")
    await expect(line(customer_log(customer), "try a larger font")).to_be_visible()

    font_size = customer.get_by_role("combobox", name="Font size")
    await expect(font_size).to_have_value("16")
    await font_size.select_option("22")
    await expect(customer_log(customer)).to_have_css("font-size", "22px")

    await customer.reload()
    await expect(line(customer_log(customer), "try a larger font")).to_have_count(1)
    await expect(customer.get_by_role("combobox", name="Font size")).to_have_value("22")
    await expect(customer_log(customer)).to_have_css("font-size", "22px")
    await say(customer, "Much better, thanks!")
    await expect(line(console_log(console, "Lena"), "Much better")).to_have_count(1)


async def test_customer_ends_the_session_after_confirming_and_both_sides_see_it(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "alice")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Gus", "Password reset")
    await pick_up(console, "Gus")
    await say(console, "Hello Gus, I have reset it.")
    await expect(line(customer_log(customer), "I have reset it")).to_be_visible()

    end = customer.get_by_role("button", name="End session")
    confirm = customer.get_by_role("dialog", name="End session?")

    # Cancel leaves the chat as it was.
    await end.click()
    await expect(confirm).to_be_visible()
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    await expect(customer.get_by_test_id("session-ended")).to_have_count(0)
    await expect(customer.get_by_role("textbox", name="Chat message")).to_be_enabled()

    await end.click()
    await expect(confirm).to_contain_text("The chat closes for everyone.")
    await confirm.get_by_role("button", name="Yes, end session").click()
    await expect(confirm).to_be_hidden()

    # The customer's side: ended, by whom, nothing more to type, the log still saveable.
    ended = customer.get_by_test_id("session-ended")
    await expect(ended).to_contain_text("This session has ended. It was ended by Gus.")
    await expect(customer.get_by_role("textbox", name="Chat message")).to_be_disabled()
    await expect(customer.get_by_role("button", name="End session")).to_be_disabled()
    async with customer.expect_download() as download_info:
        await customer.get_by_role("link", name="Save chat log").click()
    saved = await read_download(await download_info.value)
    assert re.search(r"^Ended: .* by Gus$", saved, re.MULTILINE), saved
    assert "Alice Martin: Hello Gus, I have reset it." in saved

    # The representative's side: the chat box says so, the tab is marked, no idle icon.
    await expect(console.get_by_test_id("session-ended")).to_contain_text(
        "This session has ended (ended by Gus)."
    )
    await expect(chat_tab(console, "Gus")).to_contain_text("(ended)")
    await expect(console.get_by_role("tab", name=re.compile(r"Gus .*\(ended\)"))).to_be_visible()
    await expect(chat_tab(console, "Gus").get_by_test_id("idle-icon")).to_have_count(0)
    await expect(console.get_by_role("textbox", name="Chat message")).to_be_disabled()
    await expect(console.get_by_role("button", name="Close session")).to_be_disabled()
    await expect(console.get_by_role("list", name="My sessions")).to_have_count(0)
    await expect(
        console_log(console, "Gus").locator("[data-kind=status]").filter(has_text="Gus")
    ).not_to_have_count(0)

    await console.get_by_role("button", name="Close tab").click()
    await expect(chat_tab(console, "Gus")).to_have_count(0)
    await expect(console.get_by_text("No session open")).to_be_visible()


async def test_customer_joins_with_a_session_code_from_the_console_toolbar(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    await console.get_by_role("button", name="Session code").click()
    dialog = console.get_by_role("dialog", name="Session code")
    shown = dialog.get_by_test_id("session-code")
    await expect(shown).to_have_text(re.compile(r"^\d{3} \d{3} \d{3}$"))
    code = (await shown.inner_text()).strip()
    await expect(dialog.get_by_test_id("code-countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))
    digits = code.replace(" ", "")
    await expect(dialog.get_by_test_id("join-url")).to_contain_text(f"/join/{digits}")
    used_code = dialog.get_by_test_id("active-code").and_(dialog.locator(f"[data-code='{digits}']"))
    await expect(used_code).to_have_count(1)

    # While the dialog is still open, the customer types the code as it was read out.
    customer = await new_page()
    await customer.context.set_extra_http_headers({"User-Agent": WINDOWS_CHROME})
    await customer.goto("/join")
    await customer.get_by_label("Session code").fill(code)
    await customer.get_by_label("Your name").fill("Hana")
    await customer.get_by_role("button", name="Join session").click()
    await expect(customer).to_have_url(re.compile(r"/chat$"))

    # Nobody clicks anything in the console: the used code leaves the list of active
    # codes, and behind the dialog the chat box has opened by itself.
    await expect(used_code).to_have_count(0)
    await expect(chat_tab(console, "Hana")).to_have_attribute("aria-selected", "true")
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()
    await expect(console_log(console, "Hana")).to_be_visible()
    details = console.get_by_test_id("session-details")
    await expect(details).to_contain_text("Hana")
    await expect(details).to_contain_text("Session code")
    await expect(console.get_by_test_id("queue-item")).to_have_count(0)
    await expect(customer.get_by_text("You are chatting with Bob Chen.")).to_be_visible()
    await expect(customer.get_by_test_id("waiting")).to_have_count(0)

    await say(console, "Hi Hana, I can see you.")
    await expect(line(customer_log(customer), "I can see you")).to_be_visible()
    await say(customer, "Great!")
    await expect(line(console_log(console, "Hana"), "Great!")).to_be_visible()
