"""The customer's pages speak the browser's language: German, French or Spanish where
the browser prefers it (Playwright's ``locale`` sets ``navigator.languages`` and
Accept-Language), English otherwise; the representative's console stays English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.axe import assert_no_serious_findings
from tests.e2e.steps import (
    MARKUP,
    NewPage,
    console_log,
    line,
    logged_in,
    pick_up,
    read_download,
    record_dialogs,
    say,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def test_customer_pages_speak_german_french_or_spanish_as_the_browser_prefers(
    browser: Browser, server: ServerProcess, new_page: NewPage, axe: Path
) -> None:
    console = await logged_in(new_page, "alice")

    german = await browser.new_context(base_url=server.base_url, locale="de-DE")
    try:
        customer = await german.new_page()
        dialogs = record_dialogs(customer)
        await customer.goto("/p/acme")
        await expect(customer.locator("html")).to_have_attribute("lang", "de")
        await expect(customer.get_by_role("form", name="Um Hilfe bitten")).to_be_visible()
        await customer.get_by_label("Ihr Name").fill("Dana")
        await customer.get_by_label("Ihre Frage").fill("Mein Drucker brennt")
        await customer.get_by_role("button", name="Chat starten").click()
        await expect(customer).to_have_url(re.compile(r"/chat$"))
        await expect(customer).to_have_title("Chat · Helpline")
        await expect(customer.get_by_test_id("waiting")).to_have_text(
            "Warten auf einen Mitarbeiter…"
        )

        # The representative's console is English; the customer's status notes are German.
        await pick_up(console, "Dana")
        await expect(customer.get_by_text("Sie chatten mit Alice Martin.")).to_be_visible()
        log = customer.get_by_role("log", name="Unterhaltung")
        await expect(log.locator("[data-kind=status]").last).to_contain_text(
            "Alice Martin hat die Sitzung übernommen."
        )
        await expect(
            console_log(console, "Dana").locator("[data-kind=status]").last
        ).to_contain_text("Alice Martin picked up the session.")

        # What the customer types is shown as typed, markup and all, on both sides.
        box = customer.get_by_role("textbox", name="Chatnachricht")
        await box.fill(MARKUP)
        await customer.get_by_role("button", name="Senden", exact=True).click()
        await expect(box).to_have_value("")
        for shown_in in (log, console_log(console, "Dana")):
            shown = line(shown_in, MARKUP)
            await expect(shown.locator(".line__text")).to_have_text(MARKUP)
            await expect(shown_in.locator("img")).to_have_count(0)
        await say(console, "Guten Tag!")
        await expect(line(log, "Guten Tag!")).to_contain_text("Alice Martin")

        # The chat log the customer saves is German too, written from what the page shows.
        async with customer.expect_download() as saving:
            await customer.get_by_role("button", name="Chatverlauf speichern").click()
        saved = await saving.value
        assert saved.suggested_filename == "chatlog.txt"
        chat_log = await read_download(saved)
        assert chat_log.startswith("Helpline-Chatverlauf\nSitzungs-ID: ")
        assert "Anliegen: Mein Drucker brennt\n" in chat_log
        assert "* Alice Martin hat die Sitzung übernommen." in chat_log
        assert "Alice Martin: Guten Tag!" in chat_log
        assert f"Dana: {MARKUP}" in chat_log
        # The German page passes the same WCAG checks (its lang included) as the English one.
        await assert_no_serious_findings(customer, "the customer's chat page in German")
        assert dialogs == []
    finally:
        await german.close()

    # French: the join page and a wrong code; Spanish: a portal that does not exist.
    french = await browser.new_context(base_url=server.base_url, locale="fr-CA")
    spanish = await browser.new_context(base_url=server.base_url, locale="es-MX")
    try:
        join = await french.new_page()
        await join.goto("/join")
        await expect(join.locator("html")).to_have_attribute("lang", "fr")
        await expect(join.get_by_role("heading", level=1)).to_have_text(
            "Rejoindre une session d\u2019assistance"
        )
        await join.get_by_label("Code de session").fill("12")
        await join.get_by_label("Votre nom").fill("Élodie")
        await join.get_by_role("button", name="Rejoindre la session").click()
        await expect(join.get_by_role("alert")).to_have_text(
            "Un code de session compte neuf chiffres."
        )
        await join.get_by_label("Code de session").fill("000 000 000")
        await join.get_by_role("button", name="Rejoindre la session").click()
        await expect(join.get_by_role("alert")).to_have_text(
            "Aucun code de session ne correspond à ces chiffres. "
            "Vérifiez-les avec votre conseiller."
        )

        portal = await spanish.new_page()
        await portal.goto("/p/no-such-portal")
        await expect(portal.locator("html")).to_have_attribute("lang", "es")
        await expect(portal.get_by_role("alert")).to_have_text(
            "No existe ningún portal de soporte llamado «no-such-portal»."
        )
        await expect(portal.get_by_role("link", name="introdúzcalo aquí")).to_have_attribute(
            "href", "/join"
        )
    finally:
        await french.close()
        await spanish.close()
