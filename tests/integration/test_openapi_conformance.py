"""No input makes the API fail (issue #17): schemathesis over the whole OpenAPI document.

A real server process is tested as each kind of caller (a representative, a manager, a
customer with a bearer token), first operation by operation (schemathesis's examples,
coverage and fuzzing phases, through ``schema.parametrize()``), then along the
document's links with real ids (the stateful phase, ``schema.as_state_machine()``).
Every response must pass every check schemathesis runs by default: no 5xx, each status
and body as documented, schema-valid requests accepted, schema-invalid ones refused,
405 with a complete ``Allow`` for a method the document does not list.

A server error or a mismatch found here becomes a test of its own (test_api_edges.py).
``HELPLINE_SCHEMATHESIS_EXAMPLES`` runs more examples per operation (default 4).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis

from helpline.server.app import create_app
from helpline.server.settings import Settings
from tests.support.server import ServerProcess, running_across_tests

SEED = 17
EXAMPLES = int(os.environ.get("HELPLINE_SCHEMATHESIS_EXAMPLES", "4"))

# Every limit far away: a run makes hundreds of logins, sessions and wrong codes from
# one address, and a run that meets only 429s would test nothing.
GENEROUS = "1000000 per minute"
UNLIMITED = {
    f"HELPLINE_{name}": GENEROUS
    for name in (
        "LOGIN_LIMIT",
        "LOGIN_ADDRESS_LIMIT",
        "CODE_LIMIT",
        "CODE_BUDGET",
        "PORTAL_SESSION_LIMIT",
        "MESSAGE_LIMIT",
    )
}

# Rules that depend on what is stored, which JSON Schema cannot say; these operations
# may answer 422 invalid_input to a request the document calls valid (docs/protocol.md,
# "What the OpenAPI document guarantees"):
STATE_RULES = {
    # the idle thresholds stay in order, the second above the first, stored ones included
    "update_preferences",
    # only the fields that this portal asks for (GET /api/portals/{slug} lists them)
    "ask_for_help",
    # a script in a library of URLs must be a URL that can be pushed
    "create_script",
    "update_script",
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _config(headers: dict[str, str] | None = None) -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": headers or {},
            "generation": {
                "max-examples": EXAMPLES,
                # NUL and half a surrogate pair are refused in every string (422, see
                # inputs.py) and JSON Schema has no way to say "any string but those".
                "allow-x00": False,
                "codec": "utf-8",
                "database": "none",
            },
            "phases": {"stateful": {"max-steps": 12}},
            "operations": [
                {
                    "include-operation-id": sorted(STATE_RULES),
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}
                    },
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("openapi") / "data", extra_env=UNLIMITED)
    with running_across_tests(process):
        yield process


def _login(api: ServerProcess, username: str) -> dict[str, str]:
    origin = {"Origin": api.base_url}
    response = httpx.post(
        f"{api.base_url}/api/auth/login",
        json={"username": username, "password": "helpline-demo"},
        headers=origin,
    )
    assert response.status_code == 200, response.text
    return {**origin, "Cookie": f"helpline_console={response.cookies['helpline_console']}"}


@pytest.fixture(scope="module")
def representative(api: ServerProcess) -> dict[str, str]:
    return _login(api, "bob")


@pytest.fixture(scope="module")
def manager(api: ServerProcess) -> dict[str, str]:
    return _login(api, "alice")


@pytest.fixture(scope="module")
def customer(api: ServerProcess) -> tuple[dict[str, str], str]:
    """A customer's headers, and the id of the one session their token opens."""
    response = httpx.post(
        f"{api.base_url}/api/portals/acme/sessions",
        json={"name": "Dana", "query": "The printer is on fire"},
        headers={"Origin": api.base_url},
    )
    assert response.status_code == 201, response.text
    joined = response.json()
    headers = {"Origin": api.base_url, "Authorization": f"Bearer {joined['token']}"}
    return headers, joined["session"]["id"]


# Logging out ends the login a run acts with: every later request would answer 401 and
# test nothing. (Logging out is tested by test_chat_flow.py and test_sockets_close.py.)
LOGGED_IN_EXCLUDES = {"path": "/api/auth/logout"}

