"""The customer's screen and file transfer, with consent, as both sides use them.

The browser fakes the screen (--use-fake-ui-for-media-stream and
--use-fake-device-for-media-stream): getDisplayMedia answers at once with a moving
1280x720 test pattern. Each test runs its own server; the people are separate browser
contexts.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Download, Locator, Page, WebSocket, expect

from tests.e2e.steps import (
    NewPage,
    ask_for_help,
    console_log,
    customer_log,
    log_in,
    logged_in,
    pick_up,
    record_dialogs,
)
from tests.support.server import ServerProcess, running

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- steps


def screen_pane(console: Page) -> Locator:
    return console.get_by_role("region", name="Customer's Screen")


def status_line(log: Locator, text: str) -> Locator:
    return log.locator("[data-testid=chat-line][data-kind=status]").filter(has_text=text)


def file_item(page: Page, name: str) -> Locator:
    return page.get_by_test_id("file-item").filter(has_text=name)


async def image_loaded(page: Page, test_id: str, width: int) -> None:
    """Wait until the image decodes to a picture `width` pixels wide."""
    await page.wait_for_function(
        """([id, width]) => {
            const img = document.querySelector(`[data-testid="${id}"]`);
            return img !== null && img.complete && img.naturalWidth === width;
        }""",
        arg=[test_id, width],
    )


async def send_file(page: Page, name: str, data: bytes) -> None:
    """Pick a file with the "Send file" button's picker; done when the offer is listed."""
    async with page.expect_file_chooser() as chooser_info:
        await page.get_by_role("button", name="Send file").click()
    chooser = await chooser_info.value
    assert chooser.is_multiple()
    await chooser.set_files({"name": name, "mimeType": "application/octet-stream", "buffer": data})
    await expect(file_item(page, name)).to_have_attribute("data-state", "offered")


async def drop_file(page: Page, name: str, text: str) -> None:
    """Drag a file onto the message box; done when the offer is listed."""
    await page.get_by_role("textbox", name="Chat message").evaluate(
        """(box, [name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, {type: "text/plain"}));
            for (const type of ["dragenter", "dragover", "drop"]) {
                const init = {dataTransfer: data, bubbles: true, cancelable: true};
                box.dispatchEvent(new DragEvent(type, init));
            }
        }""",
        [name, text],
    )
    await expect(file_item(page, name)).to_have_attribute("data-state", "offered")


async def accept_and_download(page: Page, name: str) -> bytes:
    """Accept an offered file; returns the bytes the browser saved."""
    item = file_item(page, name)
    async with page.expect_download() as download_info:
        await item.get_by_role("button", name=f"Accept {name}").click()
    download: Download = await download_info.value
    assert download.suggested_filename == name
    path = await download.path()
    return await asyncio.to_thread(path.read_bytes)


async def customer_fetch_status(customer: Page, url: str) -> int:
    """The status the customer's own page gets for a GET (its cookie, its token)."""
    status = await customer.evaluate(
        "async (url) => (await fetch(url, {credentials: 'same-origin'})).status", url
    )
    assert isinstance(status, int)
    return status


async def start_session(new_page: NewPage, customer_name: str) -> tuple[Page, Page, str]:
    customer = await new_page()
    await ask_for_help(customer, "acme", customer_name, "I need a hand with my computer")
    console = await logged_in(new_page, "bob")
    session_id = await pick_up(console, customer_name)
    await expect(customer.get_by_test_id("waiting")).to_have_count(0)
    return customer, console, session_id


# ---------------------------------------------------------------- the screen


