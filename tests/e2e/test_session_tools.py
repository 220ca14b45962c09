"""The session tools as representatives and customers use them: scripted messages and
URLs, the greeting, pushing a web page, inviting (masked) and transferring, leaving and
closing with an outcome, transcripts and the managers' history.

Each test runs its own server; the people are separate browser contexts.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.steps import (
    NewPage,
    add_note,
    ask_for_help,
    chat_tab,
    close_session,
    console_log,
    customer_log,
    line,
    log_in,
    pick_up,
    read_download,
    record_dialogs,
    say,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

TIME = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


# ---------------------------------------------------------------- steps


async def open_page(console: Page, name: str) -> None:
    """Follow a link of the console's toolbar: "Chats", "Library" or "History"."""
    link = console.get_by_role("navigation", name="Console pages").get_by_role("link", name=name)
    await link.click()
    await expect(link).to_have_attribute("aria-current", "page")


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


def attendee(console: Page, name: str) -> Locator:
    panel = console.get_by_role("complementary", name="Session panel")
    return panel.get_by_test_id("attendee").filter(has_text=name)


async def accept_invitation(console: Page, customer_name: str) -> Locator:
    """Accept the alert's offer; the chat box of the session opens. Returns the alert."""
    alert = console.get_by_test_id("invitation-alert").filter(has_text=customer_name)
    await expect(alert).to_be_visible()
    await alert.get_by_role("button", name="Accept").click()
    await expect(alert).to_have_count(0)
    await expect(chat_tab(console, customer_name)).to_have_attribute("aria-selected", "true")
    return alert


def without_times(text: str) -> set[str]:
    return {TIME.sub("", row) for row in text.splitlines() if row.strip()}


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
    console = await new_page()
    await log_in(console, "bob")

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


async def test_a_masked_invitee_is_never_seen_by_the_customer_while_the_primary_sees_the_mask(
    new_page: NewPage,
) -> None:
    alice = await new_page()
    await log_in(alice, "alice")
    bob = await new_page()
    await log_in(bob, "bob")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Gus", "The scanner is offline")
    await pick_up(alice, "Gus")
    await say(customer, "Hello, the scanner again.")

    # Alice invites Bob, masked, with a comment only representatives read.
    await alice.get_by_role("button", name="Invite").click()
    invite = alice.get_by_role("dialog", name="Invite a representative")
    bob_choice = invite.get_by_role("radio", name="Bob Chen")
    await expect(invite.get_by_role("list", name="Representatives")).to_contain_text("online")
    await bob_choice.check()
    await invite.get_by_role("checkbox", name="Mask representatives when they join").check()
    await invite.get_by_label("Comment (only representatives see it)").fill("Check the driver log")
    await invite.get_by_role("button", name="Send invitation").click()
    await expect(invite).to_be_hidden()

    alert = bob.get_by_test_id("invitation-alert")
    await expect(alert).to_contain_text("Alice Martin invites you to join the session with Gus")
    await expect(alert).to_have_attribute("data-masked", "true")
    await expect(alert.get_by_test_id("invitation-comment")).to_contain_text("Check the driver log")
    await expect(bob).to_have_title("(1) Helpline")
    await accept_invitation(bob, "Gus")
    await expect(line(console_log(bob, "Gus"), "the scanner again")).to_be_visible()
    await expect(bob.get_by_test_id("masked-hint")).to_be_visible()

    # The primary sees Bob in the session with the Masked icon and text.
    masked = attendee(alice, "Bob Chen")
    await expect(masked).to_have_attribute("data-masked", "true")
    await expect(masked.get_by_test_id("masked-icon")).to_have_text("Masked")
    await expect(masked).to_contain_text("masked, hidden from the customer")
    await expect(attendee(alice, "Alice Martin").get_by_test_id("masked-icon")).to_have_count(0)

    # Bob writes to everyone: Alice reads it, the customer never does.
    await say(bob, "Driver log shows error 0x42.")
    from_bob = line(console_log(alice, "Gus"), "error 0x42")
    await expect(from_bob).to_contain_text("Bob Chen (masked)")
    await say(alice, "Please restart the scanner.")
    await expect(line(customer_log(customer), "restart the scanner")).to_be_visible()
    # Everything before Alice's line has reached the customer by now.
    await expect(customer.get_by_text("You are chatting with Alice Martin.")).to_be_visible()
    await expect(customer.locator("body")).not_to_contain_text("0x42")
    await expect(customer.locator("body")).not_to_contain_text("Bob")
    await expect(customer.locator("body")).not_to_contain_text("driver log")

    # Bob leaves: only he goes; the session goes on with Alice.
    await bob.get_by_role("button", name="Leave session").click()
    leave = bob.get_by_role("dialog", name="Leave session?")
    await expect(leave).to_contain_text("Only you leave")
    await leave.get_by_role("button", name="Leave session").click()
    await expect(chat_tab(bob, "Gus")).to_have_count(0)
    await expect(attendee(alice, "Bob Chen")).to_have_count(0)
    await say(customer, "It restarted.")
    await expect(line(console_log(alice, "Gus"), "It restarted.")).to_be_visible()
    await expect(customer.locator("body")).not_to_contain_text("Bob")

    # Exit all sessions: after confirming, Alice is out and the customer waits again.
    await alice.get_by_role("button", name="Exit all sessions").click()
    exit_all = alice.get_by_role("dialog", name="Exit all sessions?")
    await exit_all.get_by_role("button", name="Exit all sessions").click()
    await expect(exit_all).to_be_hidden()
    await expect(chat_tab(alice, "Gus")).to_have_count(0)
    await expect(alice.get_by_test_id("notice")).to_have_text(re.compile("You left 1 session"))
    await expect(customer.get_by_test_id("waiting")).to_be_visible()


