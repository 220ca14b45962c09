"""The README's pictures of the Session features menu and the Diagnostics window.

    python -m tests.e2e.make_features_screenshots

Starts a seeded server on a free port, lets a customer join Alice's session with the
agent (played by the test client, which sends a made-up but typical report when asked),
and writes docs/screenshots/menu.png and diagnostics.png. Not a test: run it again
when the pages change.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, ViewportSize, expect

from helpline.domain.diagnostics import check_report
from tests.e2e.screenshot_stage import OUT, stage
from tests.e2e.steps import agent_joins, console_log, log_in, say
from tests.support.clients import DEBIAN_REPORT, Agent
from tests.support.server import ServerProcess

SIZE: ViewportSize = {"width": 1360, "height": 820}
REPORT = check_report(
    {
        "collected_at": "2026-12-04T10:00:00Z",
        "sections": [
            {
                "id": "os",
                "title": "Operating system",
                "fields": [
                    ["Distribution", "Debian GNU/Linux 12 (bookworm)"],
                    ["Kernel", "6.1.0-18-amd64"],
                    ["Architecture", "x86_64"],
                    ["Host name", "db-01"],
                ],
            },
            {"id": "uptime", "title": "Uptime", "fields": [["Up", "12 days, 4:31"]]},
            {
                "id": "cpu",
                "title": "CPU and load",
                "fields": [["CPUs", "8"], ["Load (1, 5, 15 min)", "7.92, 6.40, 3.15"]],
            },
            {
                "id": "memory",
                "title": "Memory",
                "fields": [["Total", "31.3 GB"], ["Available", "1.1 GB"], ["Swap used", "3.9 GB"]],
            },
            {
                "id": "disks",
                "title": "Disks",
                "fields": [],
                "table": {
                    "columns": ["Mount", "Size", "Used", "Use %"],
                    "rows": [
                        ["/", "98 GB", "41 GB", "42"],
                        ["/var/lib/postgresql", "492 GB", "471 GB", "96"],
                    ],
                },
            },
            {
                "id": "processes",
                "title": "Top processes",
                "fields": [],
                "table": {
                    "columns": ["PID", "Name", "User", "CPU %", "Memory"],
                    "rows": [
                        ["2211", "postgres: autovacuum worker", "postgres", "96.1", "6.2 GB"],
                        ["2198", "postgres: checkpointer", "postgres", "12.4", "1.1 GB"],
                        ["901", "nginx: worker process", "www-data", "2.0", "48 MB"],
                        ["1", "systemd", "root", "0.0", "12 MB"],
                    ],
                },
            },
            {
                "id": "systemd_failed",
                "title": "Failed systemd units",
                "fields": [["Failed", "backup-db.service"]],
            },
        ],
    }
)


async def play(console: Page, server: ServerProcess) -> None:
    await log_in(console, "alice")
    async with Agent(server) as agent:
        session_id = await agent_joins(console, agent, "Dana Whitfield", DEBIAN_REPORT)
        chat = await agent.socket()
        await chat.follow(session_id)
        await chat.say(session_id, "The database server has been crawling since this morning.")
        await say(console, "Let me look at it. I'll ask your computer for system information.")

        await console.get_by_role("button", name="Session features").press("Enter")
        menu = console.get_by_role("menu", name="Session features")
        await menu.get_by_role("menuitem", name="Request system information").focus()
        OUT.mkdir(parents=True, exist_ok=True)
        await console.screenshot(path=str(OUT / "menu.png"))

        await console.keyboard.press("Enter")
        asked = await chat.wait_event(
            session_id, lambda e: e["kind"] == "consent_requested", "the request"
        )
        sent = await agent.http.post(
            f"/api/consents/{asked['body']['request_id']}/diagnostics", json={"report": REPORT}
        )
        assert sent.status_code == 200, sent.text
        await console_log(console, "Dana Whitfield").get_by_test_id("open-report").click()
        window = console.get_by_role("dialog", name="Diagnostics")
        await window.get_by_role("tab", name="Top processes").click()
        await expect(window.get_by_role("cell", name="postgres: autovacuum worker")).to_be_visible()
        await console.screenshot(path=str(OUT / "diagnostics.png"))
        await chat.close()


async def main() -> None:
    async with stage() as (browser, server):
        context = await browser.new_context(base_url=server.base_url, viewport=SIZE)
        await play(await context.new_page(), server)
    for name in ("menu.png", "diagnostics.png"):
        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(main())
