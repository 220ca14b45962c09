"""``bench.compare_stack``'s plan: which stack measures each round, and what a stack
needs installed before it can run."""

from __future__ import annotations

from bench.compare_stack import not_installed, order


def test_each_pass_goes_round_every_stack_and_the_next_pass_goes_back() -> None:
    plan = order(3, 4)
    assert plan == [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0]
    assert [plan.count(stack) for stack in range(3)] == [4, 4, 4]
    # No stack is always measured right after the same other one.
    after_zero = {plan[i + 1] for i in range(len(plan) - 1) if plan[i] == 0}
    assert after_zero == {0, 1}


def test_a_stack_on_a_server_not_installed_is_named_once_and_uvicorn_needs_nothing() -> None:
    stacks = ["uvicorn", "uvicorn-wsproto", "granian", "granian-rust-tasks"]
    assert not_installed(stacks, set()) == ["granian", "wsproto"]
    assert not_installed(stacks, {"granian"}) == ["wsproto"]
    assert not_installed(["uvicorn", "uvicorn-websockets-legacy"], set()) == []