async def test_a_transfer_gives_a_third_representative_the_whole_history_and_they_close_it(
    new_page: NewPage,
) -> None:
    alice = await new_page()
    await log_in(alice, "alice")
    carol = await new_page()
    await log_in(carol, "carol")
    customer = await new_page()
    await ask_for_help(customer, "globex", "Hana", "VPN certificate expired")
    await pick_up(alice, "Hana")
    await say(customer, "My certificate expired yesterday.")
    await say(alice, "I will renew it for you.")
    await alice.get_by_role("combobox", name="To").select_option("representatives")
    await say(alice, "Needs the security team's sign-off.")
    await alice.get_by_role("combobox", name="To").select_option("everyone")

    # Only the primary may transfer: the dialog has no mask, but a comment.
    await alice.get_by_role("button", name="Transfer").click()
    transfer = alice.get_by_role("dialog", name="Transfer session")
    await expect(transfer.get_by_role("checkbox")).to_have_count(0)
    await transfer.get_by_role("radio", name="Carol Diaz").check()
    await transfer.get_by_label("Comment (only representatives see it)").fill("Security queue")
    await transfer.get_by_role("button", name="Transfer session").click()
    await expect(transfer).to_be_hidden()

    alert = carol.get_by_test_id("invitation-alert")
    await expect(alert).to_contain_text("Alice Martin asks you to take over the session with Hana")
    await expect(alert).to_have_attribute("data-kind", "transfer")
    await accept_invitation(carol, "Hana")

    # Carol sees everything that was said before her, the representatives' line too.
    log = console_log(carol, "Hana")
    await expect(line(log, "My certificate expired yesterday.")).to_be_visible()
    await expect(line(log, "I will renew it for you.")).to_contain_text("Alice Martin")
    private = line(log, "security team's sign-off")
    await expect(private.get_by_test_id("private-mark")).to_have_text("To representatives")
    await expect(attendee(carol, "Carol Diaz")).to_contain_text("primary")

    # Alice is out of it; the customer is now chatting with Carol.
    await expect(chat_tab(alice, "Hana")).to_have_count(0)
    await expect(alice.get_by_test_id("notice")).to_contain_text("Carol Diaz took over")
    await expect(customer.get_by_text("You are chatting with Carol Diaz.")).to_be_visible()
    await say(carol, "Hi Hana, Carol here. Your new certificate is ready.")
    await expect(line(customer_log(customer), "Carol here")).to_contain_text("Carol Diaz")

    # Closing asks for an outcome first, then ends the session for everyone.
    await (
        carol.get_by_role("group", name="Session actions")
        .get_by_role("button", name="Close session")
        .click()
    )
    dialog = carol.get_by_role("dialog", name="Close session")
    await dialog.get_by_role("button", name="Close session").click()
    await expect(dialog.get_by_role("alert")).to_contain_text("Choose an outcome")
    await expect(customer.get_by_test_id("session-ended")).to_have_count(0)
    await dialog.get_by_role("button", name="Cancel").click()
    await close_session(carol, "Resolved", "Renewed the certificate; valid one year.")

    await expect(customer.get_by_test_id("session-ended")).to_contain_text(
        "This session has ended. It was ended by Carol Diaz."
    )
    await expect(customer.get_by_role("textbox", name="Chat message")).to_be_disabled()
    details = carol.get_by_test_id("session-details")
    await expect(details).to_contain_text("Resolved")
    await expect(details).to_contain_text("Renewed the certificate; valid one year.")
    await expect(customer.locator("body")).not_to_contain_text("Renewed the certificate")


