"""What the agent does in a session, without its UI, against a real server: files
both ways to and from the disk, pushed pages, the request to see a screen on a
computer without one, the chat log, ending, and each failure as a clear sentence."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import pwd
import resource
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpline.agent import state
from helpline.agent.offers import OfferState
from helpline.agent.session import AgentSession
from helpline.agent.transfers import TransferError, open_to_send
from helpline.agent.view import Progress
from tests.support.agent import RecordingView, TcpProxy, follow, running_agent
from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def offer_to_customer(rep: Browser, session: str, name: str, data: bytes) -> int:
    made = await rep.http.post(
        f"/api/sessions/{session}/files", params={"name": name, "to": "customer"}, content=data
    )
    assert made.status_code == 201, made.text
    file_id: int = made.json()["file"]["id"]
    return file_id


async def test_files_go_both_ways_checked_and_never_overwriting(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        await follow(console, agent.id)
        (agent.download_dir).mkdir(parents=True)
        (agent.download_dir / "report.txt").write_text("the customer's own file")

        first = await offer_to_customer(rep, agent.id, "report.txt", b"first report\n" * 1000)
        await view.wait(lambda: agent.offers.get(first) is not None, "the offer")
        offer = agent.offers.get(first)
        assert offer is not None and offer.sender == "Bob Chen" and offer.for_me
        agent.accept(first)
        await view.wait(
            lambda: (p := agent.progress.get(first)) is not None and p.phase == "saved", "saved"
        )
        saved = agent.download_dir / "report (1).txt"
        assert saved.read_bytes() == b"first report\n" * 1000
        assert (agent.download_dir / "report.txt").read_text() == "the customer's own file"
        await console.wait_event(
            agent.id, lambda e: e["body"].get("action") == "file_completed", "received"
        )
        await view.wait(
            lambda: (o := agent.offers.get(first)) is not None and o.state is OfferState.RECEIVED,
            "the offer shows received",
        )
        assert not [p for p in agent.download_dir.iterdir() if p.name.startswith(".")]

        mine = tmp_path / "screenshot of the error.png"
        mine.write_bytes(os.urandom(300_000))
        await agent.send_file(mine)
        offered = await console.wait_event(
            agent.id,
            lambda e: (
                e["body"].get("action") == "file_offered" and e["author"]["kind"] == "customer"
            ),
            "the customer's file",
        )
        file_id = offered["body"]["file_id"]
        assert offered["body"]["name"] == "screenshot of the error.png"
        assert offered["body"]["sha256"] == hashlib.sha256(mine.read_bytes()).hexdigest()
        assert (await rep.http.post(f"/api/files/{file_id}/accept")).status_code == 200
        body = await rep.http.get(f"/api/files/{file_id}")
        assert body.content == mine.read_bytes()
        await console.close()
    assert view.problems() == []


async def test_declined_files_and_bad_paths_say_so_and_lose_nothing(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        unwanted = await offer_to_customer(rep, agent.id, "setup.exe", b"MZ" + b"\0" * 100)
        await view.wait(lambda: agent.offers.get(unwanted) is not None, "the offer")
        agent.decline(unwanted)
        await view.wait(
            lambda: (
                (o := agent.offers.get(unwanted)) is not None and o.state is OfferState.DECLINED
            ),
            "declined",
        )
        assert "declined the file setup.exe" in view.text()
        refused = await rep.http.get(f"/api/files/{unwanted}")
        assert refused.status_code == 403  # declined: nobody downloads it to the customer

        await agent.send_file(tmp_path / "no such file.pdf")
        assert view.problems()[-1].endswith(
            f"There is no file {tmp_path / 'no such file.pdf'}. Check the path and try again."
        )
        await agent.send_file(tmp_path)
        assert "is a folder" in view.problems()[-1]

        sent = tmp_path / "log.txt"
        sent.write_text("errors\n")
        await agent.send_file(sent)
        await view.wait(lambda: any(o.from_customer for o in agent.offers.all()), "offered")
        mine = next(o for o in agent.offers.all() if o.from_customer)
        assert (await rep.http.post(f"/api/files/{mine.id}/decline")).status_code == 200
        await view.wait(
            lambda: (o := agent.offers.get(mine.id)) is not None and o.state is OfferState.DECLINED,
            "the representative declined it",
        )
        assert "declined the file log.txt" in view.text()


@contextlib.contextmanager
def tiny_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder that holds 64 KiB: a tmpfs where we may mount one (root), else a
    file-size limit on this process, which fails writes the same way (EFBIG)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = (
        os.geteuid() == 0
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if mounted:
        try:
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        yield folder
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


async def test_a_full_download_folder_says_so_and_the_file_can_be_fetched_again(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    data = os.urandom(200_000)
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        file_id = await offer_to_customer(rep, agent.id, "big.bin", data)
        await view.wait(lambda: agent.offers.get(file_id) is not None, "the offer")
        with tiny_folder(tmp_path) as tiny:
            agent.download_dir = tiny
            agent.accept(file_id)
            await view.wait(
                lambda: (p := agent.progress.get(file_id)) is not None and p.phase == "failed",
                "the download fails",
            )
            message = view.problems()[-1]
            assert f"Could not save big.bin: the download folder {tiny} is full" in message
            assert "the file is still on the server" in message
            assert list(tiny.iterdir()) == []
        agent.download_dir = tmp_path / "roomy"
        agent.accept(file_id)
        await view.wait(
            lambda: (p := agent.progress.get(file_id)) is not None and p.phase == "saved",
            "saved on the second try",
        )
        assert (tmp_path / "roomy" / "big.bin").read_bytes() == data


def refusal_as(uid: int, path: Path) -> str:
    """``open_to_send(path)``'s message, in a child process that runs as ``uid``."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: give up root, try, report, and leave at once
        os.close(reader)
        message = "no error"
        try:
            os.setgid(uid)
            os.setuid(uid)
            open_to_send(path)
        except TransferError as error:
            message = error.message
        except BaseException as error:
            message = repr(error)
        os.write(writer, message.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(child, 0)
    return message


def test_a_file_that_cannot_be_read_is_refused_with_what_to_do() -> None:
    """Root reads everything, so as root the check runs as the user nobody."""
    folder = Path(tempfile.mkdtemp(prefix="helpline-agent-"))
    try:
        os.chmod(folder, 0o755)
        secret = folder / "secret.txt"
        secret.write_text("not yours")
        os.chmod(secret, 0)
        if os.geteuid() == 0:
            message = refusal_as(pwd.getpwnam("nobody").pw_uid, secret)
        else:
            with pytest.raises(TransferError) as raised:
                open_to_send(secret)
            message = raised.value.message
        assert message.startswith(f"You may not read {secret} (permission denied).")
    finally:
        shutil.rmtree(folder)


async def test_a_pushed_page_opens_in_the_browser_once_and_never_on_replay(
    shared_server: ServerProcess,
    shared_browsers: Callable[[], Browser],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        pushed = await rep.http.post(
            f"/api/sessions/{agent.id}/push-url", json={"url": "https://example.com/help?a=1"}
        )
        assert pushed.status_code == 200
        await view.wait(lambda: "Opened https://example.com/help?a=1" in view.text(), "opened")
        assert opened.read_text() == "https://example.com/help?a=1\n"

        # The agent started again on the same session replays the push: it is shown in
        # the log and not opened again.
        replayed = RecordingView()
        again = AgentSession(
            agent.credentials, tmp_path / "again", replayed, state_folder=tmp_path / "s2"
        )
        task = asyncio.create_task(again.run())
        await replayed.wait(lambda: "https://example.com/help?a=1" in replayed.text(), "replay")
        await replayed.wait(again.caught_up, "the replay is over")
        await again.close()
        await task
    assert opened.read_text() == "https://example.com/help?a=1\n"
    assert "Opened" not in replayed.text()


async def test_without_a_browser_the_link_is_shown_and_the_server_told(
    shared_server: ServerProcess,
    shared_browsers: Callable[[], Browser],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        await rep.http.post(
            f"/api/sessions/{agent.id}/push-url", json={"url": "https://a.example/"}
        )
        await view.wait(lambda: "Open this link yourself" in view.text(), "the link")
        assert view.problems() == [
            next(t for t in view.problems() if "Open this link yourself: https://a.example/" in t)
        ]
        # The socket stays up whether or not this server knows url_opened.
        agent.send("still here")
        await view.wait(lambda: "Dana: still here" in view.text(), "a line after it")


async def test_a_request_for_the_screen_without_a_display_is_declined_at_once(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path, display=lambda: False) as (
        agent,
        view,
    ):
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        await follow(console, agent.id)
        asked = await rep.http.post(f"/api/sessions/{agent.id}/screen/request")
        assert asked.status_code == 201
        await view.wait(lambda: "has no display to share" in view.text(), "declined")
        answer = await console.wait_event(
            agent.id, lambda e: e["kind"] == "consent_answered", "the answer"
        )
        assert answer["body"]["answer"] == "declined"
        assert agent.waiting_consent() is None
        await console.close()


async def test_the_chat_log_is_saved_like_the_browser_saves_it_and_ending_cleans_up(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        agent.send("x" * 4001)
        await view.wait(lambda: view.problems(), "the refusal")
        assert view.problems()[0].endswith(
            "* Not sent (A message has at most 4000 characters.): " + "x" * 4001
        )
        assert agent.connection.outbox.all() == []
        state_file = state.path_for(agent.id, tmp_path / "state")
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        agent.send("Thanks for the help")
        await view.wait(lambda: "Dana: Thanks for the help" in view.text(), "the line")
        first = await agent.save_chatlog()
        assert first == agent.download_dir / "chatlog.txt"
        browser_copy = (await rep.http.get(f"/api/sessions/{agent.id}/transcript.txt")).text
        assert first.read_text().splitlines()[0] == browser_copy.splitlines()[0]
        assert "Dana: Thanks for the help" in first.read_text()

        await agent.end()
        await view.wait(lambda: agent.ended, "ended")
        await view.wait(lambda: not state_file.exists(), "the state file is removed")
        second = await agent.save_chatlog()
        assert second == agent.download_dir / "chatlog (1).txt"
        assert "ended" in second.read_text()
        assert agent.send("too late") is None
        assert "The session has ended" in view.problems()[-1]


def running_progress(agent: AgentSession, name: str) -> Progress | None:
    return next(
        (p for p in agent.progress.values() if p.name == name and p.phase == "running"), None
    )


async def test_a_download_stopped_halfway_keeps_nothing_and_can_be_fetched_again(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    size = 96 * 1024 * 1024
    async with running_agent(shared_server.base_url, rep, tmp_path) as (agent, view):
        file_id = await offer_to_customer(rep, agent.id, "backup.tar", bytes(size))
        await view.wait(lambda: agent.offers.get(file_id) is not None, "the offer")
        agent.accept(file_id)
        await view.wait(
            lambda: (p := running_progress(agent, "backup.tar")) is not None and p.done > 0,
            "the download under way",
        )
        agent.decline(file_id)  # F5 while it downloads: stop
        await view.wait(
            lambda: (p := agent.progress.get(file_id)) is not None and p.phase == "failed",
            "stopped",
        )
        assert "You stopped downloading backup.tar; nothing was saved." in view.text()
        assert list(agent.download_dir.iterdir()) == []
        agent.accept(file_id)
        await view.wait(
            lambda: (p := agent.progress.get(file_id)) is not None and p.phase == "saved",
            "fetched again",
        )
        assert (agent.download_dir / "backup.tar").stat().st_size == size
        assert [p.name for p in agent.download_dir.iterdir()] == ["backup.tar"]


async def test_an_upload_cut_off_says_so_offers_nothing_and_can_be_sent_again(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    await rep.login("bob")
    big = tmp_path / "core.dump"
    with big.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    async with (
        TcpProxy(shared_server.port) as proxy,
        running_agent(proxy.url, rep, tmp_path) as (agent, view),
    ):
        sending = agent.send_file(big)
        await view.wait(
            lambda: (
                (p := running_progress(agent, "core.dump")) is not None
                and p.done >= 2 * 1024 * 1024
            ),
            "the upload under way",
        )
        proxy.cut()
        await sending
        assert view.problems()[-1].endswith(
            "Sending core.dump was cut off: the connection to the server was lost. "
            "Nothing was sent; send it again once the agent is connected."
        )
        listed = (await rep.http.get(f"/api/sessions/{agent.id}/files")).json()["files"]
        assert listed == []
        await view.wait(lambda: agent.connection.ready, "connected again")
        await agent.send_file(big)
        listed = (await rep.http.get(f"/api/sessions/{agent.id}/files")).json()["files"]
        assert [(f["name"], f["size"]) for f in listed] == [("core.dump", 64 * 1024 * 1024)]


async def test_a_file_over_the_servers_limit_is_refused_with_its_reason(
    strict_server: ServerProcess, tmp_path: Path
) -> None:
    rep = Browser(strict_server)
    try:
        await rep.login("bob")
        big = tmp_path / "video.mp4"
        with big.open("wb") as handle:
            handle.truncate(20 * 1024 * 1024)
        async with running_agent(strict_server.base_url, rep, tmp_path) as (agent, view):
            await agent.send_file(big)
            assert view.problems()[-1].endswith(
                "Could not send video.mp4: Files can be at most 1.0 MB; this one is 20.0 MB."
            )
            listed = (await rep.http.get(f"/api/sessions/{agent.id}/files")).json()["files"]
            assert listed == []
    finally:
        await rep.close()
