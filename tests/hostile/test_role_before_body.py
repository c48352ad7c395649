"""Order of checks: login, CSRF, then the route's roles, and only then the body or query. A caller without the role
gets 403 whatever it sends (a reporter posting rubbish to /users sees 403, not 422); scope stays 404."""

from __future__ import annotations

import pytest

from server.api import view_meta
from tests.conftest import assert_error
from tests.test_authorization_features import ROLES

# endpoint → the roles that may call it (PRODUCT.md; the services agree)
ALLOWED = {
    "users.create_user": ("admin",),
    "users.update_user": ("admin",),
    "users.list_users": ("admin",),
    "orgunits.create_unit": ("admin",),
    "orgunits.rename_unit": ("admin",),
    "audit.list_audit": ("reviewer", "admin"),
    "events.create_event": ("reviewer",),
    "events.change_status": ("reviewer",),
    "damage.create_report": ("reporter",),
    "damage.review_report": ("reviewer",),
    "rollup.create_signoff": ("reviewer",),
    "rollup.review_signoff": ("reviewer",),
    "evacuation.submit_evacuation": ("reporter",),
    "evacuation.create_shelter": ("reviewer", "admin"),
    "evacuation.update_shelter": ("reviewer", "admin"),
    "hazards.create_hazard": ("reporter", "reviewer"),
    "warnings.issue_warning": ("reviewer",),
    "warnings.update_warning": ("reviewer",),
    "warnings.cancel_warning": ("reviewer",),
    # a village's own reviewer (村主任) may answer for it too; the service keeps others out (403)
    "warnings.acknowledge": ("reporter", "reviewer"),
    "ledgers.create_casualty": ("reporter",),
    "ledgers.change_casualty": ("reporter", "reviewer"),
    "ledgers.review_casualty": ("reviewer",),
    "ledgers.create_damaged_house": ("reporter",),
    "ledgers.change_damaged_house": ("reporter", "reviewer"),
    "ledgers.review_damaged_house": ("reviewer",),
    "ledgers.reveal_casualty": ("reviewer",),
    "ledgers.reveal_damaged_house": ("reviewer",),
    "localevents.open_local_event": ("reporter",),
    "localevents.merge_local_event": ("reviewer",),
    "localevents.reject_local_event": ("reviewer",),
}
# Bodies whose roles depend on the body or the object: the service finds the object (404) before the role (403).
ROLE_FROM_BODY_OR_OBJECT = {"auth.login", "hazards.transition"}

BAD_BODIES = ["{}", '{"unknown_field": 1, "org_unit_id": "x"}', "[]", "not json", '{"a": ' * 100 + "1" + "}" * 100]


def test_every_json_endpoint_declares_its_roles(app, hostile):
    for _, _, endpoint in hostile.json_endpoints():
        if endpoint in ROLE_FROM_BODY_OR_OBJECT:
            continue
        assert endpoint in ALLOWED, f"{endpoint}: which roles may call it?"
        declared = view_meta(app.view_functions[endpoint]).get("roles")
        assert declared is not None and set(declared) == set(ALLOWED[endpoint]), endpoint


@pytest.mark.parametrize("body", BAD_BODIES, ids=["empty", "unknown-fields", "list", "not-json", "nested"])
def test_a_caller_without_the_role_gets_403_whatever_the_body(hostile, body):
    failures = []
    for method, url, endpoint in hostile.json_endpoints():
        if endpoint in ROLE_FROM_BODY_OR_OBJECT:
            continue
        for role in ROLES:
            if role in ALLOWED[endpoint]:
                continue
            api = hostile.world.actor(role)
            response = getattr(api, method.lower())(url, data=body, content_type="application/json")
            try:
                assert_error(response, 403, "forbidden")
            except AssertionError as error:
                failures.append(f"{role} {method} {url}: {str(error)[:200]}")
    assert not failures, "\n".join(failures)


def test_a_caller_without_the_role_gets_403_whatever_the_query(hostile):
    for url in ("/api/v1/users?page=x&role=nobody&bogus=1", "/api/v1/audit?per_page=100000&bogus=1"):
        assert_error(hostile.world.actor("reporter").get(url), 403, "forbidden")
        assert_error(hostile.world.actor("viewer").get(url), 403, "forbidden")


def test_a_reporter_posting_to_users_sees_403(hostile):
    response = hostile.world.actor("reporter").post("/api/v1/users", json={"username": ""})
    assert_error(response, 403, "forbidden")
