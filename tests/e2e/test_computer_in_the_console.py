"""What the console reaches on the customer's computer, in Chromium: the Diagnostics
window with a report the customer sent; "Apply login credentials" and the restart
banner."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from helpline.domain.diagnostics import report_as_text
from tests.e2e.features_scene import REPORT, Scene
from tests.e2e.steps import (
    console_log,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


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

    async def restart() -> str:
        await scene.choose("Reboot and reconnect…")
        confirm = console.get_by_role("dialog", name="Reboot and reconnect")
        # Credentials without the service: the agent will not come back by itself.
        await expect(confirm).to_contain_text("it will not come back to this session")
        await confirm.get_by_role("button", name="Restart the computer").click()
        await expect(confirm).to_be_hidden()
        return await scene.task("reboot")

    # An agent without a service says so, and the console does not wait for it.
    gone = await restart()
    banner = console.get_by_test_id("restart-banner")
    await expect(banner).to_be_hidden()
    await scene.step(gone, "done")
    await expect(banner).to_have_attribute("data-state", "left")
    await expect(banner).to_contain_text("it will not come back to this session by itself")
    await banner.get_by_role("button", name="Dismiss").click()
    await expect(banner).to_be_hidden()

    # A computer that never comes back: the representative stops waiting.
    lost = await restart()
    await scene.step(lost, "restarting")
    await expect(banner).to_contain_text("The customer's computer is restarting…")
    await banner.get_by_role("button", name="Stop waiting").click()
    await expect(banner).to_have_attribute("data-state", "failed")
    await expect(banner).to_contain_text(
        "Bob Chen stopped waiting for the customer's computer to restart the computer."
    )

    reboot = await restart()
    await scene.step(reboot, "restarting")
    await expect(banner).to_have_attribute("data-state", "restarting")
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
