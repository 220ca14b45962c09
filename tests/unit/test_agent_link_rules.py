"""The link that brings the Helpline agent into a customer's browser session: its
shape, the command the customer runs, and when it still works."""

from __future__ import annotations

import shlex
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.agent_links import (
    DEFAULT_AGENT_LINK_LIFETIME,
    AgentLink,
    agent_attached_note,
    attach_command,
    attach_url,
    check_redeemable,
)
from helpline.domain.drafting import seal
from helpline.domain.errors import Expired
from tests.support.domain import T0, a_rep, as_events, attending, customer_reads

USED = r"^This agent link was already used\. Ask your representative to send the agent again\.$"
EXPIRED = r"^This agent link has expired\. Ask your representative to send the agent again\.$"


def a_link(used: bool = False) -> AgentLink:
    return AgentLink(1, b"hash", T0, T0 + DEFAULT_AGENT_LINK_LIFETIME, used_at=T0 if used else None)


def test_the_secret_follows_a_hash_so_no_server_log_ever_holds_it() -> None:
    assert attach_url("https://help.example.com", "s3cr3t") == (
        "https://help.example.com/attach#s3cr3t"
    )
    assert attach_url("https://example.com/support/", "s") == "https://example.com/support/attach#s"


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_the_command_gives_the_shell_the_link_as_one_word(secret: str) -> None:
    url = attach_url("https://help.example.com", secret)
    assert shlex.split(attach_command(url)) == ["helpline", "agent", "attach", url]


def test_a_link_works_for_ten_minutes() -> None:
    assert timedelta(minutes=10) == DEFAULT_AGENT_LINK_LIFETIME
    check_redeemable(a_link(), T0)
    check_redeemable(a_link(), T0 + timedelta(minutes=10) - timedelta(microseconds=1))
    with pytest.raises(Expired, match=EXPIRED):
        check_redeemable(a_link(), T0 + timedelta(minutes=10))


def test_a_used_link_says_so_even_after_it_has_also_expired() -> None:
    with pytest.raises(Expired, match=USED):
        check_redeemable(a_link(used=True), T0)
    with pytest.raises(Expired, match=USED):
        check_redeemable(a_link(used=True), T0 + timedelta(hours=1))


def test_everyone_reads_that_the_agent_attached_naming_nobody() -> None:
    bob = a_rep(2, "Bob")
    events = as_events([seal(agent_attached_note(), [attending(bob, masked=True)])])
    assert customer_reads(events) == ["The customer attached the Helpline agent."]
