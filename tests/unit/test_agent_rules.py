"""The agent's rules, as the domain states them: what it may report of the customer's
computer and how a chat log shows it, when a customer counts as online, the attach
link's command, and the notes it leads to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.agent_links import (
    AgentLink,
    agent_attached_note,
    attach_command,
    attach_url,
    check_redeemable,
)
from helpline.domain.consent import (
    ConsentKind,
    ConsentRequest,
    DeclineReason,
    answer_note,
    check_decline_reason,
)
from helpline.domain.drafting import seal
from helpline.domain.errors import Expired, InvalidInput
from helpline.domain.events import AudienceKind, Event
from helpline.domain.presence import is_fresh, stale_before
from helpline.domain.sessions import (
    ClientInfo,
    SessionStatus,
    SupportSession,
    clean_client_detail,
)
from helpline.domain.transcript import header_lines
from helpline.domain.urls import not_opened_note
from helpline.domain.visibility import Viewer, can_see
from tests.support.domain import DEBIAN, DEBIAN_LINES

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ATTACHED = "The customer attached the Helpline agent."


# What the agent reports ------------------------------------------------------------------


def test_a_reported_detail_is_one_clean_line_of_at_most_80_characters() -> None:
    assert (
        clean_client_detail("  Debian GNU/Linux 12\t(bookworm) ")
        == "Debian GNU/Linux 12 (bookworm)"
    )
    assert clean_client_detail("db-01\u202e\nprod\x00") == "db-01 prod"
    assert clean_client_detail("k" * 200) == "k" * 80
    assert clean_client_detail(None) == clean_client_detail(42) == ""


def session_on(client: ClientInfo) -> SupportSession:
    return SupportSession(1, "ABCD-0001", None, SessionStatus.ACTIVE, T0, "Dana", "", client)


def test_a_chat_log_header_names_what_the_agent_reported_and_leaves_out_the_unknown() -> None:
    lines = header_lines(session_on(DEBIAN), None)

    assert lines[6:] == DEBIAN_LINES
    browser = header_lines(session_on(ClientInfo(os="Windows 10", browser="Chrome 131")), None)
    assert browser[6:] == [
        "Operating system: Windows 10",
        "Browser: Chrome 131",
        "Connected with: Web browser",
    ]


# Online ------------------------------------------------------------------------------------


def test_a_mark_stays_fresh_for_three_heartbeats() -> None:
    assert stale_before(T0, 25) == T0 - timedelta(seconds=75)
    assert is_fresh(T0 - timedelta(seconds=75), T0, 25)
    assert not is_fresh(T0 - timedelta(seconds=76), T0, 25)


# The attach link -----------------------------------------------------------------------------


def test_the_attach_command_quotes_the_link_for_a_shell() -> None:
    url = attach_url("https://help.example.com/", "s3cr3t_-x")

    assert url == "https://help.example.com/attach#s3cr3t_-x"
    assert (
        attach_command(url) == "helpline agent attach 'https://help.example.com/attach#s3cr3t_-x'"
    )


def test_an_attach_link_works_once_and_until_it_expires() -> None:
    link = AgentLink(1, b"h", T0, T0 + timedelta(minutes=10))
    check_redeemable(link, T0 + timedelta(minutes=9))

    with pytest.raises(Expired, match="expired"):
        check_redeemable(link, T0 + timedelta(minutes=10))
    used = AgentLink(1, b"h", T0, T0 + timedelta(minutes=10), used_at=T0)
    with pytest.raises(Expired, match="already used"):
        check_redeemable(used, T0)


def test_everyone_reads_that_the_agent_attached() -> None:
    note = seal(agent_attached_note(), ())

    assert note.body == {"action": "agent_attached", "text": ATTACHED}
    assert note.audience.kind is AudienceKind.EVERYONE


# What became of a pushed URL ----------------------------------------------------------------------


def test_a_url_not_opened_is_a_note_for_representatives_named_after_its_push() -> None:
    note = seal(not_opened_note(12, "https://example.com/fix"), ())

    assert note.audience.kind is AudienceKind.REPRESENTATIVES
    assert note.client_id == "url-12-not-opened"
    assert note.body == {
        "action": "url_not_opened",
        "url": "https://example.com/fix",
        "pushed_seq": 12,
        "text": (
            "Could not open a browser on the customer's computer; "
            "the link is shown to them instead."
        ),
    }
    # The customer never receives it.
    event = Event.from_draft(note, 1, 13, T0)
    assert not can_see(Viewer.customer(), event)
    assert can_see(Viewer.representative(3), event)


# No display to share ----------------------------------------------------------------------------


def screen_request() -> ConsentRequest:
    return ConsentRequest("r1", ConsentKind.SCREEN, 3, "Bob")


def test_declining_for_lack_of_a_display_says_so() -> None:
    request = screen_request()
    reason = check_decline_reason(request, False, "no_display")

    note = seal(answer_note(request.answered(False), "Dana", reason), ())

    assert reason is DeclineReason.NO_DISPLAY
    assert note.body["text"] == "The customer's computer has no display to share."
    assert note.body["answer"] == "declined" and note.body["reason"] == "no_display"


def test_an_answer_without_a_reason_reads_as_before() -> None:
    request = screen_request()
    assert check_decline_reason(request, False, None) is None
    note = seal(answer_note(request.answered(False), "Dana"), ())
    assert note.body["text"] == "Dana declined the request to see the customer's screen."
    assert "reason" not in note.body


@pytest.mark.parametrize(
    ("kind", "allow", "reason", "complaint"),
    [
        (ConsentKind.SCREEN, False, "too_shy", "'no_display', 'timeout' or 'unattended'"),
        (ConsentKind.SCREEN, False, 7, "'no_display', 'timeout' or 'unattended'"),
        (ConsentKind.SCREEN, True, "no_display", "allow false"),
        (ConsentKind.CREDENTIALS, True, "timeout", "allow false"),
        (ConsentKind.FILE, False, "no_display", "see the screen only"),
    ],
)
def test_no_other_reason_and_no_display_only_to_decline_a_screen(
    kind: ConsentKind, allow: bool, reason: object, complaint: str
) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        check_decline_reason(ConsentRequest("r", kind, 3, "Bob"), allow, reason)


@pytest.mark.parametrize("kind", list(ConsentKind))
def test_a_request_nobody_answered_is_declined_and_says_so(kind: ConsentKind) -> None:
    request = ConsentRequest("r", kind, 3, "Bob")
    why = check_decline_reason(request, False, "timeout")
    note = seal(answer_note(request.answered(False), "Dana", why), ())
    assert note.body["reason"] == "timeout"
    assert note.body["answer"] == "declined"
    assert "Nobody answered the request" in str(note.body["text"])