# The operations, one test each, are known when pytest collects: the document the app
# makes (test_the_served_document_is_the_one_tested checks that the server serves this
# one). schemathesis.pytest.from_fixture would load it from the server instead, but in
# 4.32.5 it sets pytest's Node._nodeid, which pytest 9.2 no longer has.
DOCUMENT = create_app(Settings()).openapi()
every_operation = schemathesis.openapi.from_dict(DOCUMENT, config=_config())
without_logout = every_operation.exclude(**LOGGED_IN_EXCLUDES)


@without_logout.parametrize()
def test_every_operation_as_a_representative(
    case: schemathesis.Case, api: ServerProcess, representative: dict[str, str]
) -> None:
    case.call_and_validate(base_url=api.base_url, headers=representative)


@without_logout.parametrize()
def test_every_operation_as_a_manager(
    case: schemathesis.Case, api: ServerProcess, manager: dict[str, str]
) -> None:
    case.call_and_validate(base_url=api.base_url, headers=manager)


@every_operation.parametrize()
def test_every_operation_as_a_customer(
    case: schemathesis.Case, api: ServerProcess, customer: tuple[dict[str, str], str]
) -> None:
    headers, session_id = customer
    if case.path_parameters and "public_id" in case.path_parameters:
        # A customer's token opens one session: with any other id every operation on a
        # session answers 403 or 404 and tests nothing of what a customer can do.
        case.path_parameters["public_id"] = session_id
    case.call_and_validate(base_url=api.base_url, headers=headers)


def test_the_served_document_is_the_one_tested(api: ServerProcess) -> None:
    served = httpx.get(f"{api.base_url}/openapi.json").json()
    assert served == DOCUMENT
    ids = {op["operationId"] for ops in served["paths"].values() for op in ops.values()}
    assert ids >= STATE_RULES, "an operation named in STATE_RULES is gone or renamed"


STATEFUL = hypothesis.settings(
    max_examples=EXAMPLES * 3,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    # No shrinking: the server's state has moved on, so a replayed scenario would not
    # meet the same answers (Hypothesis then reports a flaky strategy, not the failure).
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.reuse, hypothesis.Phase.generate],
)


def _follow_links(api: ServerProcess, headers: dict[str, str], **pinned: str) -> None:
    """``pinned``: path parameters that get this value whenever a step has them, where
    the document's links do not give a real one (the portal to ask for help on; the
    customer's own session)."""
    schema = schemathesis.openapi.from_url(f"{api.base_url}/openapi.json", config=_config(headers))
    if "Cookie" in headers:
        schema = schema.exclude(**LOGGED_IN_EXCLUDES)

    failures: list[BaseException] = []
    steps: list[str] = []

    class Machine(schema.as_state_machine()):
        def before_call(self, case: schemathesis.Case) -> None:
            for name, value in pinned.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            steps.append(case.operation.label)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            try:
                super().validate_response(response, case, **kwargs)
            except Exception as failure:
                failures.append(failure)
                raise

    for _ in range(3):
        try:
            Machine.run(settings=STATEFUL)
            break
        except hypothesis.errors.FlakyStrategyDefinition:
            # The server's state moves on (a code made, a limit reached), so when
            # Hypothesis replays the start of a scenario, its steps can differ. With a
            # failure, that replay was Hypothesis reporting it: report it here. Without
            # one, run again, as schemathesis's own runner does.
            if failures:
                raise failures[0] from None
    assert len(set(steps)) > 5, f"the links reached too little: {sorted(set(steps))}"


def test_the_links_as_a_representative(api: ServerProcess, representative: dict[str, str]) -> None:
    _follow_links(api, representative, slug="acme")


def test_the_links_as_a_manager(api: ServerProcess, manager: dict[str, str]) -> None:
    _follow_links(api, manager, slug="acme")


def test_the_links_as_a_customer(api: ServerProcess, customer: tuple[dict[str, str], str]) -> None:
    headers, session_id = customer
    _follow_links(api, headers, slug="acme", public_id=session_id)
