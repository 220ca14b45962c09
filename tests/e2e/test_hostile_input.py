"""What people see when one of them sends what cannot be taken as it is: a line the
server refuses for good is marked as not sent with the reason and never sent again
(neither after a reconnect nor after a reload); a file whose name hides its real
extension arrives renamed, and the representatives see how it was sent."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Page, WebSocket, expect

from tests.e2e.steps import (
    NewPage,
    ask_for_help,
    console_log,
    customer_log,
    line,
    logged_in,
    pick_up,
    say,
)

pytestmark = pytest.mark.e2e


def record_sends(page: Page) -> list[dict[str, object]]:
    """Every `send` frame the page's sockets send, decoded."""
    sent: list[dict[str, object]] = []

    def on_socket(socket: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str):
                frame = json.loads(payload)
                if frame.get("type") == "send":
                    sent.append(frame)

        socket.on("framesent", on_frame)

    page.on("websocket", on_socket)
    return sent


async def test_a_line_that_cannot_be_stored_shows_as_not_sent_and_is_never_sent_again(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    customer = await new_page()
    sends = record_sends(customer)
    await ask_for_help(customer, "acme", "Dana", "Odd characters")
    await pick_up(console, "Dana")

    # Half of a surrogate pair: JSON.stringify sends it as the escape "\ud800".
    box = customer.get_by_role("textbox", name="Chat message")
    await box.evaluate(
        """box => {
            box.value = "half a pair \\ud800 here";
            box.dispatchEvent(new Event("input", {bubbles: true}));
        }"""
    )
    await box.press("Enter")
    refused = line(customer_log(customer), "half a pair")
    await expect(refused).to_have_attribute("data-state", "failed")
    await expect(refused.get_by_role("alert")).to_contain_text("cannot be stored")

    # The socket stayed open: the next line goes through at once.
    await say(customer, "Is this one fine?")
    await expect(line(console_log(console, "Dana"), "Is this one fine?")).to_be_visible()
    await expect(line(customer_log(customer), "Is this one fine?")).to_have_attribute(
        "data-state", "sent"
    )

    await customer.reload()
    await expect(line(customer_log(customer), "half a pair")).to_have_attribute(
        "data-state", "failed"
    )
    await say(customer, "After the reload")
    await expect(line(customer_log(customer), "After the reload")).to_have_attribute(
        "data-state", "sent"
    )
    await expect(line(console_log(console, "Dana"), "half a pair")).to_have_count(0)
    texts = [str(frame["text"]) for frame in sends]
    assert [t for t in texts if "half a pair" in t] == ["half a pair \ud800 here"]
    assert texts.count("Is this one fine?") == 1


async def test_a_file_named_to_hide_its_extension_arrives_renamed_and_the_rep_sees_the_original(
    new_page: NewPage,
) -> None:
    console = await logged_in(new_page, "bob")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Dana", "Here is my invoice")
    await pick_up(console, "Dana")

    # Shown as sent, this name reads "invtxt.exe".
    async with customer.expect_file_chooser() as chooser_info:
        await customer.get_by_role("button", name="Send file").click()
    chooser = await chooser_info.value
    await chooser.set_files({"name": "inv\u202eexe.txt", "mimeType": "text/plain", "buffer": b"MZ"})

    offered = console.get_by_test_id("file-item").filter(has_text="invexe.txt")
    await expect(offered).to_have_attribute("data-state", "offered")
    await expect(offered.get_by_test_id("file-renamed")).to_contain_text("inv\\u202eexe.txt")
    mine = customer.get_by_test_id("file-item").filter(has_text="invexe.txt")
    await expect(mine).to_have_attribute("data-state", "offered")
    await expect(mine.get_by_test_id("file-renamed")).to_have_count(0)
