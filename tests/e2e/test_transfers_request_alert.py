"""The representative's preference for how long a new-request alert stays up."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.steps import NewPage, ask_for_help, logged_in

pytestmark = pytest.mark.e2e


async def test_a_new_request_alert_stays_up_for_the_preferred_seconds(new_page: NewPage) -> None:
    console = await logged_in(new_page, "carol")
    await console.get_by_role("button", name="Chat Preferences").click()
    dialog = console.get_by_role("dialog", name="Chat Preferences")
    field = dialog.get_by_label("Show new-request alerts for, in seconds")
    await expect(field).to_have_value("30")
    await field.fill("5")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(console.get_by_test_id("notice")).to_contain_text("Chat Preferences saved.")

    # Kept by the server: a fresh console reads it back.
    await console.reload()
    await console.get_by_role("button", name="Chat Preferences").click()
    await expect(dialog.get_by_label("Show new-request alerts for, in seconds")).to_have_value("5")
    await dialog.get_by_role("button", name="Cancel").click()

    customer = await new_page()
    await ask_for_help(customer, "globex", "Hana", "The invoice page is blank")
    alert = console.get_by_test_id("request-alert")
    await expect(alert).to_contain_text("New request from Hana")
    # Gone after about five seconds (the default would keep it 30), while Hana still waits.
    await expect(alert).to_have_count(0, timeout=9000)
    await expect(console.get_by_test_id("queue-item").filter(has_text="Hana")).to_be_visible()
