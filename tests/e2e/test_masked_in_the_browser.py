"""What the customer's browser shows while a masked representative works on their
session: the requests and files they must answer, from "A representative", and never
that representative's name or username anywhere on the page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.steps import NewPage, ask_for_help, customer_log, masked_representative
from tests.support.clients import Browser
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def test_the_customers_page_never_shows_who_the_masked_representative_is(
    new_page: NewPage, server: ServerProcess
) -> None:
    username, name = await masked_representative(server)
    customer = await new_page()
    await ask_for_help(customer, "acme", "Dana", "My printer is on fire")
    bob, masked = Browser(server), Browser(server)
    try:
        await bob.login("bob")
        await masked.login(username)
        queue = (await bob.http.get("/api/console/queue")).json()["sessions"]
        session_id = next(s["id"] for s in queue if s["customer"]["name"] == "Dana")
        url = f"/api/sessions/{session_id}"
        assert (await bob.http.post(f"{url}/pick-up")).status_code == 200
        added = await bob.http.post(f"{url}/attendees", json={"username": username, "masked": True})
        assert added.status_code == 200, added.text
        console = await masked.socket("/ws/console")
        await console.follow(session_id)

        assert (await console.say(session_id, f"{name} is here too"))["type"] == "ack"
        offered = await masked.http.post(
            f"{url}/files", params={"name": "driver.zip", "to": "customer"}, content=b"zip"
        )
        assert offered.status_code == 201, offered.text
        assert (await masked.http.post(f"{url}/screen/request")).status_code == 201

        dialog = customer.get_by_role("alertdialog")
        await expect(dialog).to_contain_text("A representative asks to see your screen.")
        await dialog.get_by_role("button", name="Decline").click()
        await expect(customer.get_by_text("driver.zip").first).to_be_visible()
        await console.close()
        assert (await bob.http.post(f"{url}/end", json={})).status_code == 200
        await expect(customer_log(customer)).to_contain_text("The session was ended by Bob Chen.")

        page = (await customer.content()).casefold()
        assert name.casefold() not in page
        assert username.casefold() not in page
        assert "a representative" in page
    finally:
        await bob.close()
        await masked.close()
