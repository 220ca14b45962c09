"""Consent, as the domain rules it: what a representative may ask and when, how the
customer (or their client, by itself) answers, which permissions last for the session
and how they are taken back, and what everyone reads of each step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.consent import (
    AGENT_ONLY,
    GRANTS,
    ConsentKind,
    ConsentRequest,
    ConsentState,
    DeclineReason,
    answer_note,
    check_consent_kind_for_ask,
    check_decline_reason,
    check_may_ask,
    check_plain_answer,
    request_note,
    revoke_note,
    screen_note,
)
from helpline.domain.drafting import Draft, seal
from helpline.domain.errors import Conflict, InvalidInput, NeedsAgent
from helpline.domain.events import AudienceKind, EventKind
from tests.support.domain import CUSTOMER, a_rep, as_events, attending, customer_reads, rep_reads

BOB = a_rep(2, "Bob")
CAROL = a_rep(3, "Carol")
ASKS = {
    ConsentKind.SCREEN: "to see the customer's screen",
    ConsentKind.FILE: "to send the customer a file",
    ConsentKind.URL: "to open a web page on the customer's computer",
    ConsentKind.CREDENTIALS: "for the customer's login credentials",
    ConsentKind.SERVICE: "to run the support agent as a service",
    ConsentKind.DIAGNOSTICS: "for system information about the customer's computer",
}


def request(kind: ConsentKind = ConsentKind.SCREEN) -> ConsentRequest:
    return ConsentRequest("r1", kind, BOB.id, "Bob")


def read_by_customer(draft: Draft, *, bob_masked: bool = False) -> list[str]:
    return customer_reads(as_events([seal(draft, [attending(BOB, masked=bob_masked)])]))


# Asking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ConsentKind))
def test_the_customer_reads_who_asks_for_what(kind: ConsentKind) -> None:
    draft = request_note(request(kind))

    assert draft.kind is EventKind.CONSENT_REQUESTED
    assert draft.body == {"request_id": "r1", "consent": kind.value}
    assert read_by_customer(draft) == [f"Bob asks {ASKS[kind]}."]


def test_a_masked_representative_asks_as_a_representative() -> None:
    draft = request_note(request())
    events = as_events([seal(draft, [attending(BOB, masked=True), attending(CAROL)])])

    assert customer_reads(events) == ["A representative asks to see the customer's screen."]
    assert rep_reads(CAROL.id, events) == ["Bob asks to see the customer's screen."]


@pytest.mark.parametrize("kind", sorted(AGENT_ONLY))
def test_what_only_the_agent_can_do_is_not_asked_of_a_browser(kind: ConsentKind) -> None:
    with pytest.raises(
        NeedsAgent,
        match=r"^This needs the Helpline agent on the customer's computer; "
        r"send the agent to the customer first\.$",
    ):
        check_may_ask(kind, agent=False, pending=False, granted=False)
    check_may_ask(kind, agent=True, pending=False, granted=False)


@pytest.mark.parametrize("kind", [ConsentKind.SCREEN, ConsentKind.FILE, ConsentKind.URL])
def test_a_browser_can_be_asked_for_the_screen_a_file_or_a_web_page(kind: ConsentKind) -> None:
    check_may_ask(kind, agent=False, pending=False, granted=False)


def test_one_request_of_a_kind_waits_at_a_time() -> None:
    with pytest.raises(
        Conflict, match=r"^The customer has not answered the last request of this kind yet\.$"
    ):
        check_may_ask(ConsentKind.SCREEN, agent=True, pending=True, granted=False)


def test_a_permission_in_force_is_not_asked_for_again() -> None:
    with pytest.raises(
        Conflict, match=r"^The customer has already allowed this for the session\.$"
    ):
        check_may_ask(ConsentKind.CREDENTIALS, agent=True, pending=False, granted=True)


def test_needing_the_agent_is_said_before_anything_else() -> None:
    with pytest.raises(NeedsAgent):
        check_may_ask(ConsentKind.SERVICE, agent=False, pending=True, granted=True)


@pytest.mark.parametrize(
    "kind", [ConsentKind.DIAGNOSTICS, ConsentKind.CREDENTIALS, ConsentKind.SERVICE]
)
def test_the_consents_route_asks_for_system_information_credentials_or_the_service(
    kind: ConsentKind,
) -> None:
    assert check_consent_kind_for_ask(kind) is kind


@pytest.mark.parametrize("kind", [ConsentKind.SCREEN, ConsentKind.FILE, ConsentKind.URL])
def test_the_consents_route_sends_other_requests_elsewhere(kind: ConsentKind) -> None:
    with pytest.raises(InvalidInput, match=r"^Ask for 'diagnostics', 'credentials' or 'service'"):
        check_consent_kind_for_ask(kind)


# Answering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("allow", [True, False])
def test_a_request_is_answered_once(allow: bool) -> None:
    answered = request().answered(allow)

    assert answered.state is (ConsentState.ALLOWED if allow else ConsentState.DECLINED)
    with pytest.raises(Conflict, match=r"^This request was already answered\.$"):
        answered.answered(not allow)


@pytest.mark.parametrize("kind", list(ConsentKind))
def test_everyone_reads_the_customer_s_answer(kind: ConsentKind) -> None:
    allowed = answer_note(request(kind).answered(True), CUSTOMER)
    declined = answer_note(request(kind).answered(False), CUSTOMER)

    assert read_by_customer(allowed) == [f"Dana allowed the request {ASKS[kind]}."]
    assert read_by_customer(declined) == [f"Dana declined the request {ASKS[kind]}."]
    assert allowed.kind is EventKind.CONSENT_ANSWERED
    assert allowed.body == {"request_id": "r1", "consent": kind.value, "answer": "allowed"}


def test_a_request_nobody_can_answer_at_an_unattended_computer_says_why() -> None:
    screen = request().answered(False)
    why = check_decline_reason(screen, False, "unattended")

    note = answer_note(screen, CUSTOMER, why)

    assert why is DeclineReason.UNATTENDED
    assert read_by_customer(note) == [
        "The request to see the customer's screen was declined: nobody is at the agent's "
        "window on that computer, where only its service runs."
    ]
    assert note.body["reason"] == "unattended"


def test_a_request_nobody_answered_in_time_names_what_was_asked() -> None:
    url = request(ConsentKind.URL).answered(False)
    note = answer_note(url, CUSTOMER, DeclineReason.TIMEOUT)

    assert read_by_customer(note) == [
        "Nobody answered the request to open a web page on the customer's computer in time, "
        "so it was declined."
    ]


@pytest.mark.parametrize("kind", list(ConsentKind))
def test_unattended_and_timeout_decline_any_kind_of_request(kind: ConsentKind) -> None:
    for reason in ("unattended", "timeout"):
        assert check_decline_reason(request(kind), False, reason) is DeclineReason(reason)


def test_unattended_is_a_reason_to_decline_only() -> None:
    with pytest.raises(
        InvalidInput, match=r"^'unattended' is a reason to decline: send it with allow false\.$"
    ):
        check_decline_reason(request(), True, "unattended")


def test_system_information_is_allowed_only_by_sending_it() -> None:
    with pytest.raises(InvalidInput, match=r"^Allow a request for system information by sending"):
        check_plain_answer(request(ConsentKind.DIAGNOSTICS), True)
    check_plain_answer(request(ConsentKind.DIAGNOSTICS), False)


@pytest.mark.parametrize("kind", sorted(set(ConsentKind) - {ConsentKind.DIAGNOSTICS}))
def test_every_other_request_is_allowed_with_a_plain_yes(kind: ConsentKind) -> None:
    check_plain_answer(request(kind), True)


def test_everyone_reads_when_screen_sharing_starts_and_stops() -> None:
    assert read_by_customer(screen_note("screen_started", CUSTOMER)) == [
        "Dana started sharing their screen."
    ]
    assert read_by_customer(screen_note("screen_stopped", CUSTOMER)) == [
        "Dana stopped sharing their screen."
    ]


# Grants ----------------------------------------------------------------------------------------


def test_login_credentials_and_the_service_are_the_permissions_that_last() -> None:
    assert {ConsentKind.CREDENTIALS, ConsentKind.SERVICE} == GRANTS


@pytest.mark.parametrize("kind", sorted(GRANTS))
def test_the_customer_takes_back_a_permission_in_force_and_everyone_reads_it(
    kind: ConsentKind,
) -> None:
    revoked = request(kind).answered(True).revoked()

    note = revoke_note(revoked, CUSTOMER)

    assert revoked.state is ConsentState.REVOKED
    what = {
        ConsentKind.CREDENTIALS: "to use the customer's login credentials",
        ConsentKind.SERVICE: "to run the support agent as a service",
    }[kind]
    assert read_by_customer(note) == [f"Dana withdrew the permission {what}."]
    assert note.body == {"action": "consent_revoked", "request_id": "r1", "consent": kind.value}


@pytest.mark.parametrize("kind", sorted(set(ConsentKind) - GRANTS))
def test_a_one_off_permission_cannot_be_revoked(kind: ConsentKind) -> None:
    with pytest.raises(
        InvalidInput, match=r"^Only login credentials and the service can be revoked\.$"
    ):
        request(kind).answered(True).revoked()


@pytest.mark.parametrize(
    "state", [ConsentState.PENDING, ConsentState.DECLINED, ConsentState.REVOKED]
)
def test_only_a_permission_in_force_can_be_revoked(state: ConsentState) -> None:
    grant = ConsentRequest("r1", ConsentKind.CREDENTIALS, BOB.id, "Bob", state)
    with pytest.raises(Conflict, match=r"^Only a permission that is in force can be revoked\.$"):
        grant.revoked()


# Everyone reads every step -----------------------------------------------------------------


@st.composite
def consent_steps(draw: st.DrawFn) -> Draft:
    kind = draw(st.sampled_from(ConsentKind))
    asked = request(kind)
    answered = asked.answered(draw(st.booleans()))
    reason = draw(st.sampled_from([None, DeclineReason.TIMEOUT, DeclineReason.UNATTENDED]))
    steps = [request_note(asked), answer_note(answered, CUSTOMER, reason)]
    if kind in GRANTS:
        steps.append(revoke_note(asked.answered(True).revoked(), CUSTOMER))
    return draw(st.sampled_from(steps))


@given(consent_steps(), st.booleans())
def test_the_customer_reads_every_consent_step_even_from_a_masked_representative(
    step: Draft, bob_masked: bool
) -> None:
    note = seal(step, [attending(BOB, masked=bob_masked)])

    assert note.audience.kind is AudienceKind.EVERYONE
    assert not note.reveals_masked
    shown = read_by_customer(step, bob_masked=bob_masked)
    assert len(shown) == 1
    if bob_masked:
        assert "Bob" not in shown[0]