async def test_the_customer_allows_screen_sharing_the_pane_and_the_viewer_show_it_until_stopped(
    new_page: NewPage,
) -> None:
    customer, console, session_id = await start_session(new_page, "Dana")
    dialogs = record_dialogs(customer)
    pane = screen_pane(console)
    status = pane.get_by_test_id("screen-status")
    await expect(status).to_have_text("Not shared")
    await expect(pane.get_by_test_id("screen-thumbnail")).to_have_count(0)

    await pane.get_by_role("button", name="Ask to see the screen").click()
    await expect(status).to_have_text("Waiting for the customer…")
    consent = customer.get_by_role("alertdialog", name="Share your screen?")
    await expect(consent).to_be_visible()
    await expect(consent).to_contain_text("Bob Chen asks to see your screen.")
    await consent.get_by_role("button", name="Allow").click()
    await expect(consent).to_have_count(0)

    bar = customer.get_by_test_id("sharing-bar")
    await expect(bar).to_contain_text("Your screen is being shared with Bob Chen")
    await expect(status).to_have_text("Shared")
    thumbnail = pane.get_by_test_id("screen-thumbnail")
    await expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:"))
    await image_loaded(console, "screen-thumbnail", 320)
    first_src = await thumbnail.get_attribute("src")
    first_frame = await thumbnail.get_attribute("data-frame")
    assert first_src is not None and first_frame is not None
    # A new thumbnail about every two seconds: a new Blob URL and a higher count.
    await expect(thumbnail).not_to_have_attribute("src", first_src)
    await expect(thumbnail).not_to_have_attribute("data-frame", first_frame)
    # The old picture's Blob URL was revoked.
    revoked = await console.evaluate(
        """(url) => new Promise((resolve) => {
            const img = new Image();
            img.onload = () => resolve(false);
            img.onerror = () => resolve(true);
            img.src = url;
        })""",
        first_src,
    )
    assert revoked

    # Both sides read the request, the answer and the start in the log.
    for log in (console_log(console, "Dana"), customer_log(customer)):
        await expect(status_line(log, "Bob Chen asks to see the customer's screen.")).to_have_count(
            1
        )
        await expect(
            status_line(log, "Dana allowed the request to see the customer's screen.")
        ).to_have_count(1)
        await expect(status_line(log, "Dana started sharing their screen.")).to_have_count(1)

    async with console.expect_popup() as popup_info:
        await thumbnail.dblclick()
    viewer = await popup_info.value
    await expect(viewer).to_have_title(re.compile(re.escape(session_id)))
    large = viewer.get_by_test_id("viewer-image")
    # Viewer frames (kind 2), up to 1280 pixels wide, several a second.
    await expect(large).to_have_attribute("data-kind", "2")
    await image_loaded(viewer, "viewer-image", 1280)
    frame = await large.get_attribute("data-frame")
    assert frame is not None
    await expect(large).not_to_have_attribute("data-frame", frame, timeout=2000)
    await expect(viewer.get_by_test_id("viewer-status")).to_have_text("Shared")

    await bar.get_by_role("button", name="Stop sharing").click()
    await expect(bar).to_have_count(0)
    await expect(customer.get_by_test_id("share-stopped")).to_contain_text(
        "You stopped sharing your screen."
    )
    await expect(status).to_have_text("Stopped by the customer")
    await expect(thumbnail).to_have_count(0)
    await expect(pane.get_by_role("button", name="Open viewer")).to_be_disabled()
    await expect(viewer.get_by_test_id("viewer-status")).to_have_text("Stopped by the customer")
    await expect(large).to_have_count(0)
    await expect(
        status_line(console_log(console, "Dana"), "Dana stopped sharing their screen.")
    ).to_have_count(1)
    assert dialogs == []


