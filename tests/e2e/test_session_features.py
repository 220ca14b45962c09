"""The chat box's "Session features" menu in Chromium: for a customer on the Helpline
agent and for one in the browser, by keyboard; the Diagnostics window with a report
the customer sent; "Apply login credentials" and the restart banner.

The customer's agent is played by the test's HTTP and WebSocket client, answering the
console's requests as the real agent does once the customer has said yes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from helpline.domain.diagnostics import check_report, report_as_text
from tests.e2e.conftest import NewPage
from tests.e2e.steps import (
    ask_for_help,
    chat_tab,
    console_log,
    log_in,
    masked_representative,
    pick_up,
)
from tests.support.clients import Agent, Frame, Peer
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

DEBIAN: Frame = {"os": "Debian GNU/Linux 12 (bookworm)", "host": "db-01", "app": "agent"}
NEEDS_AGENT = "Needs the Helpline agent on the customer's computer"
REPORT = check_report(
    {
        "collected_at": "2026-12-04T10:00:00Z",
        "sections": [
            {
                "id": "os",
                "title": "Operating system",
                "fields": [["Distribution", "Debian GNU/Linux 12"], ["Kernel", "6.1.0-18-amd64"]],
            },
            {
                "id": "processes",
                "title": "Top processes",
                "fields": [],
                "table": {
                    "columns": ["PID", "Name", "CPU %", "Memory"],
                    "rows": [
                        ["1", "systemd", "0.0", "12 MB"],
                        ["812", "<b>postgres</b>", "41.5", "1.2 GB"],
                    ],
                },
            },
        ],
    }
)


@dataclass
class Scene:
    console: Page
    agent: Agent
    chat: Peer
    session_id: str
    answered: set[str] = field(default_factory=set)

    def menu(self) -> Locator:
        return self.console.get_by_role("menu", name="Session features")

    def item(self, name: str) -> Locator:
        return self.menu().get_by_role("menuitem", name=name, exact=True)

    async def open_menu(self) -> None:
        # By keyboard: a notice that comes or goes above the chat box moves the button,
        # and a click could land where it was.
        await self.console.get_by_role("button", name="Session features").press("Enter")
        await expect(self.menu()).to_be_visible()

    async def choose(self, name: str) -> None:
        await self.open_menu()
        await self.item(name).press("Enter")
        await expect(self.menu()).to_be_hidden()

    async def request(self, consent: str) -> str:
        """The request the console just made, as the customer's agent receives it."""
        event = await self.chat.wait_event(
            self.session_id,
            lambda e: (
                e["kind"] == "consent_requested"
                and e["body"].get("consent") == consent
                and e["body"]["request_id"] not in self.answered
            ),
            f"a new request for {consent}",
        )
        request: str = event["body"]["request_id"]
        self.answered.add(request)
        return request

    async def send_report(self, request: str, report: Frame) -> Any:
        sent = await self.agent.http.post(
            f"/api/consents/{request}/diagnostics", json={"report": report}
        )
        assert sent.status_code == 200, sent.text
        return sent.json()["diagnostics"]

    async def task(self, kind: str) -> str:
        event = await self.chat.wait_event(
            self.session_id,
            lambda e: e["body"].get("action") == "task_requested" and e["body"]["task"] == kind,
            f"the task {kind}",
        )
        task: str = event["body"]["task_id"]
        return task

    async def step(self, task: str, state: str) -> None:
        answered = await self.agent.http.post(f"/api/tasks/{task}", json={"state": state})
        assert answered.status_code == 200, answered.text


@pytest.fixture
async def scene(server: ServerProcess, new_page: NewPage) -> AsyncIterator[Scene]:
    """Bob's console, and Dana, who joined with the agent from his session code."""
    console = await new_page()
    await log_in(console, "bob")
    made = await console.request.post("/api/codes", data={})
    assert made.ok, await made.text()
    async with Agent(server) as agent:
        joined = await agent.join((await made.json())["code"], "Dana", DEBIAN)
        session_id = joined["session"]["id"]
        await expect(chat_tab(console, "Dana")).to_have_attribute("aria-selected", "true")
        chat = await agent.socket()
        await chat.send({"type": "subscribe", "session": session_id, "after": 0})
        await chat.wait_type("subscribed")
        try:
            yield Scene(console, agent, chat, session_id)
        finally:
            await chat.close()


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


