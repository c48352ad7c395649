"""Numbers and codes are what a person means: ASCII digits only, whole numbers are JSON integers."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_error
from tests.test_authorization_features import event_payload, shelter_body


def refused(response, field: str) -> None:
    error = assert_error(response, 422, "validation_error")
    assert field in error["details"]["fields"], error


@pytest.mark.parametrize("code", ["36١١٢٢", "3611２２", "361122\n", "361122²", " 361122", "36_1122"])
def test_unit_codes_are_ascii_digits_without_a_trailing_newline(hostile, code):
    admin = hostile.world.actor("admin")
    village = hostile.world.sides["in"].village
    body = {"code": code, "name": "新网格", "level": "grid", "parent_id": village.id}
    refused(admin.post("/api/v1/org-units", json=body), "code")
    ok = admin.post("/api/v1/org-units", json={**body, "code": f"{village.code}901"})
    assert ok.status_code == 201, ok.get_json()


def test_unit_codes_in_an_import_are_ascii_digits(app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name,level,parent_code\n３６,某省,province,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["org", "import", str(path)])
    assert result.exit_code != 0 and "应为数字" in result.output, result.output


@pytest.mark.parametrize("value", [1.5, "12", "1", True, 1e3])
def test_whole_numbers_in_a_json_body_are_json_integers(hostile, value):
    reviewer = hostile.world.actor("reviewer")
    refused(reviewer.post("/api/v1/events", json=event_payload(value)), "org_unit_id")
    admin = hostile.world.actor("admin")
    body = {"code": f"{hostile.world.sides['in'].village.code}902", "name": "网格", "level": "grid", "parent_id": value}
    refused(admin.post("/api/v1/org-units", json=body), "parent_id")
    shelter = shelter_body({"village": hostile.world.sides["in"].village.id})
    refused(reviewer.post("/api/v1/shelters", json={**shelter, "capacity": value}), "capacity")


def test_an_integer_in_a_json_body_is_still_taken(hostile):
    town = hostile.world.sides["in"].town.id
    assert hostile.world.actor("reviewer").post("/api/v1/events", json=event_payload(town)).status_code == 201


@pytest.mark.parametrize("amount", ["1_000", "１２", "١٢", "12\n5", "0x10"])
def test_amounts_are_written_with_ascii_digits(hostile, amount):
    reporter = hostile.world.actor("reporter")
    body = {
        "client_id": str(uuid.uuid4()),
        "org_unit_id": hostile.world.sides["in"].village.id,
        "stage": "initial",
        "figures": {"crops_affected_ha": amount},
    }
    url = f"/api/v1/events/{hostile.args['event_id']}/damage-reports"
    refused(reporter.post(url, json=body), "figures.crops_affected_ha")
    shelter = shelter_body({"village": hostile.world.sides["in"].village.id})
    refused(hostile.world.actor("reviewer").post("/api/v1/shelters", json={**shelter, "area_m2": amount}), "area_m2")


@pytest.mark.parametrize("page", ["１", "1_0", "٣", "2%0A", "%EF%BC%93"])
def test_numbers_in_query_strings_are_ascii_digits(hostile, page):
    api = hostile.world.actor("admin")
    refused(api.get(f"/api/v1/org-units?page={page}"), "page")
    assert api.get("/api/v1/org-units?page=2").status_code == 200