async def test_a_declined_request_shares_nothing_and_a_refused_capture_says_so(
    new_page: NewPage,
) -> None:
    customer = await new_page()
    sent: list[str | bytes] = []

    def on_frame(payload: str | bytes) -> None:
        sent.append(payload)

    def on_socket(socket: WebSocket) -> None:
        socket.on("framesent", on_frame)

    customer.on("websocket", on_socket)
    await ask_for_help(customer, "acme", "Ravi", "I need a hand with my computer")
    console = await logged_in(new_page, "bob")
    await pick_up(console, "Ravi")
    pane = screen_pane(console)
    status = pane.get_by_test_id("screen-status")
    ask = console.get_by_role("group", name="Session actions").get_by_role(
        "button", name="Ask to see the screen"
    )
    await ask.click()
    consent = customer.get_by_role("alertdialog", name="Share your screen?")
    await consent.get_by_role("button", name="Decline").click()
    await expect(consent).to_have_count(0)
    await expect(status).to_have_text("Declined by the customer")
    await expect(
        status_line(
            customer_log(customer), "Ravi declined the request to see the customer's screen."
        )
    ).to_have_count(1)
    await expect(customer.get_by_test_id("sharing-bar")).to_have_count(0)
    await expect(pane.get_by_test_id("screen-thumbnail")).to_have_count(0)

    # Asked again; this time the browser refuses to capture the screen.
    await customer.evaluate(
        """() => {
            navigator.mediaDevices.getDisplayMedia = () =>
                Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
        }"""
    )
    await ask.click()
    await consent.get_by_role("button", name="Allow").click()
    await expect(customer.get_by_test_id("share-error")).to_have_text(
        re.compile(r"^Screen sharing did not start: the browser was not allowed")
    )
    await expect(customer.get_by_test_id("sharing-bar")).to_have_count(0)
    await expect(status).to_have_text("Waiting for the customer…")
    # The window answered and said it does not share; nothing else about the screen.
    screen_frames = [
        json.loads(frame)
        for frame in sent
        if isinstance(frame, str) and json.loads(frame)["type"] in ("consent", "screen")
    ]
    assert [
        {k: v for k, v in frame.items() if k not in ("session", "request")}
        for frame in screen_frames
    ] == [
        {"type": "consent", "allow": False},
        {"type": "consent", "allow": True},
        {"type": "screen", "sharing": False},
    ]
    assert not any(isinstance(frame, bytes) for frame in sent)
    await expect(
        status_line(console_log(console, "Ravi"), "Ravi started sharing their screen.")
    ).to_have_count(0)


# ---------------------------------------------------------------- files


