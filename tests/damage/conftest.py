"""Factories for damage report tests: an open event over the test county and reporters for its villages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Scene:
    """An active event over the county, its reviewers, and a logged-in reporter for village a1."""

    tree: Any
    event: dict
    county_reviewer: Any
    town_reviewer: Any
    reporter: Any
    api: Any  # the reporter's ApiClient
    county_api: Any = None  # the county reviewer's ApiClient


def report_payload(stage: str = "initial", figures: dict | None = None, **overrides) -> dict:
    payload = {"client_id": str(uuid.uuid4()), "stage": stage, "figures": figures or {}, "note": "", "change_note": ""}
    payload.update(overrides)
    return payload


def file_report(
    api, event_id: int, stage: str = "initial", figures: dict | None = None, expect: int | None = 201, **kw
):
    """POST a report; asserts the status when ``expect`` is given and returns the response."""
    response = api.post(f"/api/v1/events/{event_id}/damage-reports", json=report_payload(stage, figures, **kw))
    if expect is not None:
        assert response.status_code == expect, response.get_json()
    return response


FLOOD = {
    "affected_population": 120,
    "deaths": 1,
    "missing": 2,
    "injured": 5,
    "relocated": 40,
    "relocated_centralized": 25,
    "relocated_dispersed": 15,
    "needing_aid": 30,
    "houses_collapsed_households": 2,
    "houses_collapsed_rooms": 5,
    "houses_severe_households": 3,
    "houses_severe_rooms": 7,
    "houses_general_households": 10,
    "houses_general_rooms": 18,
    "crops_affected_ha": "12.50",
    "crops_damaged_ha": 8.2,
    "crops_lost_ha": "3",
    "direct_loss_10k_yuan": "86.75",
}


def open_event(api, unit, **overrides) -> dict:
    payload = {"name": "测试县洪涝", "disaster_type": "洪涝", "disaster_subtype": "山区洪水", "org_unit_id": unit.id}
    payload.update(overrides)
    response = api.post("/api/v1/events", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def scene(tree, make_user, login_as) -> Scene:
    county_reviewer = make_user("reviewer", tree.county, name="县审核员")
    town_reviewer = make_user("reviewer", tree.town_a, name="甲镇审核员")
    reporter = make_user("reporter", tree.village_a1, name="甲一村信息员")
    county_api = login_as(county_reviewer)
    event = open_event(county_api, tree.county)
    return Scene(tree, event, county_reviewer, town_reviewer, reporter, login_as(reporter), county_api)


@pytest.fixture
def drought(scene) -> Scene:
    """The same county and people, with a 干旱 event (no sub-type) instead of the flood."""
    event = open_event(scene.county_api, scene.tree.county, name="夏旱", disaster_type="干旱", disaster_subtype=None)
    return Scene(**{**scene.__dict__, "event": event})
