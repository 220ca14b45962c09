"""The agent reads every frame docs/protocol.md lists for a customer's socket, as the
server writes it, and refuses a malformed one with a sentence that says what is wrong;
the bodies of the events it acts on are read the same way."""

from __future__ import annotations

import logging
import typing
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from helpline.agent.events import Consents, Event, live_pushed_url
from helpline.agent.frames import FrameRefused, read_frame, read_session, text_of
from helpline.agent.offers import Offers
from helpline.agent.tasks import TaskRequest
from helpline.domain.visibility import Viewer
from helpline.protocol import server_frames as sent
from helpline.protocol.client_frames import Consent, Send, Subscribe
from helpline.server import wire
from tests.support.domain import a_session
from tests.unit.test_transcript import TEAM, a_day

PROTOCOL = Path(__file__).resolve().parents[2] / "docs/protocol.md"
CUSTOMER = Viewer.customer()


def customer_socket_frames() -> set[str]:
    """The ``type`` of every frame docs/protocol.md's "Server to client" table lists
    for a customer's socket: all but the console's (and the console's welcome)."""
    protocol = PROTOCOL.read_text()
    table = protocol.split("### Server to client\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    kinds = set()
    for row in table.splitlines():
        if not row.startswith("| `{"):
            continue
        shape, when = row.removeprefix("| ").split(" | ", 1)
        if when.startswith("console:") or '"role": "representative"' in shape:
            continue
        tag = shape.split('"type": "', 1)[1].split('"', 1)[0]
        kinds.add(tag)
    return kinds


def frames_the_server_writes() -> list[sent.ServerFrame]:
    """One of each frame a customer's socket gets, made by the server's own code."""
    session = wire.session_view(CUSTOMER, a_session(), TEAM, None)
    events = [wire.event_view(CUSTOMER, event) for event in a_day()]
    return [
        sent.CustomerWelcome(session=session, heartbeat_seconds=25),
        sent.Subscribed(session=session, last_seq=3),
        sent.Replayed(session="7KQM-2XPD", last_seq=3),
        *(sent.EventFrame(session="7KQM-2XPD", event=e) for e in events if e is not None),
        sent.Ack(session="7KQM-2XPD", client_id="c1", seq=4, duplicate=False),
        sent.SessionFrame(session=session),
        sent.ScreenWatch(session="7KQM-2XPD"),
        sent.AgentOffer(session="7KQM-2XPD", command="helpline agent attach '...'", expires_at="x"),
        sent.Heartbeat(),
        sent.Pong(),
        sent.ErrorFrame(code="forbidden", message="No."),
        sent.ErrorFrame(
            code="rate_limited", message="Slow.", session="7KQM-2XPD", client_id="c", retry_after=5
        ),
    ]


def tag(frame: type[msgspec.Struct]) -> str:
    return str(frame.__struct_config__.tag)


def test_the_agent_reads_exactly_the_frames_the_protocol_lists_for_a_customer() -> None:
    read = {
        tag(typing.get_origin(kind) or kind) for kind in typing.get_args(sent.CustomerServerFrame)
    }
    assert {"welcome", "event", "ack", "error", "screen_watch"} <= read
    assert read == customer_socket_frames()
    made = {tag(type(frame)) for frame in frames_the_server_writes()}
    assert made == read, "a frame the agent reads has no example here"


@pytest.mark.parametrize("frame", frames_the_server_writes(), ids=lambda f: tag(type(f)))
def test_every_frame_the_server_writes_for_a_customer_reads_back_the_same(
    frame: sent.ServerFrame,
) -> None:
    assert read_frame(wire.frame_text(frame)) == frame


def test_what_the_agent_sends_is_what_the_server_reads() -> None:
    assert msgspec.json.decode(text_of(Subscribe(session="S", after=7))) == {
        "type": "subscribe",
        "session": "S",
        "after": 7,
    }
    said = msgspec.json.decode(text_of(Send(session="S", client_id="c1", text="hi")))
    assert said["type"] == "send" and said["text"] == "hi" and said["client_id"] == "c1"
    answer = msgspec.json.decode(text_of(Consent(session="S", request="r", allow=False)))
    assert answer["type"] == "consent" and answer["allow"] is False


A_SESSION = msgspec.json.encode(wire.session_view(CUSTOMER, a_session(), TEAM, None)).decode()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"type": "ack", "session": "S", "client_id": "c", "duplicate": false}', "`seq`"),
        (
            '{"type": "ack", "session": "S", "client_id": "c", "seq": "4", "duplicate": false}',
            "$.seq",
        ),
        (
            '{"type": "welcome", "role": "customer", "session": '
            + A_SESSION
            + ', "heartbeat_seconds": "25"}',
            "$.heartbeat_seconds",
        ),
        ('{"type": "welcome", "role": "customer", "heartbeat_seconds": 25}', "`session`"),
        ('{"type": "subscribed", "session": {"id": "S"}, "last_seq": 1}', "$.session"),
        ('{"type": "event", "session": "S", "event": {"seq": 1}}', "$.event"),
        (
            '{"type": "error", "code": "rate_limited", "message": "m", "retry_after": "5"}',
            "$.retry_after",
        ),
        ('{"session": "S"}', "`type`"),
        ("[1, 2]", "array"),
        ('{"type": 7}', "$.type"),
    ],
)
def test_a_malformed_frame_is_refused_with_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises(FrameRefused) as refused:
        read_frame(text)
    assert "malformed" in str(refused.value) and named in str(refused.value)
    assert not refused.value.unknown_type


