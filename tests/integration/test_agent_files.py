"""What the agent does with files in a session, without its UI, against a real server:
files both ways to and from the disk, checked and never overwriting; declined offers,
bad paths, a full or unreadable disk, a transfer stopped or cut off halfway, and the
server's size limit, each failure as a clear sentence that says what to do."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.agent.offers import OfferState
from helpline.agent.session import AgentSession
from helpline.agent.transfers import TransferError, open_to_send
from helpline.agent.view import Progress
from tests.support.agent import TcpProxy, running_agent
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
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        console = await bob.socket("/ws/console")
        await console.wait_type("welcome")
        await console.follow(agent.id)
        (agent.download_dir).mkdir(parents=True)
        (agent.download_dir / "report.txt").write_text("the customer's own file")

        first = await offer_to_customer(bob, agent.id, "report.txt", b"first report\n" * 1000)
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
        assert (await bob.http.post(f"/api/files/{file_id}/accept")).status_code == 200
        body = await bob.http.get(f"/api/files/{file_id}")
        assert body.content == mine.read_bytes()
        await console.close()
    assert view.problems() == []


async def test_declined_files_and_bad_paths_say_so_and_lose_nothing(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        unwanted = await offer_to_customer(bob, agent.id, "setup.exe", b"MZ" + b"\0" * 100)
        await view.wait(lambda: agent.offers.get(unwanted) is not None, "the offer")
        agent.decline(unwanted)
        await view.wait(
            lambda: (
                (o := agent.offers.get(unwanted)) is not None and o.state is OfferState.DECLINED
            ),
            "declined",
        )
        assert "declined the file setup.exe" in view.text()
        refused = await bob.http.get(f"/api/files/{unwanted}")
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
        assert (await bob.http.post(f"/api/files/{mine.id}/decline")).status_code == 200
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
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    data = os.urandom(200_000)
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        file_id = await offer_to_customer(bob, agent.id, "big.bin", data)
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


def running_progress(agent: AgentSession, name: str) -> Progress | None:
    return next(
        (p for p in agent.progress.values() if p.name == name and p.phase == "running"), None
    )


async def test_a_download_stopped_halfway_keeps_nothing_and_can_be_fetched_again(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    size = 96 * 1024 * 1024
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        file_id = await offer_to_customer(bob, agent.id, "backup.tar", bytes(size))
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
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    big = tmp_path / "core.dump"
    with big.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    async with (
        TcpProxy(shared_server.port) as proxy,
        running_agent(proxy.url, bob, tmp_path) as (agent, view),
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
        listed = (await bob.http.get(f"/api/sessions/{agent.id}/files")).json()["files"]
        assert listed == []
        await view.wait(lambda: agent.connection.ready, "connected again")
        await agent.send_file(big)
        listed = (await bob.http.get(f"/api/sessions/{agent.id}/files")).json()["files"]
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
