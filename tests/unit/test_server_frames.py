"""What the server sends and what its processes tell each other, as declared types."""

from __future__ import annotations

import json
from dataclasses import replace

import msgspec

from helpline.domain.portals import Portal
from helpline.domain.visibility import Viewer
from helpline.protocol import server_frames
from helpline.server import records, wire
from tests.support.domain import a_session
from tests.unit.test_transcript import TEAM, a_day

REPRESENTATIVES_ONLY = {"internal", "masked", "to", "id", "present", "outcome", "end_notes"}


def declared(struct: type[msgspec.Struct]) -> set[str]:
    return {field.encode_name for field in msgspec.structs.fields(struct)}


def test_the_customer_s_copies_have_no_field_for_what_only_representatives_read() -> None:
    for struct in (
        server_frames.CustomerEvent,
        server_frames.CustomerAuthor,
        server_frames.CustomerAttendee,
    ):
        assert not declared(struct) & REPRESENTATIVES_ONLY, struct
    # The session's own "id" is its public ID, which the customer has.
    assert not declared(server_frames.CustomerSession) & (REPRESENTATIVES_ONLY - {"id"})
    assert {"internal", "masked", "to"} <= declared(server_frames.RepEvent)


def test_the_customer_gets_the_customer_s_types_and_a_representative_the_others() -> None:
    session = a_session()
    customer, alice = Viewer.customer(), Viewer.representative(1)
    assert type(wire.session_view(customer, session, TEAM, None)) is server_frames.CustomerSession
    assert type(wire.session_view(alice, session, TEAM, None)) is server_frames.RepSession
    shown = [wire.event_view(customer, event) for event in a_day()]
    assert {type(event) for event in shown if event is not None} == {server_frames.CustomerEvent}


def test_a_field_left_out_is_absent_and_a_field_without_value_is_null() -> None:
    error = json.loads(wire.frame_text(server_frames.ErrorFrame(code="forbidden", message="No.")))
    assert error == {"type": "error", "code": "forbidden", "message": "No."}
    session = a_session()
    body = json.loads(
        wire.frame_text(
            server_frames.SessionFrame(
                session=wire.session_view(
                    Viewer.representative(1), session, TEAM, Portal(1, "acme", "Acme")
                )
            )
        )
    )["session"]
    assert body["ended_at"] is None and body["outcome"] is None
    assert body["portal"] == {"slug": "acme", "name": "Acme"}
    customer_copy = wire.session_view(Viewer.customer(), session, TEAM, None)
    assert "outcome" not in wire.as_dict(customer_copy)


def test_every_event_and_session_crosses_the_bus_unchanged() -> None:
    for event in a_day():
        data = wire.message_bytes(records.EventAppended(e=wire.event_record(event)))
        message = wire.read_message(data)
        assert isinstance(message, records.EventAppended)
        assert wire.event_from_record(message.e) == event
    session = replace(a_session(), ended_by="Alice", extra=(("email", "dana@example.com"),))
    data = wire.message_bytes(records.SessionChanged(s=wire.session_record(session, TEAM)))
    message = wire.read_message(data)
    assert isinstance(message, records.SessionChanged) and not message.presence
    assert wire.session_from_record(message.s) == (session, TEAM)


def test_a_record_from_a_process_that_predates_the_agent_still_reads() -> None:
    record = msgspec.to_builtins(wire.session_record(a_session(), TEAM))
    for added in ("kernel", "arch", "host", "user", "app", "online", "outcome", "end_notes"):
        del record[added]
    message = wire.read_message(json.dumps({"t": "session", "s": record}).encode())
    assert isinstance(message, records.SessionChanged)
    session, _ = wire.session_from_record(message.s)
    assert (session.client.kernel, session.client.app.value) == ("", "browser")


def test_a_bus_message_of_a_kind_this_process_does_not_know_is_ignored() -> None:
    assert wire.read_message(b'{"t": "typing", "session": 3}') is None