async def test_transcripts_differ_by_what_the_customer_may_not_see_and_history_finds_the_session(
    new_page: NewPage,
) -> None:
    console = await new_page()
    await log_in(console, "alice")
    # Another session in the history, without the word searched for below.
    other = await new_page()
    await ask_for_help(other, "globex", "Jo", "Password reset")
    await pick_up(console, "Jo")
    await say(other, "My password expired.")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Ivo", "Printer jams")
    session_id = await pick_up(console, "Ivo")
    await say(customer, "My flamingo printer jams on every page.")
    await say(console, "Please open the rear tray.")
    await console.get_by_role("combobox", name="To").select_option("representatives")
    await say(console, "Known fault on the flamingo model.")
    await console.get_by_role("combobox", name="To").select_option("everyone")
    await add_note(console, "Ordered a new roller.")
    await say(customer, "Done, it works.")
    await expect(line(console_log(console, "Ivo"), "Done, it works.")).to_be_visible()
    await close_session(console, "Unresolved", "Roller on order.")
    await expect(customer.get_by_test_id("session-ended")).to_be_visible()

    # The representative's copy holds exactly the lines the customer may not see, more.
    async with console.expect_download() as rep_info:
        await console.get_by_role("link", name="Download chat log as text").click()
    rep_download = await rep_info.value
    assert rep_download.suggested_filename == "chatlog.txt"
    rep_text = await read_download(rep_download)
    async with customer.expect_download() as customer_info:
        await customer.get_by_role("link", name="Save chat log").click()
    customer_text = await read_download(await customer_info.value)

    rep_lines, customer_lines = without_times(rep_text), without_times(customer_text)
    assert customer_lines <= rep_lines, customer_lines - rep_lines
    assert rep_lines - customer_lines == {
        "Alice Martin (to representatives): Known fault on the flamingo model.",
        "Alice Martin (note): Ordered a new roller.",
    }
    assert f"Session ID: {session_id}" in customer_lines
    assert "Ivo: My flamingo printer jams on every page." in customer_lines
    for kind, name in (("HTML", "chatlog.html"), ("JSON", "chatlog.json")):
        link = console.get_by_role("link", name=f"Download chat log as {kind}")
        await expect(link).to_have_attribute("download", name)
        await expect(link).to_have_attribute("href", re.compile(f"/transcript\\.{name[8:]}$"))

    # The history lists it; the filters narrow it down, words from the chats included.
    await open_page(console, "History")
    total = console.get_by_test_id("history-total")
    await expect(total).to_have_text("2 sessions found.")
    search = console.get_by_role("search", name="Search the history")
    words = search.get_by_label("Words from the chats")
    await words.fill("flamingo")
    await search.get_by_label("Outcome").select_option("unresolved")
    # The browser and this test share a clock and a time zone: yesterday, then today.
    today = date.today()
    yesterday = (today - timedelta(days=1)).isoformat()
    await search.get_by_label("From", exact=True).fill(yesterday)
    await search.get_by_label("To", exact=True).fill(yesterday)
    await search.get_by_role("button", name="Search").click()
    await expect(total).to_have_text("No sessions found.")
    await search.get_by_label("To", exact=True).fill(today.isoformat())
    await search.get_by_role("button", name="Search").click()
    await expect(total).to_have_text("1 session found.")
    row = console.get_by_role("table", name="Sessions").get_by_test_id("history-row")
    await expect(row).to_have_attribute("data-session", session_id)
    await expect(row).to_contain_text("Ivo")
    await expect(row).to_contain_text("Acme Support")
    await expect(row.get_by_test_id("history-outcome")).to_have_text("Unresolved")

    await words.fill("glockenspiel")
    await search.get_by_role("button", name="Search").click()
    await expect(total).to_have_text("No sessions found.")
    await words.fill("flamingo")
    await search.get_by_role("button", name="Search").click()
    await expect(total).to_have_text("1 session found.")

    # Its transcript opens in the page, private lines and notes marked.
    await row.get_by_role("button", name=f"View the transcript of {session_id}").click()
    dialog = console.get_by_role("dialog", name=f"Transcript {session_id}")
    transcript = dialog.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("Customer: Ivo")
    await expect(transcript).to_contain_text("Outcome: Unresolved")
    lines = transcript.get_by_test_id("transcript-line")
    await expect(lines.filter(has_text="flamingo model")).to_contain_text("To representatives")
    await expect(lines.filter(has_text="new roller")).to_contain_text("Note")
    await dialog.get_by_role("button", name="Close", exact=True).click()
    await expect(dialog).to_be_hidden()
