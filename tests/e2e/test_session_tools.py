"""The session tools as representatives and customers use them: inviting (masked) and
transferring, leaving and closing with an outcome, transcripts and the managers'
history. Scripted messages and URLs and pushing a web page are in
test_session_library.py.

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
    logged_in,
    open_page,
    pick_up,
    read_download,
    say,
)

pytestmark = pytest.mark.e2e

TIME = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


# ---------------------------------------------------------------- steps


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


async def test_a_masked_invitee_is_never_seen_by_the_customer_while_the_primary_sees_the_mask(
    new_page: NewPage,
) -> None:
    alice = await logged_in(new_page, "alice")
    bob = await logged_in(new_page, "bob")
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
    alice = await logged_in(new_page, "alice")
    carol = await logged_in(new_page, "carol")
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
    console = await logged_in(new_page, "alice")
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
