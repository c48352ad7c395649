"""The evacuation rules the PWA checks on the phone (pwa/src/rules/evacuation.js) say exactly what the server says.

Both sides run the cases of pwa/tests/fixtures/evacuation_rules.json: Vitest against the phone's rules, this test
against the API (errors as 422 details.fields, capacity warnings in the 201 body).
"""

import json
from pathlib import Path

import pytest

from tests.conftest import assert_error
from tests.evacuation.conftest import evacuation

FIXTURE = Path(__file__).resolve().parents[2] / "pwa" / "tests" / "fixtures" / "evacuation_rules.json"
DOC = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DOC["cases"], ids=[case["name"] for case in DOC["cases"]])
def test_the_server_says_what_the_phone_says(tree, make_user, login_as, make_event, make_shelter, case):
    event_id = make_event(tree.county)
    ids = {
        letter: make_shelter(tree.village_a1, capacity=shelter["capacity"], name=shelter["name"])
        for letter, shelter in DOC["shelters"].items()
    }
    api = login_as(make_user("reporter", tree.village_a1))
    counts = {"evacuated": 0, "centralized": 0, "dispersed": 0, "returned": 0} | case["counts"]
    allocations = [{"shelter_id": ids[a["shelter"]], "persons": a["persons"]} for a in case["allocations"]]
    response = api.post(
        f"/api/v1/events/{event_id}/evacuations", json=evacuation(tree.village_a1, **counts, allocations=allocations)
    )
    if case["errors"]:
        assert assert_error(response, 422, "validation_error")["details"]["fields"] == case["errors"]
    else:
        assert response.status_code == 201, response.get_json()
        expected = [{"shelter_id": ids[w["shelter"]], "message": w["message"]} for w in case["warnings"]]
        assert response.get_json()["warnings"] == expected


def test_the_fixture_covers_every_rule():
    fields = {field for case in DOC["cases"] for field in case["errors"]}
    assert {"centralized", "dispersed", "returned", "allocations", "allocations.1.shelter_id"} <= fields
    assert any(case["warnings"] for case in DOC["cases"])
