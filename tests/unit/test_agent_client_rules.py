"""The agent's pure rules: the outbox, reconnecting, events, joining input, offers,
the status line, the screen frame format, and where a browser can open."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from helpline.agent import reconnect
from helpline.agent.browser import can_open
from helpline.agent.connection import ConnectionState, Phase
from helpline.agent.events import Consents, Event, SeqTracker, event_line, live_pushed_url
from helpline.agent.joining import JoinInputError, parse_attach, parse_join, parse_portal
from helpline.agent.offers import Offers, OfferState
from helpline.agent.outbox import MAX_STRIKES, EntryState, Outbox
from helpline.agent.screen import THUMBNAIL, encode_frame, fit_width
from helpline.agent.status import status_text
from helpline.agent.system import client_report
from helpline.agent.transfers import unique_path
from helpline.protocol.client_frames import Send

# ------------------------------------------------------------------ the outbox


def test_a_line_stays_until_its_event_and_is_resent_with_the_same_client_id() -> None:
    outbox = Outbox()
    entry = outbox.add("c1", "S", "hello")
    assert outbox.unacknowledged() == [entry]
    assert entry.frame() == Send(session="S", client_id="c1", kind="message", text="hello")
    acked = outbox.ack("c1", 7)
    assert acked is not None and acked.state is EntryState.ACKED
    assert outbox.unacknowledged() == []
    assert outbox.resolve("S", 7, None) is True
    assert len(outbox) == 0


def test_final_errors_fail_a_line_and_transient_ones_keep_it() -> None:
    outbox = Outbox()
    outbox.add("a", "S", "x" * 5000)
    outbox.add("b", "S", "later")
    failed = outbox.refuse("a", "too_large", "Too long.")
    kept = outbox.refuse("b", "rate_limited", "Slow down.")
    assert failed is not None and failed.state is EntryState.FAILED and failed.error == "Too long."
    assert kept is not None and kept.state is EntryState.PENDING and kept.error == "Slow down."
    assert [e.client_id for e in outbox.unacknowledged()] == ["b"]
    unavailable = outbox.refuse("b", "unavailable", "Try later.")
    assert unavailable is not None and unavailable.state is EntryState.PENDING


def test_a_line_the_server_fails_on_twice_is_given_up() -> None:
    outbox = Outbox()
    outbox.add("a", "S", "boom")
    for _ in range(MAX_STRIKES - 1):
        entry = outbox.strike("a")
        assert entry is not None and entry.state is EntryState.PENDING
    entry = outbox.strike("a")
    assert entry is not None and entry.state is EntryState.FAILED


def test_an_acknowledged_line_is_never_failed_and_an_event_with_our_id_resolves() -> None:
    outbox = Outbox()
    outbox.add("a", "S", "hi")
    outbox.ack("a", 3)
    entry = outbox.fail("a", "late error")
    assert entry is not None and entry.state is EntryState.ACKED
    outbox.add("b", "S", "again")
    assert outbox.resolve("S", 99, "b") is True
    assert [e.client_id for e in outbox.all()] == ["a"]


# ------------------------------------------------------------------ reconnecting


def test_backoff_doubles_from_one_second_to_thirty_with_jitter() -> None:
    assert reconnect.backoff_delay(0, lambda: 0.5) == 1.0
    assert reconnect.backoff_delay(3, lambda: 0.5) == 8.0
    assert reconnect.backoff_delay(10, lambda: 1.0) == 30.0
    assert reconnect.backoff_delay(0, lambda: 0.0) == 0.75
    assert reconnect.attempt_after_close(5, 25.0) == 0
    assert reconnect.attempt_after_close(5, 3.0) == 5
    assert reconnect.attempt_after_close(5, None) == 5


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (4002, reconnect.CloseAction.ENDED),
        (4001, reconnect.CloseAction.EXPIRED),
        (4003, reconnect.CloseAction.EXPIRED),
        (4008, reconnect.CloseAction.RECONNECT),
        (1011, reconnect.CloseAction.RECONNECT),
        (1006, reconnect.CloseAction.RECONNECT),
        (None, reconnect.CloseAction.RECONNECT),
    ],
)
def test_what_each_close_code_means(code: int | None, action: reconnect.CloseAction) -> None:
    assert reconnect.close_action(code) is action


# ------------------------------------------------------------------ events


def event(seq: int, kind: str = "status", **body: object) -> Event:
    return Event(seq, datetime(2026, 12, 3, 9, 5, 7, tzinfo=UTC), kind, "system", "Bob", body)


def test_seqs_are_counted_once_and_the_highest_is_remembered() -> None:
    tracker = SeqTracker()
    assert tracker.accept(3) and tracker.accept(1)
    assert not tracker.accept(3)
    assert tracker.last == 3 and tracker.seen(1) and not tracker.seen(2)


def test_only_a_live_pushed_http_url_is_opened() -> None:
    pushed = event(5, action="url_pushed", url="https://example.com/x")
    assert live_pushed_url(pushed, 4) == "https://example.com/x"
    assert live_pushed_url(pushed, 5) is None  # replayed
    assert live_pushed_url(pushed, None) is None  # before `subscribed`
    assert live_pushed_url(event(6, action="url_pushed", url="javascript:alert(1)"), 1) is None
    assert live_pushed_url(event(7, "message", action="url_pushed", url="https://a"), 1) is None


def test_a_request_waits_until_answered_or_the_session_ends() -> None:
    consents = Consents()
    consents.see(event(1, "consent_requested", request_id="r1", consent="screen"))
    assert [r.request_id for r in consents.waiting()] == ["r1"]
    consents.see(event(2, "consent_answered", request_id="r1"))
    assert consents.waiting() == []
    consents.see(event(3, "consent_requested", request_id="r2", consent="screen"))
    consents.see(event(4, action="ended"))
    assert consents.waiting() == []


def test_a_line_reads_like_the_chat_log() -> None:
    message = Event(9, datetime(2026, 12, 3, 9, 5, 7, tzinfo=UTC), "message", "customer", "Dana",
                    {"text": "one\ntwo"})  # fmt: skip
    assert event_line(message, UTC) == "[09:05:07] Dana: one\n    two"
    assert event_line(event(1, text="Bob joined."), UTC) == "[09:05:07] * Bob joined."


def test_files_fold_from_their_notes() -> None:
    offers = Offers()
    offered = Event(1, datetime.now(UTC), "status", "representative", "Bob",
                    {"action": "file_offered", "file_id": 4, "name": "a.pdf", "size": 10,
                     "sha256": "AB"})  # fmt: skip
    offer = offers.see(offered)
    assert offer is not None and offer.for_me and offer.sha256 == "ab"
    offers.see(event(2, action="file_completed", file_id=4))
    offers.see(event(3, action="file_accepted", file_id=4))  # an older state arrives late
    received = offers.get(4)
    assert received is not None and received.state is OfferState.RECEIVED
    assert offers.see(event(4, action="file_declined", file_id=99)) is None


# ------------------------------------------------------------------ joining input


def test_codes_and_links_are_read_as_people_paste_them() -> None:
    assert parse_join(" 123 456-789 ", "help.example.com").code == "123456789"
    assert parse_join("123456789", "help.example.com").server == "https://help.example.com"
    url = parse_join("http://127.0.0.1:8000/join/123456789", None)
    assert (url.server, url.code, url.link) == ("http://127.0.0.1:8000", "123456789", None)
    link = parse_join("https://h.example/join/123456789#link=s3cret", None)
    assert (link.server, link.code, link.link) == ("https://h.example", None, "s3cret")
    assert parse_portal("https://h.example/p/acme/") == ("https://h.example", "acme")
    assert parse_attach("https://h.example/attach#SECRET") == ("https://h.example", "SECRET")
    assert parse_attach("https://h.example/x#attach=S2") == ("https://h.example", "S2")
    with pytest.raises(JoinInputError, match="--server"):
        parse_join("123456789", None)
    with pytest.raises(JoinInputError, match="holds no session code"):
        parse_join("https://h.example/join", None)


# ------------------------------------------------------------------ status, screen, disk


def test_the_status_line_says_where_the_connection_stands() -> None:
    open_ = ConnectionState(Phase.OPEN)
    assert status_text(open_, "S", ["Bob"], False) == "Connected: session S with Bob."
    assert "waiting for a representative" in status_text(open_, "S", [], False)
    lost = ConnectionState(Phase.RECONNECTING, 2, retry_at=10.2, detail="connection refused")
    assert status_text(lost, "S", [], False, now=7.0) == (
        "Connection lost (connection refused): reconnecting in 4 s. What you type is kept "
        "and sent once connected."
    )
    ended = ConnectionState(Phase.CLOSED, reason="ended")
    assert status_text(ended, "S", [], True).startswith("Session S ended.")
    expired = ConnectionState(Phase.CLOSED, reason="expired")
    assert "Ask your representative for a new code" in status_text(expired, "S", [], False)


def test_a_screen_frame_has_the_protocols_layout() -> None:
    data = encode_frame(THUMBNAIL, "7KQM-2XPD", 320, 180, b"\xff\xd8\xffimage")
    (length,) = struct.unpack_from(">H", data, 1)
    assert data[0] == 1
    assert json.loads(data[3 : 3 + length]) == {"session": "7KQM-2XPD", "width": 320, "height": 180}
    assert data[3 + length :] == b"\xff\xd8\xffimage"
    assert fit_width(1920, 1080, 320) == (320, 180)
    assert fit_width(200, 100, 320) == (200, 100)


def test_a_browser_opens_only_where_one_can() -> None:
    assert can_open({"BROWSER": "firefox"}, "linux")
    assert can_open({"DISPLAY": ":0"}, "linux")
    assert can_open({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not can_open({}, "linux")  # over SSH: a text browser would take the terminal
    assert can_open({}, "darwin") and can_open({}, "win32")


def test_a_new_file_never_takes_an_existing_name(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "report.pdf").write_text("")
    (folder / "report (1).pdf").write_text("")
    (folder / "README").write_text("")
    assert unique_path(folder, "report.pdf").name == "report (2).pdf"
    assert unique_path(folder, "README").name == "README (1)"
    assert unique_path(folder, "new.txt").name == "new.txt"


def test_the_client_report_names_this_computer() -> None:
    report = client_report()
    assert set(report) == {"os", "kernel", "arch", "host", "user", "app", "browser"}
    assert report["app"] == "agent" and all(len(v) <= 80 for v in report.values())


def test_the_cli_loads_without_the_agents_packages() -> None:
    """`helpline serve` must not need Textual, mss, Pillow or httpx."""
    program = (
        "import sys, helpline.cli\n"
        "print(sorted(m for m in ('textual', 'mss', 'PIL', 'httpx') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