def test_text_that_is_not_json_is_refused_as_such() -> None:
    with pytest.raises(FrameRefused, match="not JSON"):
        read_frame('{"type": "ack",')


@pytest.mark.parametrize("kind", ["queue", "assigned", "invitation", "something_newer"])
def test_a_frame_of_a_type_the_agent_does_not_read_is_told_apart(kind: str) -> None:
    with pytest.raises(FrameRefused, match=kind) as refused:
        read_frame(f'{{"type": "{kind}", "id": 1}}')
    assert refused.value.unknown_type


def test_a_session_from_an_http_answer_is_read_or_left_out() -> None:
    body = {"session": msgspec.json.decode(A_SESSION)}
    session = read_session(body)
    assert session is not None and session.status == "active"
    assert read_session({"session": {"id": "S"}}) is None
    assert read_session({}) is None and read_session(None) is None


# ------------------------------------------------------------ the bodies acted on


def note(seq: int, kind: str, body: dict[str, object]) -> Event:
    return Event(
        seq, datetime(2026, 12, 3, 9, 5, 7, tzinfo=UTC), kind, "representative", "Bob", body
    )


def test_a_consent_request_without_its_id_is_logged_and_not_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consents = Consents()
    with caplog.at_level(logging.WARNING):
        consents.see(note(3, "consent_requested", {"consent": "screen"}))
        consents.see(note(4, "consent_requested", {"request_id": 9, "consent": "screen"}))
    assert consents.waiting() == []
    assert "consent_requested event 3" in caplog.text and "`request_id`" in caplog.text
    assert "consent_requested event 4" in caplog.text
    consents.see(note(5, "consent_requested", {"request_id": "r1", "consent": "screen"}))
    assert [r.request_id for r in consents.waiting()] == ["r1"]


def test_a_pushed_url_that_is_not_text_is_logged_and_not_opened(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        pushed = note(8, "status", {"action": "url_pushed", "url": ["https://example.com"]})
        assert live_pushed_url(pushed, live_after=2) is None
    assert "url_pushed event 8" in caplog.text
    good = note(9, "status", {"action": "url_pushed", "url": "https://example.com"})
    assert live_pushed_url(good, live_after=2) == "https://example.com"


def test_a_file_offer_without_a_whole_number_id_or_size_is_logged_and_not_offered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    offers = Offers()
    with caplog.at_level(logging.WARNING):
        assert offers.see(note(2, "status", {"action": "file_offered", "name": "a.txt"})) is None
        offered = {"action": "file_offered", "file_id": 4, "size": "12"}
        assert offers.see(note(3, "status", offered)) is None
        assert offers.see(note(4, "status", {"action": "file_accepted", "file_id": "4"})) is None
    assert offers.all() == []
    assert "file_offered event 2" in caplog.text and "file_accepted event 4" in caplog.text
    offer = offers.see(note(5, "status", {"action": "file_offered", "file_id": 4, "size": 12}))
    assert offer is not None and offer.name == "file" and offer.size == 12


def test_a_task_request_without_its_task_is_logged_and_not_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert TaskRequest.from_body({"task_id": 7}, "the task_requested event 6") is None
        assert TaskRequest.from_body({"task_id": 7, "task": "reboot", "service": 3}) is None
    assert "task_requested event 6" in caplog.text and "`task`" in caplog.text
    assert "$.service" in caplog.text
