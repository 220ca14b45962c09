"""Webhooks: who hears what, how a call is signed, and how long a failed one waits
(``helpline.domain.webhooks``)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from helpline.domain.errors import InvalidInput
from helpline.domain.webhooks import (
    MAX_ATTEMPTS,
    Webhook,
    WebhookEvent,
    check_endpoint_url,
    check_events,
    retry_after,
    signature,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def hook(portal_id: int | None = None, enabled: bool = True) -> Webhook:
    events = frozenset({WebhookEvent.SESSION_ENDED})
    return Webhook(1, "https://tickets.example/hook", events, portal_id, "s3cret", NOW, enabled)


def test_a_team_endpoint_hears_every_portal_and_a_portal_s_only_its_own() -> None:
    ended = WebhookEvent.SESSION_ENDED
    assert hook().wants(ended, 7)
    assert hook().wants(ended, None)
    assert hook(portal_id=7).wants(ended, 7)
    assert not hook(portal_id=7).wants(ended, 8)
    assert not hook(portal_id=7).wants(ended, None)


def test_an_endpoint_hears_only_its_events_and_nothing_while_switched_off() -> None:
    assert not hook().wants(WebhookEvent.SESSION_STARTED, None)
    assert not hook(enabled=False).wants(WebhookEvent.SESSION_ENDED, None)


def test_the_signature_is_what_a_receiver_computes_from_the_secret() -> None:
    body = b'{"event":"session.ended"}'
    expected = hmac.new(b"s3cret", b"1764925200." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1764925200, body) == f"t=1764925200,v1={expected}"
    assert signature("other", 1764925200, body) != signature("s3cret", 1764925200, body)
    assert signature("s3cret", 1764925201, body) != signature("s3cret", 1764925200, body)


def test_a_failed_call_waits_six_times_longer_each_time_then_is_given_up() -> None:
    waits = [retry_after(attempts, 10.0) for attempts in range(1, MAX_ATTEMPTS + 1)]
    assert waits == [10.0, 60.0, 360.0, 2160.0, 12960.0, None]


def test_events_are_named_as_the_receiver_reads_them() -> None:
    assert check_events(["session.started", "session.ended"]) == {
        WebhookEvent.SESSION_STARTED,
        WebhookEvent.SESSION_ENDED,
    }
    with pytest.raises(InvalidInput, match="Choose at least one event"):
        check_events([])
    with pytest.raises(InvalidInput, match=r"^The events are session\.started"):
        check_events(["session.deleted"])


def test_an_endpoint_is_an_http_address_and_the_refusal_speaks_of_webhooks() -> None:
    assert check_endpoint_url("https://tickets.example/hook") == "https://tickets.example/hook"
    with pytest.raises(InvalidInput) as refused:
        check_endpoint_url("javascript:alert(1)")
    assert "push" not in refused.value.message
