"""``bench.compare``'s plan and arithmetic: which tree measures each round, and how two
trees' rounds are summed up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from bench.compare import order, paired_ratios, summary, tree_of

REPO = Path(__file__).resolve().parents[2]


def test_rounds_alternate_so_neither_tree_always_follows_the_other() -> None:
    plan = order(4)
    assert plan == [0, 1, 1, 0, 0, 1, 1, 0]
    assert plan.count(0) == plan.count(1) == 4
    followers = {(plan[i], plan[i + 1]) for i in range(len(plan) - 1)}
    assert followers == {(0, 1), (1, 1), (1, 0), (0, 0)}


def test_each_round_of_b_is_set_against_the_round_of_a_beside_it() -> None:
    assert paired_ratios([100.0, 200.0, 400.0], [110.0, 180.0, 400.0]) == [1.1, 0.9, 1.0]
    # A round of A with no CPU at all cannot be a denominator.
    assert paired_ratios([0.0, 100.0], [5.0, 90.0]) == [0.9]


def test_a_summary_gives_the_median_the_middle_half_and_the_extremes() -> None:
    figures = summary([5.0, 1.0, 3.0, 2.0, 4.0])
    assert figures["median"] == 3.0
    assert figures["min"] == 1.0 and figures["max"] == 5.0
    assert figures["p25"] <= figures["median"] <= figures["p75"]
    assert summary([7.0]) == {"median": 7.0, "p25": 7.0, "p75": 7.0, "min": 7.0, "max": 7.0}


def test_a_tree_is_a_src_directory_or_a_commit_taken_out_of_the_repository(
    tmp_path: Path,
) -> None:
    here, commit = tree_of(str(REPO / "src"), tmp_path / "unused")
    assert here == (REPO / "src").resolve() and commit

    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    taken, named = tree_of("HEAD", tmp_path / "tree")
    assert named == head
    assert (taken / "helpline" / "__init__.py").exists()
    assert taken.is_relative_to(tmp_path)


def test_anything_else_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no helpline package"):
        tree_of(str(tmp_path), tmp_path / "scratch")
    with pytest.raises(ValueError, match="neither a directory nor a commit"):
        tree_of("no-such-commit-anywhere", tmp_path / "scratch")
