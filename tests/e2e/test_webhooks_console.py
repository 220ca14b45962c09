"""The managers' Webhooks page in the console: a manager adds an endpoint of a real
local HTTP receiver, sees its signing secret once, and after a session starts and
ends reads in the delivery log that the receiver answered 200; a representative who
is not a manager has no such page. One walk, one server, to keep the suite short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import expect

from helpline.domain.webhooks import signature
from tests.e2e.axe import assert_no_serious_findings
from tests.e2e.steps import (
    NewPage,
    ask_for_help,
    close_session,
    log_in,
    logged_in,
    pick_up,
    record_dialogs,
)
from tests.support.agent import until
from tests.support.receiver import Call, receiver

pytestmark = pytest.mark.e2e


def signed_event(call: Call, secret: str) -> str:
    """The call's event, once its signature checks out with ``secret``."""
    header = call.headers["X-Helpline-Signature"]
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert header == signature(secret, stamp, call.body)
    event: str = json.loads(call.body)["event"]
    return event


async def test_a_manager_adds_a_webhook_and_reads_that_the_ended_session_was_delivered(
    new_page: NewPage, axe: Path
) -> None:
    with receiver() as got:
        manager = await new_page()
        dialogs = record_dialogs(manager)
        await log_in(manager, "alice")
        link = manager.get_by_role("navigation", name="Console pages").get_by_role(
            "link", name="Webhooks"
        )
        await link.click()
        await expect(link).to_have_attribute("aria-current", "page")

        form = manager.get_by_role("form", name="Add an endpoint")
        address = form.get_by_label("Endpoint address")
        await address.fill("javascript:alert(1)")
        await address.press("Enter")
        await expect(form.get_by_role("alert")).to_have_text(
            "The address starts with https:// or http://."
        )
        await expect(address).to_have_attribute("aria-invalid", "true")

        # Markup in the address is shown as text, never run.
        hook_url = f"{got.url}/200/tickets?from=<b>helpline</b>"
        await address.fill(hook_url)
        await form.get_by_label("Session transferred").uncheck()
        await form.get_by_label("Sessions of").select_option(label="Acme Support")
        await address.press("Enter")

        shown = manager.get_by_role("dialog", name="Signing secret")
        secret = (await shown.get_by_test_id("webhook-secret").inner_text()).strip()
        assert len(secret) >= 32
        await assert_no_serious_findings(manager, "the Webhooks page showing a new secret")
        await shown.get_by_role("button", name="Done").click()
        await expect(shown).to_be_hidden()

        row = manager.get_by_test_id("webhook-row")
        await expect(row).to_have_count(1)
        await expect(row.get_by_role("cell").nth(0)).to_have_text(hook_url)
        await expect(row.get_by_role("cell").nth(1)).to_have_text("Acme Support")
        await expect(row.get_by_role("cell").nth(2)).to_have_text("Session started, Session ended")
        await expect(row.get_by_test_id("webhook-state")).to_have_text("On")
        await expect(manager.get_by_text(secret)).to_have_count(0)  # shown that once only
        await expect(manager.locator("b", has_text="helpline")).to_have_count(0)
        await assert_no_serious_findings(manager, "the Webhooks page")

        # A representative who is not a manager has no Webhooks page, even by its address.
        rep = await logged_in(new_page, "bob")
        pages = rep.get_by_role("navigation", name="Console pages")
        await expect(pages.get_by_role("link", name="Library")).to_be_visible()
        await expect(pages.get_by_role("link", name="Webhooks")).to_have_count(0)
        await rep.goto("/console#/webhooks")
        await expect(rep.get_by_text("Only managers manage webhooks.")).to_be_visible()
        await expect(rep.get_by_role("form", name="Add an endpoint")).to_have_count(0)
        await pages.get_by_role("link", name="Chats").click()

        customer = await new_page()
        await ask_for_help(customer, "acme", "Dana", "The printer is on fire")
        await pick_up(rep, "Dana")
        await close_session(rep, "Resolved", "Unplugged it; a new fuser is on order.")

        def calls() -> list[Call]:
            return [c for c in got.calls if c.path.startswith("/200/tickets")]

        await until(lambda: len(calls()) == 2, "the start and the end at the receiver")
        events = sorted(signed_event(c, secret) for c in calls())
        assert events == ["session.ended", "session.started"]

        await manager.get_by_role("button", name=f"Delivery log of {hook_url}").click()
        log = manager.get_by_test_id("webhook-log")
        await log.get_by_role("button", name="Refresh").click()
        deliveries = log.get_by_role("table", name="Deliveries").get_by_test_id("delivery-row")
        await expect(deliveries).to_have_count(2)
        ended = deliveries.filter(has_text="Session ended")
        await expect(ended.get_by_test_id("delivery-result")).to_have_text("200")
        await expect(ended.get_by_test_id("delivery-attempts")).to_have_text("1")
        await expect(ended).to_have_attribute("data-state", "delivered")
        await assert_no_serious_findings(manager, "the Webhooks page with a delivery log")

        # Off, a new secret shown once, then gone; focus lands on the list's heading.
        await row.get_by_role("button", name=f"Switch off {hook_url}").click()
        await expect(row.get_by_test_id("webhook-state")).to_have_text("Off")
        await row.get_by_role("button", name=f"New secret for {hook_url}").click()
        confirm = manager.get_by_role("dialog", name="Make a new secret?")
        await confirm.get_by_role("button", name="Make a new secret").click()
        renewed = manager.get_by_role("dialog", name="New signing secret")
        new_secret = (await renewed.get_by_test_id("webhook-secret").inner_text()).strip()
        assert len(new_secret) >= 32 and new_secret != secret
        await renewed.get_by_role("button", name="Done").click()
        await row.get_by_role("button", name=f"Delete {hook_url}").click()
        confirm = manager.get_by_role("dialog", name="Delete endpoint?")
        await confirm.get_by_role("button", name="Delete endpoint").click()
        await expect(manager.get_by_text("No endpoints yet.")).to_be_visible()
        await expect(manager.get_by_role("heading", name="Endpoints")).to_be_focused()
        assert dialogs == []
