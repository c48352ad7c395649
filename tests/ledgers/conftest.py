"""Ledger tests: an open event over the test county, its reviewers, and the reporter of village a1."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from server.ledgers.idnumber import check_digit
from tests.damage.conftest import open_event

# GB 11643's own example number: valid, check digit X.
EXAMPLE_ID = "11010519491231002X"


def id_number(serial: int, area: str = "361130") -> str:
    """A valid ID number (born 1980-01-01) whose sequence digits are ``serial``."""
    first17 = f"{area}19800101{serial % 1000:03d}"
    return first17 + check_digit(first17)


def casualty_payload(**overrides: Any) -> dict:
    payload = {
        "client_id": str(uuid.uuid4()),
        "name": "王大山",
        "sex": "male",
        "age": 54,
        "id_number": "",
        "address": "甲一村三组",
        "kind": "dead",
        "occurred_at": "2026-07-01T09:30:00+08:00",
        "place": "村后山",
        "cause": "滑坡",
        "note": "",
    }
    payload.update(overrides)
    return payload


def house_payload(**overrides: Any) -> dict:
    payload = {
        "client_id": str(uuid.uuid4()),
        "head_name": "李春花",
        "id_number": "",
        "address": "甲一村五组 12 号",
        "structure": "砖木",
        "damage": "collapsed",
        "rooms": 3,
        "transitional_aid_persons": 4,
        "status": "pending",
        "note": "",
    }
    payload.update(overrides)
    return payload


def add_casualty(api, event_id: int, expect: int = 201, **overrides: Any) -> dict:
    response = api.post(f"/api/v1/events/{event_id}/casualties", json=casualty_payload(**overrides))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def add_house(api, event_id: int, expect: int = 201, **overrides: Any) -> dict:
    response = api.post(f"/api/v1/events/{event_id}/damaged-houses", json=house_payload(**overrides))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


@dataclass
class Scene:
    tree: Any
    event_id: int
    county_reviewer: Any
    town_reviewer: Any
    reporter: Any
    api: Any  # the reporter's
    town: Any  # township a's reviewer, logged in
    county: Any  # the county reviewer, logged in


@pytest.fixture
def scene(tree, make_user, login_as) -> Scene:
    county_reviewer = make_user("reviewer", tree.county, name="县审核员")
    town_reviewer = make_user("reviewer", tree.town_a, name="甲镇审核员")
    reporter = make_user("reporter", tree.village_a1, name="甲一村信息员")
    county = login_as(county_reviewer)
    event = open_event(county, tree.county)
    return Scene(
        tree,
        event["id"],
        county_reviewer,
        town_reviewer,
        reporter,
        login_as(reporter),
        login_as(town_reviewer),
        county,
    )