async def test_login_credentials_restart_a_service_and_the_computer_which_reconnects(
    scene: Scene,
) -> None:
    console = scene.console
    await scene.choose("Request login credentials")
    request = await scene.request("credentials")
    allowed = await scene.agent.http.post(f"/api/consents/{request}", json={"allow": True})
    assert allowed.status_code == 200, allowed.text

    await scene.open_menu()
    apply = scene.item("Apply login credentials")
    await expect(apply).not_to_have_attribute("aria-disabled", "true")
    await apply.press("Enter")
    await expect(apply).to_have_attribute("aria-expanded", "true")
    await scene.item("Restart a system service…").press("Enter")
    dialog = console.get_by_role("dialog", name="Apply login credentials")
    await expect(dialog.get_by_role("radio", name="Restart a system service")).to_be_checked()
    service = dialog.get_by_role("textbox", name="System service")
    await service.fill("nginx; reboot")
    await dialog.get_by_role("button", name="Run").click()
    await expect(dialog.get_by_test_id("apply-error")).to_contain_text(
        "A system service name is letters, digits"
    )
    await service.fill("nginx.service")
    await dialog.get_by_role("button", name="Run").click()
    await expect(dialog).to_be_hidden()
    task = await scene.task("restart_service")
    log = console_log(console, "Dana")
    await expect(log).to_contain_text(
        "Bob Chen used the customer's login credentials to restart the system service "
        "nginx.service."
    )

    # One task at a time.
    await scene.open_menu()
    await expect(scene.item("Reboot and reconnect…")).to_have_accessible_description(
        "The customer's computer is busy with the last task."
    )
    await console.keyboard.press("Escape")
    await scene.step(task, "done")
    await expect(log).to_contain_text("Done: restart the system service nginx.service.")

    await scene.choose("Reboot and reconnect…")
    confirm = console.get_by_role("dialog", name="Reboot and reconnect")
    await confirm.get_by_role("button", name="Restart the computer").click()
    await expect(confirm).to_be_hidden()
    reboot = await scene.task("reboot")
    banner = console.get_by_test_id("restart-banner")
    await expect(banner).to_be_hidden()
    await scene.step(reboot, "restarting")
    await expect(banner).to_have_text("The customer's computer is restarting…")
    await scene.step(reboot, "done")
    await expect(banner).to_have_attribute("data-state", "reconnected")
    await expect(banner).to_contain_text("Reconnected")
    await expect(log).to_contain_text(
        "The customer's computer restarted and reconnected to this session."
    )


async def test_the_diagnostics_window_shows_copies_and_refreshes_the_customers_report(
    scene: Scene, server: ServerProcess
) -> None:
    console = scene.console
    await console.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server.base_url
    )
    await scene.choose("Request system information")
    await scene.send_report(await scene.request("diagnostics"), REPORT)

    note = console_log(console, "Dana").get_by_test_id("open-report")
    await expect(note).to_have_text("Dana sent system information to the representatives.")
    await note.click()
    window = console.get_by_role("dialog", name="Diagnostics")
    categories = window.get_by_role("tablist", name="Categories")
    await expect(categories.get_by_role("tab")).to_have_text(["Operating system", "Top processes"])
    panel = window.get_by_role("tabpanel")
    await expect(panel.locator("dt")).to_have_text(["Distribution", "Kernel"])
    await expect(panel.locator("dd")).to_have_text(["Debian GNU/Linux 12", "6.1.0-18-amd64"])

    await categories.get_by_role("tab", name="Operating system").focus()
    await console.keyboard.press("ArrowDown")
    await expect(categories.get_by_role("tab", name="Top processes")).to_be_focused()
    await expect(panel.get_by_role("columnheader")).to_have_text(["PID", "Name", "CPU %", "Memory"])
    # Markup from the customer's computer is text, never HTML.
    await expect(panel.get_by_role("cell", name="<b>postgres</b>")).to_be_visible()
    await expect(panel.locator("b")).to_have_count(0)

    await window.get_by_role("button", name="Copy as JSON").click()
    await expect(window.get_by_test_id("diagnostics-status")).to_have_text(
        "Copied the report as JSON."
    )
    assert json.loads(await console.evaluate("navigator.clipboard.readText()")) == REPORT
    await window.get_by_role("button", name="Copy as text").click()
    await expect(window.get_by_test_id("diagnostics-status")).to_have_text(
        "Copied the report as text."
    )
    assert await console.evaluate("navigator.clipboard.readText()") == report_as_text(REPORT)

    # Refresh asks the customer again: a new request, a new report, shown at once.
    await window.get_by_role("button", name="Refresh").click()
    await expect(window.get_by_test_id("diagnostics-status")).to_contain_text(
        "Asked Dana for system information again."
    )
    newer = {**REPORT, "sections": [{**REPORT["sections"][0], "title": "OS, again"}]}
    await scene.send_report(await scene.request("diagnostics"), newer)
    await expect(categories.get_by_role("tab")).to_have_text(["OS, again"])
    reports = window.get_by_role("combobox", name="Report")
    await expect(reports.locator("option")).to_have_count(2)
    await reports.select_option(index=0)
    await expect(categories.get_by_role("tab")).to_have_text(["Operating system", "Top processes"])

    await window.get_by_role("button", name="Close", exact=True).click()
    await expect(window).to_be_hidden()
    await scene.choose("Open diagnostics…")
    await expect(window).to_be_visible()


async def test_a_browser_customer_is_offered_the_agent_for_the_computers_features(
    server: ServerProcess, new_page: NewPage
) -> None:
    console = await new_page()
    await log_in(console, "alice")
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
    masked = await new_page()
    await log_in(masked, username)
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
