"""Files and the customer's screen, each with the customer's consent."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.clients import Browser, eventually, picked_up
from tests.support.server import ServerProcess

JPEG = b"\xff\xd8\xff\xe0" + b"fake jpeg body" * 20


@asynccontextmanager
async def picked_up_on_own_server(
    tmp_path: Path, **env: str
) -> AsyncIterator[tuple[ServerProcess, Browser, Browser, str]]:
    """A server of the test's own (its settings from ``env``) with a picked-up session."""
    server = ServerProcess(tmp_path / "own", extra_env=dict(env))
    await server.seed()
    await server.start()
    rep, customer = Browser(server), Browser(server)
    try:
        await rep.login("bob")
        session_id = (await customer.ask_for_help())["session"]["id"]
        assert (await rep.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
        yield server, rep, customer, session_id
    finally:
        await rep.close()
        await customer.close()
        server.stop()


async def upload(browser: Browser, session_id: str, name: str, data: bytes, to: str | None = None):  # type: ignore[no-untyped-def]
    params = {"name": name} | ({"to": to} if to else {})
    return await browser.http.post(
        f"/api/sessions/{session_id}/files",
        params=params,
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )


async def test_a_file_goes_each_way_accepted_and_byte_identical(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, console, customer, chat = await picked_up(browsers)
    to_customer = os.urandom(300_000)
    sent = await upload(rep, session_id, "../../etc/driver setup.exe", to_customer, to="customer")
    assert sent.status_code == 201, sent.text
    file = sent.json()["file"]
    assert file["name"] == "driver setup.exe"
    assert file["sha256"] == hashlib.sha256(to_customer).hexdigest()
    offered = await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "file_offered", "offer"
    )
    assert offered["body"]["size"] == len(to_customer)

    early = await customer.http.get(f"/api/files/{file['id']}")
    assert early.status_code == 409
    assert (await customer.http.post(f"/api/files/{file['id']}/accept")).status_code == 200
    downloaded = await customer.http.get(f"/api/files/{file['id']}")
    assert downloaded.status_code == 200
    assert downloaded.content == to_customer
    assert downloaded.headers["x-content-sha256"] == file["sha256"]
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert (await customer.http.post(f"/api/files/{file['id']}/completed")).status_code == 204
    assert (await customer.http.post(f"/api/files/{file['id']}/completed")).status_code == 204
    await console.wait_event(
        session_id, lambda e: e["body"].get("action") == "file_completed", "completed"
    )

    to_rep = os.urandom(50_000)
    back = await upload(customer, session_id, "screenshot.png", to_rep, to="customer")
    assert back.status_code == 201, back.text
    back_file = back.json()["file"]
    assert back_file["audience"] == "representatives"
    assert (back_file["from"], back_file["from_kind"]) == ("Dana", "customer")
    assert (await rep.http.post(f"/api/files/{back_file['id']}/accept")).status_code == 200
    assert (await rep.http.get(f"/api/files/{back_file['id']}")).content == to_rep

    log = (await customer.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    actions = [
        e["body"]["action"] for e in log if str(e["body"].get("action", "")).startswith("file_")
    ]
    assert actions == [
        "file_offered",
        "file_accepted",
        "file_completed",
        "file_offered",
        "file_accepted",
    ]


async def test_a_file_name_that_hides_its_real_extension_is_shown_as_it_is_and_reps_see_why(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, console, customer, chat = await picked_up(browsers)

    # Shown as sent, "inv\u202eexe.txt" reads "invtxt.exe".
    sent = await upload(customer, session_id, "inv\u202eexe.txt", b"MZ not a text")
    assert sent.status_code == 201, sent.text
    file = sent.json()["file"]
    assert file["name"] == "invexe.txt"
    offered = await console.wait_event(
        session_id, lambda e: e["body"].get("file_id") == file["id"], "the offer"
    )
    assert offered["body"]["name"] == "invexe.txt" and "invexe.txt" in offered["body"]["text"]
    assert offered["internal"]["original_name"] == "inv\\u202eexe.txt"
    seen_by_customer = await chat.wait_event(
        session_id, lambda e: e["body"].get("file_id") == file["id"], "the offer"
    )
    assert "internal" not in seen_by_customer

    noisy = await upload(rep, session_id, "re\x1bport\x07 \u2066final\u2069.pdf", b"%", "customer")
    assert noisy.json()["file"]["name"] == "report final.pdf"
    # NUL cannot be stored (PostgreSQL refuses it): the address is refused as it is.
    nul = await upload(rep, session_id, "nul\x00.txt", b"x", "customer")
    assert nul.status_code == 422 and "cannot be stored" in nul.json()["error"]["message"]
    listed = (await customer.http.get(f"/api/sessions/{session_id}/files")).json()["files"]
    assert [f["name"] for f in listed] == ["invexe.txt", "report final.pdf"]
    plain = await upload(rep, session_id, "plain name.txt", b"x", "customer")
    plain_offer = await console.wait_event(
        session_id, lambda e: e["body"].get("file_id") == plain.json()["file"]["id"], "offer"
    )
    assert "original_name" not in plain_offer["internal"]


async def test_a_declined_file_never_downloads_and_rep_only_files_stay_hidden(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, _console, customer, chat = await picked_up(browsers)
    declined = (await upload(rep, session_id, "tool.zip", b"zipzip", to="customer")).json()["file"]
    assert (await customer.http.post(f"/api/files/{declined['id']}/decline")).status_code == 200
    refused = await customer.http.get(f"/api/files/{declined['id']}")
    assert refused.status_code == 403 and "declined" in refused.json()["error"]["message"]
    assert (await customer.http.post(f"/api/files/{declined['id']}/accept")).status_code == 409

    internal = (
        await upload(rep, session_id, "internal-notes.txt", b"secret", to="representatives")
    ).json()["file"]
    hidden = await customer.http.get(f"/api/files/{internal['id']}")
    assert hidden.status_code == 403
    assert (await customer.http.post(f"/api/files/{internal['id']}/accept")).status_code == 403
    listed = (await customer.http.get(f"/api/sessions/{session_id}/files")).json()["files"]
    assert [f["name"] for f in listed] == ["tool.zip"]
    await chat.say(session_id, "sync")
    assert "internal-notes" not in json.dumps(chat.frames)


async def test_an_oversized_upload_is_refused_and_nothing_is_offered(tmp_path: Path) -> None:
    async with picked_up_on_own_server(tmp_path, HELPLINE_MAX_FILE_MB="1") as (
        small,
        rep,
        customer,
        session_id,
    ):
        big = await upload(rep, session_id, "big.iso", b"x" * (1024 * 1024 + 1), to="customer")
        assert big.status_code == 413
        assert big.json()["error"]["message"].startswith("Files can be at most 1.0 MB")

        async def streamed():  # type: ignore[no-untyped-def]
            for _ in range(3):
                yield b"y" * (512 * 1024)

        chunked = await rep.http.post(
            f"/api/sessions/{session_id}/files", params={"name": "stream.bin"}, content=streamed()
        )
        assert chunked.status_code == 413
        assert (await customer.http.get(f"/api/sessions/{session_id}/files")).json()["files"] == []
        assert list((small.data_dir / "files" / "incoming").iterdir()) == []


async def test_an_upload_cut_off_halfway_offers_nothing_and_leaves_nothing(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, _console, customer, _chat = await picked_up(browsers)
    _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = (
        f"POST /api/sessions/{session_id}/files?name=half.bin&to=customer HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\nOrigin: {server.base_url}\r\n"
        f"Cookie: {rep.cookie_header()}\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: 1000000\r\n\r\n"
    )
    writer.write(head.encode() + b"z" * 300_000)
    await writer.drain()
    incoming = server.data_dir / "files" / "incoming"
    await eventually(lambda: incoming.exists() and any(incoming.iterdir()), "the upload began")
    writer.close()
    await writer.wait_closed()
    await eventually(lambda: not any(incoming.iterdir()), "the partial upload is removed")
    whole = await upload(rep, session_id, "whole.bin", b"ok", to="customer")
    assert whole.status_code == 201
    listed = (await customer.http.get(f"/api/sessions/{session_id}/files")).json()["files"]
    assert [f["name"] for f in listed] == ["whole.bin"]


async def test_a_file_offered_before_a_restart_downloads_after_it(tmp_path: Path) -> None:
    async with picked_up_on_own_server(tmp_path) as (server, rep, customer, session_id):
        data = os.urandom(200_000)
        sent = await upload(rep, session_id, "before-restart.bin", data, to="customer")
        file = sent.json()["file"]
        server.kill()
        await server.start()
        assert (await customer.http.post(f"/api/files/{file['id']}/accept")).status_code == 200
        assert (await customer.http.get(f"/api/files/{file['id']}")).content == data


async def test_files_are_deleted_once_their_retention_after_the_session_has_passed(
    tmp_path: Path,
) -> None:
    async with picked_up_on_own_server(tmp_path) as (server, rep, _customer, session_id):
        file = (await upload(rep, session_id, "old.bin", b"old", to="customer")).json()["file"]
        await rep.http.post(f"/api/sessions/{session_id}/end", json={"outcome": "resolved"})
        assert len(list((server.data_dir / "files").glob("*"))) == 2  # the blob and incoming/
        server.stop()
        server.extra_env["HELPLINE_FILE_RETENTION_DAYS"] = "0"
        await server.start()
        gone = await rep.http.get(f"/api/files/{file['id']}")
        assert gone.status_code == 404
        assert [p.name for p in (server.data_dir / "files").iterdir()] == ["incoming"]


def screen_frame(session_id: str, kind: int = 1, image: bytes = JPEG) -> bytes:
    header = json.dumps({"session": session_id, "width": 320, "height": 180}).encode()
    return bytes([kind]) + struct.pack(">H", len(header)) + header + image


async def test_the_screen_is_shared_only_after_consent_and_only_with_representatives(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, console, _customer, chat = await picked_up(browsers)
    await chat.send_bytes(screen_frame(session_id))
    refused = await chat.wait_type("error")
    assert refused["code"] == "forbidden"

    asked = await rep.http.post(f"/api/sessions/{session_id}/screen/request")
    assert asked.status_code == 201
    request_id = asked.json()["request"]
    note = await chat.wait_event(
        session_id, lambda e: e["kind"] == "consent_requested", "the request"
    )
    assert note["body"]["text"] == "Bob Chen asks to see the customer's screen."
    await chat.send(
        {"type": "screen", "session": session_id, "sharing": True, "request": request_id}
    )
    await chat.wait_for(
        lambda f: f.get("type") == "error" and "consent" in f["message"], "no consent yet"
    )

    await chat.send(
        {"type": "consent", "session": session_id, "request": request_id, "allow": True}
    )
    await console.wait_event(session_id, lambda e: e["kind"] == "consent_answered", "the answer")
    await chat.send(
        {"type": "screen", "session": session_id, "sharing": True, "request": request_id}
    )
    await console.wait_event(
        session_id, lambda e: e["body"].get("action") == "screen_started", "started"
    )

    thumbnail = screen_frame(session_id, 1, JPEG + b"1")
    await chat.send_bytes(thumbnail)
    assert (await console.wait_binary(1))[0] == thumbnail
    await chat.send_bytes(screen_frame(session_id, 1, b"not an image"))
    await chat.wait_for(lambda f: f.get("code") == "invalid_frame", "bad image refused")

    # A Viewer window gets the large frames; the console pane only thumbnails.
    viewer = await rep.socket("/ws/console")
    await viewer.send({"type": "watch", "session": session_id})
    await chat.wait_type("screen_watch", session=session_id)
    assert (await viewer.wait_binary(1))[0] == thumbnail  # the newest thumbnail, at once
    large = screen_frame(session_id, 2, JPEG + b"large")
    await chat.send_bytes(large)
    assert large in await viewer.wait_binary(2)
    await chat.send_bytes(thumbnail)
    assert len(await console.wait_binary(2)) == 2
    assert large not in console.binary

    await chat.send({"type": "screen", "session": session_id, "sharing": False})
    await console.wait_event(
        session_id, lambda e: e["body"].get("action") == "screen_stopped", "stopped"
    )
    await chat.send_bytes(thumbnail)
    await chat.wait_for(
        lambda f: f.get("code") == "forbidden" and "stopped" in f["message"], "after stop"
    )
    assert chat.binary == []
    for peer in (viewer,):
        await peer.close()


async def test_closing_the_customers_window_stops_sharing_with_a_note(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, console, _customer, chat = await picked_up(browsers)
    request_id = (await rep.http.post(f"/api/sessions/{session_id}/screen/request")).json()[
        "request"
    ]
    await chat.send(
        {"type": "consent", "session": session_id, "request": request_id, "allow": True}
    )
    await chat.send(
        {"type": "screen", "session": session_id, "sharing": True, "request": request_id}
    )
    await console.wait_event(
        session_id, lambda e: e["body"].get("action") == "screen_started", "started"
    )
    await chat.close()
    stopped = await console.wait_event(
        session_id, lambda e: e["body"].get("action") == "screen_stopped", "stopped"
    )
    assert stopped["body"]["text"] == "Dana stopped sharing their screen."
