"""Steps shared by the end-to-end tests: what a customer and a representative do, and
where on their screens to look. Each step waits for its outcome with `expect`."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable

from playwright.async_api import Dialog, Download, Locator, Page, WebSocketRoute, expect

from helpline.domain.people import Role
from helpline.server.bootstrap import DEMO_PASSWORD, create_rep
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.support.clients import Agent, Frame
from tests.support.server import ServerProcess

NewPage = Callable[[], Awaitable[Page]]

PASSWORD = "helpline-demo"
# The customer's computer: the server reads the operating system from this header.
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
MARKUP = "<img src=x onerror=alert(1)>"


# ---------------------------------------------------------------- steps


async def masked_representative(server: ServerProcess) -> tuple[str, str]:
    """A new representative to add masked: (username, name), both unique and findable."""
    mark = uuid.uuid4().hex[:10]
    username, name = f"mu{mark}", f"Zq{mark[::-1]}"
    store = SqlStore(create_engine(server.resolved_database_url))
    try:
        await create_rep(store, username, name, DEMO_PASSWORD, Role.REPRESENTATIVE)
    finally:
        await store.close()
    return username, name


async def log_in(page: Page, username: str) -> None:
    """Open the console and log in; done when the console shows the Log out button."""
    await page.goto("/console")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await expect(page.get_by_test_id("connection-banner")).to_be_hidden()


async def logged_in(new_page: NewPage, username: str) -> Page:
    """A new page, as on another computer, with the console open and logged in."""
    page = await new_page()
    await log_in(page, username)
    return page


async def agent_joins(console: Page, agent: Agent, name: str, client: Frame) -> str:
    """The representative makes a session code and the customer's agent joins with it,
    reporting ``client``; done when the console opens the chat. Returns the session ID."""
    made = await console.request.post("/api/codes", data={})
    assert made.ok, await made.text()
    joined = await agent.join((await made.json())["code"], name, client)
    await expect(chat_tab(console, name)).to_have_attribute("aria-selected", "true")
    session_id: str = joined["session"]["id"]
    return session_id


async def ask_for_help(page: Page, portal: str, name: str, question: str) -> None:
    """Fill a portal's form as a customer on Windows; done when the chat says it waits."""
    await page.context.set_extra_http_headers({"User-Agent": WINDOWS_CHROME})
    await page.goto(f"/p/{portal}")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Your question").fill(question)
    await page.get_by_role("button", name="Start chat").click()
    await expect(page).to_have_url(re.compile(r"/chat$"))
    await expect(page.get_by_test_id("waiting")).to_have_text("Waiting for a representative…")


async def pick_up(console: Page, customer_name: str) -> str:
    """Pick up a waiting customer; the chat box opens by itself. Returns the session ID."""
    item = console.get_by_test_id("queue-item").filter(has_text=customer_name)
    await expect(item).to_be_visible()
    session_id = await item.get_attribute("data-session")
    assert session_id is not None and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", session_id)
    await console.get_by_role("button", name=f"Pick up {customer_name}").click()
    await expect(chat_tab(console, customer_name)).to_have_attribute("aria-selected", "true")
    await expect(console_log(console, customer_name)).to_be_visible()
    return session_id


def chat_tab(console: Page, customer_name: str) -> Locator:
    return console.get_by_role("tablist", name="Sessions").get_by_role("tab", name=customer_name)


def console_log(console: Page, customer_name: str) -> Locator:
    return console.get_by_role("log", name=f"Conversation with {customer_name}")


def customer_log(customer: Page) -> Locator:
    return customer.get_by_role("log", name="Conversation")


def line(log: Locator, text: str) -> Locator:
    """The message line of a chat log that carries `text`."""
    return log.locator("[data-testid=chat-line][data-kind=message]").filter(has_text=text)


async def say(page: Page, text: str) -> None:
    """Type a message and press Enter; the message box empties."""
    box = page.get_by_role("textbox", name="Chat message")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("")


async def close_session(console: Page, outcome: str, notes: str) -> None:
    """Close the open session with an outcome and end notes; done when it shows ended."""
    await (
        console.get_by_role("group", name="Session actions")
        .get_by_role("button", name="Close session")
        .click()
    )
    dialog = console.get_by_role("dialog", name="Close session")
    await dialog.get_by_role("radio", name=outcome, exact=True).check()
    await dialog.get_by_label("End-of-session notes").fill(notes)
    await dialog.get_by_role("button", name="Close session").click()
    await expect(dialog).to_be_hidden()
    await expect(console.get_by_test_id("session-ended")).to_be_visible()


async def add_note(console: Page, text: str) -> None:
    await console.get_by_role("textbox", name="Session note").fill(text)
    await console.get_by_role("button", name="Add note").click()
    note = console.get_by_test_id("note").filter(has_text=text)
    await expect(note).to_have_attribute("data-state", "sent")


async def read_download(download: Download) -> str:
    path = await download.path()
    return await asyncio.to_thread(path.read_text, encoding="utf-8")


def record_dialogs(page: Page) -> list[str]:
    """Every alert/confirm/prompt the page opens (dismissed at once); expected to stay empty."""
    seen: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


class HeldReplies:
    """Sits on the customer's WebSocket and can hold back what the server sends.

    While held, the server has the message (the representative sees it) but the
    customer's page has not heard back, so its line still shows as being sent.
    """

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.page_side: WebSocketRoute | None = None

    def route(self, page_side: WebSocketRoute) -> None:
        self.page_side = page_side
        server_side = page_side.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if self.holding:
                self.held.append(message)
            else:
                page_side.send(message)

        server_side.on_message(from_server)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        assert self.page_side is not None
        self.holding = False
        for message in self.held:
            self.page_side.send(message)
        self.held.clear()


async def open_page(console: Page, name: str) -> None:
    """Follow a link of the console's toolbar: "Chats", "Library" or "History"."""
    link = console.get_by_role("navigation", name="Console pages").get_by_role("link", name=name)
    await link.click()
    await expect(link).to_have_attribute("aria-current", "page")
