"""The damage rules the PWA checks on the phone (pwa/src/rules/damage.js, built from GET /indicators) say exactly
what the server says.

Both sides run the cases of pwa/tests/fixtures/damage_rules.json: Vitest against the phone's rules, this test
against the API. A message changed on one side only fails one of the two suites.
"""

import json
from pathlib import Path

import pytest

from tests.conftest import assert_error
from tests.damage.conftest import file_report

FIXTURE = Path(__file__).resolve().parents[2] / "pwa" / "tests" / "fixtures" / "damage_rules.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_server_says_what_the_phone_says(scene, case, request):
    if case.get("disaster_type"):
        assert case["disaster_type"] == "干旱", "only the drought event is built here"
        scene = request.getfixturevalue("drought")
    event_id = scene.event["id"]
    stage = "initial"
    if case.get("previous") is not None:
        file_report(scene.api, event_id, figures=case["previous"])
        stage = "update"
    response = file_report(
        scene.api, event_id, stage, figures=case["figures"], change_note=case.get("change_note", ""), expect=None
    )
    if case["errors"]:
        assert assert_error(response, 422, "validation_error")["details"]["fields"] == case["errors"]
    else:
        assert response.status_code == 201, response.get_json()


def test_the_fixture_covers_every_rule_and_message_kind():
    """A fixture emptied by mistake would pass the parametrized test vacuously."""
    fields = {field for case in CASES for field in case["errors"]}
    assert {"figures.deaths", "figures.relocated", "figures.crops_damaged_ha", "figures.crops_lost_ha"} <= fields
    assert {"figures.houses_collapsed_rooms", "change_note"} <= fields
    assert any(not case["errors"] for case in CASES)
    assert {"figures.drought_drinking_people", "figures.drought_drinking_livestock"} <= fields
