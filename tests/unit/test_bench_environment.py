"""The bench says which code it measured: the commit of its own tree and of the tree
the server ran from (``PYTHONPATH`` may point at another), marked when either had
uncommitted changes, so a figure is never credited to the wrong code."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.environment import commit_of
from bench.report import server_tree


def git(tree: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_a_trees_commit_and_whether_it_had_changes(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "server.py").write_text("fast = False\n")
    git(tmp_path, "add", "server.py")
    git(tmp_path, "commit", "-q", "-m", "first")
    commit = git(tmp_path, "rev-parse", "--short", "HEAD")
    assert commit_of(tmp_path) == commit

    (tmp_path / "server.py").write_text("fast = True\n")
    assert commit_of(tmp_path) == f"{commit}+changes"


def test_outside_git_there_is_no_commit(tmp_path: Path) -> None:
    assert commit_of(tmp_path) == ""


def test_the_report_names_the_servers_tree_only_where_it_differs() -> None:
    assert server_tree({"commit": "abc1234", "server_commit": "abc1234"}) == ""
    assert server_tree({"commit": "abc1234"}) == ""
    assert server_tree({"commit": "abc1234", "server_commit": "04313f2"}) == " (server: 04313f2)"
