"""Schemathesis against the published OpenAPI document, as a village reporter and as a county reviewer: generated
requests to every operation, valid and invalid (a bounded number of examples each); no answer is a server error and
every answer matches its documented schema."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import PASSWORD

CHECKS = [not_a_server_error, response_schema_conformance]
LOGOUT = "POST /auth/logout"  # labels drop the base path
BOUNDED = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture
def flood(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    login_as(reviewer).post("/api/v1/events", json={
        "name": "洪涝", "disaster_type": "洪涝", "disaster_subtype": "山区洪水",
        "started_at": datetime.now(UTC).isoformat(), "org_unit_id": tree.county.id,
    })  # fmt: skip
    return reviewer


def credentials(app, user) -> tuple[dict, dict]:
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return {"X-CSRF-Token": login.get_json()["csrf_token"]}, {cookie.key: cookie.value}


def fuzz_every_operation(app, user) -> list[str]:
    headers, cookies = credentials(app, user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    answered = []  # (operation, status) of every answer
    unsatisfiable = set()
    operations = [found.ok() for found in schema.get_all_operations()]
    # Logging out would end the session every later request is made with (they would all answer 401); logout has
    # its own tests (tests/auth/). It is run last, so it is fuzzed too.
    operations.sort(key=lambda op: op.label == LOGOUT)
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @BOUNDED
        def call(case):
            # The document declares the session cookie as the security scheme, so schemathesis generates one of its
            # own (a garbage session: every answer 401): the real session's cookie and CSRF header replace it.
            case.cookies = dict(cookies)
            case.headers = {**(case.headers or {}), **headers}
            response = case.call_and_validate(checks=CHECKS)
            answered.append((case.operation.label, response.status_code))

        try:
            call()
        except Unsatisfiable:
            # No request can be generated from the documented schema (the SMS gateway's webhook: a form whose
            # fields are all optional strings behind a shared secret); it has its own tests (tests/sms/).
            unsatisfiable.add(operation.label)
        except Exception as error:  # every operation is tried; the failures are listed together
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    called = {label for label, _ in answered}
    assert len(called | unsatisfiable) == len(operations) > 60, "not every operation was called"
    assert sum(status == 401 for _, status in answered) < len(answered) / 10, "the fuzzer lost its session"
    assert len(unsatisfiable) <= 1, unsatisfiable
    assert any(status < 300 for _, status in answered) and any(status == 422 for _, status in answered)
    return failures


def test_as_a_village_reporter(app, tree, make_user, flood):
    assert fuzz_every_operation(app, make_user("reporter", tree.village_a1)) == []


def test_as_a_county_reviewer(app, flood):
    assert fuzz_every_operation(app, flood) == []
