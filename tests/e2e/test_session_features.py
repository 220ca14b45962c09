"""The chat box's "Session features" menu in Chromium: for a customer on the Helpline
agent and for one in the browser, by keyboard, and what a masked representative asks
for reaching the customer anonymously."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import NewPage
from tests.e2e.features_scene import NEEDS_AGENT, REPORT, Scene
from tests.e2e.steps import (
    ask_for_help,
    chat_tab,
    console_log,
    logged_in,
    masked_representative,
    pick_up,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def test_the_menu_works_by_keyboard_and_says_why_an_item_cannot_be_used(
    scene: Scene,
) -> None:
    console = scene.console
    button = console.get_by_role("button", name="Session features")
    await button.focus()
    await console.keyboard.press("Enter")
    await expect(scene.menu()).to_be_visible()
    await expect(button).to_have_attribute("aria-expanded", "true")
    for group in ("Chat", "Files and screen", "Customer's computer", "Session"):
        await expect(scene.menu().get_by_role("group", name=group)).to_be_visible()

    first, last = "Insert a scripted message…", "Close session…"
    await expect(scene.item(first)).to_be_focused()
    await console.keyboard.press("ArrowUp")
    await expect(scene.item(last)).to_be_focused()
    await console.keyboard.press("ArrowDown")
    await expect(scene.item(first)).to_be_focused()
    await console.keyboard.press("End")
    await expect(scene.item(last)).to_be_focused()
    await console.keyboard.press("Home")
    await expect(scene.item(first)).to_be_focused()
    await console.keyboard.press("ArrowDown")
    await expect(scene.item("Insert a scripted URL…")).to_be_focused()
    await console.keyboard.press("r")  # type-ahead: the next item starting with R
    await expect(scene.item("Request system information")).to_be_focused()
    await console.keyboard.press("Escape")
    await expect(scene.menu()).to_be_hidden()
    await expect(button).to_be_focused()
    await expect(button).to_have_attribute("aria-expanded", "false")

    # The agent's features are there; what needs a permission says so.
    await console.keyboard.press("ArrowDown")
    await expect(scene.menu()).to_be_visible()
    await expect(scene.item("Request system information")).not_to_have_attribute(
        "aria-disabled", "true"
    )
    await expect(scene.item("Open diagnostics…")).to_have_accessible_description(
        "No system information has been sent yet."
    )
    apply = scene.item("Apply login credentials")
    await expect(apply).to_have_attribute("aria-disabled", "true")
    await expect(apply).to_have_accessible_description(
        "Needs Dana's login credentials: request them first."
    )
    await expect(scene.item("Reboot and reconnect…")).to_have_attribute("aria-disabled", "true")
    await expect(scene.item("Send the agent to the customer…")).to_have_count(0)
    await apply.click(force=True)  # a disabled item does nothing: the menu stays
    await expect(scene.menu()).to_be_visible()

    # The customer allows their login credentials (their agent checked the password).
    await scene.item("Request login credentials").click()
    request = await scene.request("credentials")
    await scene.open_menu()
    await expect(scene.item("Request login credentials")).to_have_accessible_description(
        "Waiting for Dana to answer the last request."
    )
    allowed = await scene.agent.http.post(f"/api/consents/{request}", json={"allow": True})
    assert allowed.status_code == 200, allowed.text
    await expect(apply).not_to_have_attribute("aria-disabled", "true")
    await expect(scene.item("Reboot and reconnect…")).not_to_have_attribute("aria-disabled", "true")
    await expect(scene.item("Request login credentials")).to_have_accessible_description(
        "Dana has already given their login credentials."
    )

    # Its submenu, by keyboard: Right opens it on its first item, Left goes back.
    await apply.focus()
    await console.keyboard.press("ArrowRight")
    submenu = scene.menu().get_by_role("menu", name="Apply login credentials")
    await expect(apply).to_have_attribute("aria-expanded", "true")
    await expect(submenu.get_by_role("menuitem")).to_have_text(
        [
            "Restart the computer…",
            "Restart a system service…",
            "System information as administrator…",
            "Unlock the screen…",
        ]
    )
    await expect(submenu.get_by_role("menuitem", name="Restart the computer…")).to_be_focused()
    await console.keyboard.press("ArrowUp")
    await expect(submenu.get_by_role("menuitem", name="Unlock the screen…")).to_be_focused()
    await console.keyboard.press("ArrowLeft")
    await expect(submenu).to_be_hidden()
    await expect(apply).to_be_focused()
    await expect(scene.menu()).to_be_visible()

    # Revoked from the agent, the permission is gone from the menu at once.
    revoked = await scene.agent.http.post(f"/api/consents/{request}/revoke")
    assert revoked.status_code == 200, revoked.text
    await expect(apply).to_have_attribute("aria-disabled", "true")


async def test_a_browser_customer_is_offered_the_agent_for_the_computers_features(
    server: ServerProcess, new_page: NewPage
) -> None:
    console = await logged_in(new_page, "alice")
    customer = await new_page()
    await ask_for_help(customer, "acme", "Frida", "The database server is slow")
    await pick_up(console, "Frida")

    await console.get_by_role("button", name="Session features").click()
    menu = console.get_by_role("menu", name="Session features")
    computer = menu.get_by_role("group", name="Customer's computer")
    for name in (
        "Request system information",
        "Request login credentials",
        "Apply login credentials",
        "Run as a service",
        "Reboot and reconnect…",
    ):
        item = computer.get_by_role("menuitem", name=name, exact=True)
        await expect(item).to_have_attribute("aria-disabled", "true")
        await expect(item).to_have_accessible_description(NEEDS_AGENT)
    await expect(menu.get_by_role("menuitem", name="Open viewer")).to_have_attribute(
        "aria-disabled", "true"
    )

    await computer.get_by_role("menuitem", name="Send the agent to the customer…").click()
    dialog = console.get_by_role("dialog", name="Send the agent to the customer")
    await expect(dialog.get_by_test_id("agent-command")).to_contain_text("helpline agent attach")
    await expect(customer.get_by_test_id("agent-offer")).to_be_visible()
    await dialog.get_by_role("button", name="Close", exact=True).click()
    await expect(console.get_by_role("button", name="Session features")).to_be_focused()


async def test_what_a_masked_representative_asks_for_reaches_the_customer_anonymously(
    scene: Scene, server: ServerProcess, new_page: NewPage
) -> None:
    username, name = await masked_representative(server)
    added = await scene.console.request.post(
        f"/api/sessions/{scene.session_id}/attendees",
        data={"username": username, "masked": True},
    )
    assert added.ok, await added.text()
    masked = await logged_in(new_page, username)
    await chat_tab(masked, "Dana").click()
    masked_scene = Scene(masked, scene.agent, scene.chat, scene.session_id)

    await masked_scene.choose("Request system information")
    request = await scene.request("diagnostics")
    asked = next(
        e for e in scene.chat.events(scene.session_id) if e["body"].get("request_id") == request
    )
    assert asked["author"]["name"] == "A representative"
    assert asked["body"]["text"] == (
        "A representative asks for system information about the customer's computer."
    )
    await scene.send_report(request, REPORT)
    await console_log(masked, "Dana").get_by_test_id("open-report").click()
    window = masked.get_by_role("dialog", name="Diagnostics")
    await expect(window.get_by_role("tab", name="Top processes")).to_be_visible()
    seen = json.dumps(scene.chat.frames).casefold()
    assert name.casefold() not in seen
    assert username.casefold() not in seen
