"""The README's two screenshots: the console in an active chat, and the customer's window.

    python -m tests.e2e.make_screenshots

Starts a seeded server on a free port, as the end-to-end fixtures do, plays a short
support chat in Chromium and writes docs/screenshots/console.png and customer.png.
Not a test: run it again when the pages change.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.screenshot_stage import OUT, stage
from tests.e2e.steps import (
    add_note,
    ask_for_help,
    console_log,
    customer_log,
    line,
    log_in,
    pick_up,
    say,
)
from tests.support.server import ServerProcess

CONSOLE_SIZE: ViewportSize = {"width": 1360, "height": 820}
CUSTOMER_SIZE: ViewportSize = {"width": 1000, "height": 720}


async def new_page(browser: Browser, server: ServerProcess, viewport: ViewportSize) -> Page:
    context = await browser.new_context(base_url=server.base_url, viewport=viewport)
    return await context.new_page()


async def unfocus(page: Page) -> None:
    """No focus ring on the picture."""
    await page.evaluate(
        "() => document.activeElement instanceof HTMLElement && document.activeElement.blur()"
    )


async def play(browser: Browser, server: ServerProcess) -> None:
    console = await new_page(browser, server, CONSOLE_SIZE)
    await log_in(console, "alice")

    # A second customer waits in another tab, so the picture shows tabs and an unread count.
    other = await new_page(browser, server, CUSTOMER_SIZE)
    await ask_for_help(other, "globex", "Evan Brooks", "The VPN drops every hour")
    await pick_up(console, "Evan Brooks")

    customer = await new_page(browser, server, CUSTOMER_SIZE)
    await ask_for_help(
        customer, "acme", "Dana Whitfield", "Our office printer only prints blank pages."
    )
    await pick_up(console, "Dana Whitfield")

    await say(
        customer, "Hi! Since this morning the printer on the second floor prints blank pages."
    )
    await say(console, "Hello Dana, I'm Alice. Let's sort that out. Which model is it?")
    await say(customer, "A LaserJet 400, the big one by the window.")
    await console.get_by_role("combobox", name="To").select_option("representatives")
    await say(console, "Third LaserJet 400 today. Anyone seen this after the 5.1 driver update?")
    await console.get_by_role("combobox", name="To").select_option("everyone")
    await say(
        console,
        "Thanks. Please install the 5.2 driver from https://support.acme.example/drivers "
        "and print a test page.",
    )
    await add_note(console, "Blank pages after driver 5.1; 5.2 fixes it. Check the toner too.")
    await say(other, "It just dropped again.")

    await expect(line(customer_log(customer), "install the 5.2 driver")).to_be_visible()
    await expect(line(console_log(console, "Dana Whitfield"), "5.1 driver update")).to_be_visible()
    await expect(console.get_by_test_id("unread-count")).to_have_text("1 unread")
    await expect(console.get_by_role("complementary", name="Session panel")).to_be_visible()
    await console.get_by_role("textbox", name="Chat message").fill("Did the test page come out")
    await customer.get_by_role("textbox", name="Chat message").fill("Installing it now")
    await unfocus(console)
    await unfocus(customer)

    OUT.mkdir(parents=True, exist_ok=True)
    await console.screenshot(path=str(OUT / "console.png"))
    await customer.screenshot(path=str(OUT / "customer.png"))


async def main() -> None:
    async with stage() as (browser, server):
        await play(browser, server)
    for name in ("console.png", "customer.png"):
        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(main())
