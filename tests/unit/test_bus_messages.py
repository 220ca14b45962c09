"""An event a process publishes reaches its own sockets exactly as it reaches a process
that hears the bytes on Redis and decodes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.events import Audience, AudienceKind, Author, AuthorKind, Event, EventKind
from helpline.server import bus_messages, wire
from helpline.server.records import EventAppended

_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), _texts)


@st.composite
def events(draw: st.DrawFn) -> Event:
    private = draw(st.booleans())
    rep_author = draw(st.booleans())
    zone = timezone(timedelta(minutes=draw(st.integers(-720, 720))))
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=draw(st.integers(0, 10**15)))
    return Event(
        session_id=draw(st.integers(1, 2**31)),
        seq=draw(st.integers(1, 2**40)),
        created_at=moment.astimezone(zone),
        kind=draw(st.sampled_from(EventKind)),
        audience=Audience(AudienceKind.ONE, 7)
        if private
        else Audience(draw(st.sampled_from([AudienceKind.EVERYONE, AudienceKind.REPRESENTATIVES]))),
        author=Author(AuthorKind.REPRESENTATIVE, draw(_texts), 3)
        if rep_author
        else Author(draw(st.sampled_from([AuthorKind.CUSTOMER, AuthorKind.SYSTEM])), draw(_texts)),
        body=draw(st.dictionaries(_texts, _scalars, max_size=4)),
        internal=draw(st.dictionaries(_texts, _scalars, max_size=3)),
        reveals_masked=draw(st.booleans()),
        client_id=draw(st.one_of(st.none(), _texts)),
        chain_hash=draw(
            st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64))
        ),
    )


def _as_decoded_elsewhere(data: bytes) -> Event:
    message = wire.read_message(data)
    assert isinstance(message, EventAppended)
    return wire.event_from_record(message.e)


@given(events())
def test_an_event_published_here_is_what_another_process_decodes(event: Event) -> None:
    data = bus_messages.event_appended(event)
    payload, kept = bus_messages.decoded(data)
    elsewhere = _as_decoded_elsewhere(data)

    # What this process keeps, not a decode of its own bytes, is what its sockets get.
    assert kept == bus_messages.as_heard(event) == elsewhere
    assert kept is not None
    # Fields equality leaves out, one by one.
    assert kept.created_at == elsewhere.created_at
    assert kept.created_at.utcoffset() == elsewhere.created_at.utcoffset() == timedelta(0)
    assert kept.chain_hash is None and elsewhere.chain_hash is None
    assert type(kept.body) is type(elsewhere.body) is dict
    assert isinstance(payload, EventAppended)
    assert wire.message_bytes(payload) == data


def test_bytes_this_process_did_not_publish_are_decoded_and_then_kept() -> None:
    event = Event(
        session_id=1,
        seq=2,
        created_at=datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC),
        kind=EventKind.MESSAGE,
        audience=Audience(AudienceKind.EVERYONE),
        author=Author(AuthorKind.CUSTOMER, "Dana"),
        body={"text": "heard from another process"},
    )
    heard = wire.message_bytes(EventAppended(e=wire.event_record(event)))
    payload, decoded = bus_messages.decoded(bytes(heard))
    assert isinstance(payload, EventAppended)
    assert decoded == _as_decoded_elsewhere(heard)
    assert decoded is not None and decoded.created_at.microsecond == 456000
    again = bus_messages.decoded(bytes(heard))
    assert again[1] is decoded


def test_a_kind_of_message_this_process_does_not_know_is_none() -> None:
    assert bus_messages.decoded(b'{"type":"from_a_newer_process","x":1}') == (None, None)
