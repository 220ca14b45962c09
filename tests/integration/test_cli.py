"""The ``helpline`` command as an administrator uses it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from helpline.commands.serve import customer_addresses
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.support.server import ServerProcess


def helpline(
    *args: str, stdin: str = "", data_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "helpline", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_help_teaches_where_to_start() -> None:
    result = helpline("--help")
    assert result.returncode == 0
    assert "helpline demo" in result.stdout and "helpline serve" in result.stdout
    serve_help = helpline("serve", "--help").stdout
    for option in ("--database-url", "--bus", "--data-dir", "--public-url"):
        assert option in serve_help


def test_an_administrator_creates_and_lists_representatives(tmp_path: Path) -> None:
    created = helpline(
        "admin",
        "create-rep",
        "carol",
        "--name",
        "Carol Diaz",
        "--manager",
        "--password-stdin",
        stdin="a long enough password\n",
        data_dir=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert "Created manager 'carol'" in created.stdout
    listed = helpline("admin", "list-reps", data_dir=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.split() == ["carol", "manager", "Carol", "Diaz"]


def test_bad_input_to_the_cli_says_what_to_fix(tmp_path: Path) -> None:
    short = helpline(
        "admin", "create-rep", "dave", "--password-stdin", stdin="short\n", data_dir=tmp_path
    )
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    bad_name = helpline(
        "admin",
        "create-rep",
        "Not Valid!",
        "--password-stdin",
        stdin="long enough pw\n",
        data_dir=tmp_path,
    )
    assert bad_name.returncode != 0 and "username" in bad_name.stderr.lower()
    helpline(
        "admin",
        "create-rep",
        "erin",
        "--password-stdin",
        stdin="long enough pw\n",
        data_dir=tmp_path,
    )
    twice = helpline(
        "admin",
        "create-rep",
        "erin",
        "--password-stdin",
        stdin="long enough pw\n",
        data_dir=tmp_path,
    )
    assert twice.returncode != 0 and "erin" in twice.stderr
    bus = helpline("serve", "--bus", "kafka://x", data_dir=tmp_path)
    assert bus.returncode != 0 and "redis://" in bus.stderr


def test_a_portal_name_loses_control_and_bidi_characters(tmp_path: Path) -> None:
    created = helpline(
        "admin", "create-portal", "acme", "Acme\u202e \x07Support", data_dir=tmp_path
    )
    assert created.returncode == 0, created.stderr

    async def names() -> list[str]:
        store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db"))
        try:
            return [p.name for p in await store.list_portals()]
        finally:
            await store.close()

    assert asyncio.run(names()) == ["Acme Support"]
    blank = helpline("admin", "create-portal", "blank", "\u202e\u2066", data_dir=tmp_path)
    assert blank.returncode != 0 and "cannot be empty" in blank.stderr


def test_demo_prepares_accounts_and_portals_and_says_how_to_start(tmp_path: Path) -> None:
    result = helpline("demo", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "alice / helpline-demo" in result.stdout
    assert "/p/acme" in result.stdout and "helpline serve" in result.stdout
    again = helpline("demo", data_dir=tmp_path)
    assert again.returncode == 0
    listed = helpline("admin", "list-reps", data_dir=tmp_path).stdout
    assert [line.split()[0] for line in listed.splitlines()] == ["alice", "bob"]
    upgraded = helpline("db", "upgrade", data_dir=tmp_path)
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout


async def test_serve_prints_the_addresses_of_the_portals_that_exist(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    await server.seed()
    await server.start()
    try:
        printed = server.log()
    finally:
        server.stop()
    assert f"Customers: {server.base_url}/p/acme" in printed
    assert f"Customers: {server.base_url}/p/globex" in printed
    assert f"Session code page: {server.base_url}/join" in printed
    assert "/p/support" not in printed  # the demo has no portal called "support"


def test_a_team_with_many_portals_sees_five_and_a_count() -> None:
    lines = customer_addresses("http://h:1", [f"p{n}" for n in range(8)])
    assert lines[:5] == [f"Customers: http://h:1/p/p{n}" for n in range(5)]
    assert "3 more portals" in lines[5]
    assert lines[-1] == "Session code page: http://h:1/join"
    assert customer_addresses("http://h:1", []) == ["Session code page: http://h:1/join"]