async def test_files_go_both_ways_intact_a_declined_one_is_never_saved_a_private_one_stays_hidden(
    new_page: NewPage,
) -> None:
    customer, console, session_id = await start_session(new_page, "Dana")
    rep_log = console_log(console, "Dana")
    cust_log = customer_log(customer)

    # From the representative to the customer.
    guide = os.urandom(300_000)
    await console.get_by_label("File recipient").select_option("customer")
    await send_file(console, "setup-guide.bin", guide)
    offered = file_item(customer, "setup-guide.bin")
    await expect(offered).to_have_attribute("data-state", "offered")
    await expect(offered).to_contain_text("293.0 KB")
    offer_note = status_line(cust_log, "Bob Chen offered the file setup-guide.bin")
    await expect(offer_note).to_have_count(1)
    assert await accept_and_download(customer, "setup-guide.bin") == guide
    await expect(offered).to_have_attribute("data-state", "received")
    await expect(file_item(console, "setup-guide.bin")).to_have_attribute("data-state", "received")
    await expect(status_line(rep_log, "Dana received the file setup-guide.bin")).to_have_count(1)

    # From the customer to the representatives.
    log_file = os.urandom(200_000)
    await send_file(customer, "error-log.bin", log_file)
    await expect(file_item(console, "error-log.bin")).to_have_attribute("data-state", "offered")
    assert await accept_and_download(console, "error-log.bin") == log_file
    await expect(file_item(customer, "error-log.bin")).to_have_attribute("data-state", "received")
    await expect(status_line(cust_log, "Bob Chen received the file error-log.bin")).to_have_count(1)

    # A declined file is never downloaded.
    downloads: list[str] = []

    def on_download(download: Download) -> None:
        downloads.append(download.suggested_filename)

    customer.on("download", on_download)
    await send_file(console, "unwanted.bin", os.urandom(5_000))
    unwanted = file_item(customer, "unwanted.bin")
    await unwanted.get_by_role("button", name="Decline unwanted.bin").click()
    await expect(unwanted).to_have_attribute("data-state", "declined")
    await expect(unwanted.get_by_role("button")).to_have_count(0)
    await expect(file_item(console, "unwanted.bin")).to_have_attribute("data-state", "declined")
    await expect(status_line(rep_log, "Dana declined the file unwanted.bin")).to_have_count(1)
    unwanted_id = await unwanted.get_attribute("data-file")
    assert await customer_fetch_status(customer, f"/api/files/{unwanted_id}") == 403

    # A file for representatives only (dropped on the message box): the customer never
    # sees it and may not fetch it.
    await console.get_by_label("File recipient").select_option("representatives")
    await drop_file(console, "internal-notes.txt", "Customer's licence key is in the CRM.\n")
    await expect(console.get_by_role("textbox", name="Chat message")).to_have_value("")
    internal = file_item(console, "internal-notes.txt")
    await expect(internal).to_contain_text("to representatives only")
    internal_id = await internal.get_attribute("data-file")
    assert internal_id is not None
    assert await customer_fetch_status(customer, f"/api/files/{internal_id}") == 403
    await expect(file_item(customer, "internal-notes.txt")).to_have_count(0)
    await expect(cust_log).not_to_contain_text("internal-notes.txt")
    # The customer's window lists the session's files as the server does, once loaded.
    await customer.reload()
    await expect(file_item(customer, "unwanted.bin")).to_have_attribute("data-state", "declined")
    await expect(file_item(customer, "setup-guide.bin")).to_have_attribute("data-state", "received")
    await expect(file_item(customer, "internal-notes.txt")).to_have_count(0)
    assert downloads == []
    assert session_id


# ---------------------------------------------------------------- a small limit


@pytest.fixture
async def small_server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A server that takes files of at most 1 MiB."""
    small = ServerProcess(tmp_path / "small", extra_env={"HELPLINE_MAX_FILE_MB": "1"})
    async with running(small) as process:
        yield process


async def test_a_file_over_the_limit_is_refused_in_the_customer_s_language(
    browser: Browser, small_server: ServerProcess
) -> None:
    pages: list[Page] = []
    for locale in ("de-DE", "en-US"):
        context = await browser.new_context(
            base_url=small_server.base_url, viewport={"width": 1400, "height": 900}, locale=locale
        )
        pages.append(await context.new_page())
    customer, console = pages
    try:
        await customer.goto("/p/acme")
        await customer.get_by_label("Ihr Name").fill("Dana")
        await customer.get_by_label("Ihre Frage").fill("Hier ist mein Absturzabbild")
        await customer.get_by_role("button", name="Chat starten").click()
        await log_in(console, "bob")
        await pick_up(console, "Dana")
        async with customer.expect_file_chooser() as chooser_info:
            await customer.get_by_role("button", name="Datei senden").click()
        chooser = await chooser_info.value
        crash_dump = os.urandom(1_300_000)
        await chooser.set_files(
            {"name": "crash.dmp", "mimeType": "application/octet-stream", "buffer": crash_dump}
        )
        upload = customer.get_by_test_id("upload").filter(has_text="crash.dmp")
        await expect(upload).to_have_attribute("data-state", "failed")
        # The server says it in English ("Files can be at most 1.0 MB..."); the page in German.
        await expect(upload.get_by_test_id("upload-error")).to_contain_text(
            "Diese Datei ist zu groß zum Senden (1,2 MB)."
        )
        await expect(file_item(customer, "crash.dmp")).to_have_count(0)
        await expect(file_item(console, "crash.dmp")).to_have_count(0)
    finally:
        for page in pages:
            await page.context.close()
