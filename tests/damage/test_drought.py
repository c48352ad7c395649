"""干旱's indicators (因旱饮水困难需救助人口, 因旱饮水困难需救助大牲畜): stated on a drought event's reports, refused on
any other type's, held to their rule, rolled up and exported; never shown for other types."""

from __future__ import annotations

import io

import openpyxl

from tests.conftest import assert_error
from tests.damage.conftest import FLOOD, file_report

DROUGHT = {"affected_population": 300, "drought_drinking_people": 120, "drought_drinking_livestock": 45}
DROUGHT_KEYS = {"drought_drinking_people", "drought_drinking_livestock"}


def fields_of(response) -> dict:
    return assert_error(response, 422, "validation_error")["details"]["fields"]


def test_a_drought_report_states_both_indicators_and_gets_them_back(drought):
    body = file_report(drought.api, drought.event["id"], figures=DROUGHT).get_json()
    assert body["figures"]["drought_drinking_people"] == 120
    assert body["figures"]["drought_drinking_livestock"] == 45


def test_a_drought_report_without_them_is_refused_naming_both(drought):
    fields = fields_of(file_report(drought.api, drought.event["id"], figures={"affected_population": 3}, expect=422))
    assert set(fields) == {"figures.drought_drinking_people", "figures.drought_drinking_livestock"}
    assert "干旱灾害过程须填报因旱饮水困难需救助人口(人)" in fields["figures.drought_drinking_people"][0]
    assert "(头)" in fields["figures.drought_drinking_livestock"][0]
    # A drought zero report states them as 0.
    zero = {"drought_drinking_people": 0, "drought_drinking_livestock": 0}
    assert file_report(drought.api, drought.event["id"], figures=zero).get_json()["is_zero"] is True


def test_people_needing_water_are_counted_among_the_affected(drought):
    figures = {**DROUGHT, "affected_population": 100}
    fields = fields_of(file_report(drought.api, drought.event["id"], figures=figures, expect=422))
    assert list(fields) == ["figures.drought_drinking_people"]
    assert "不能大于受灾人口" in fields["figures.drought_drinking_people"][0]


def test_other_types_neither_take_nor_show_them(scene):
    fields = fields_of(
        file_report(scene.api, scene.event["id"], figures={**FLOOD, "drought_drinking_people": 1}, expect=422)
    )
    assert list(fields) == ["figures.drought_drinking_people"]
    assert "只在干旱灾害过程中填报" in fields["figures.drought_drinking_people"][0]
    body = file_report(scene.api, scene.event["id"], figures=FLOOD).get_json()
    assert not DROUGHT_KEYS & set(body["figures"])
    listed = scene.api.get(f"/api/v1/damage-reports?event_id={scene.event['id']}").get_json()["items"]
    assert listed and not DROUGHT_KEYS & set(listed[0]["figures"])
    rollup = scene.api.get(f"/api/v1/events/{scene.event['id']}/rollup").get_json()
    assert not DROUGHT_KEYS & set(rollup["figures"])


def test_a_resend_of_a_drought_report_is_the_same_report(drought):
    payload_figures = dict(DROUGHT)
    first = file_report(
        drought.api, drought.event["id"], figures=payload_figures, client_id="5b0c6a7e-0000-4000-8000-000000000001"
    )
    again = file_report(
        drought.api,
        drought.event["id"],
        figures=payload_figures,
        client_id="5b0c6a7e-0000-4000-8000-000000000001",
        expect=200,
    )
    assert again.get_json()["id"] == first.get_json()["id"]
    other = {**payload_figures, "drought_drinking_livestock": 46}
    response = file_report(
        drought.api, drought.event["id"], figures=other, client_id="5b0c6a7e-0000-4000-8000-000000000001", expect=409
    )
    assert_error(response, 409, "client_id_reused")


def test_drought_figures_roll_up_and_export_with_their_units(drought, make_user, login_as):
    tree = drought.tree
    file_report(drought.api, drought.event["id"], figures=DROUGHT)
    other = login_as(make_user("reporter", tree.village_b1))
    file_report(
        other,
        drought.event["id"],
        figures={"affected_population": 10, "drought_drinking_people": 8, "drought_drinking_livestock": 0},
    )
    rollup = drought.county_api.get(f"/api/v1/events/{drought.event['id']}/rollup").get_json()
    assert rollup["figures"]["drought_drinking_people"] == 128
    assert rollup["figures"]["drought_drinking_livestock"] == 45
    by_name = {c["org_unit"]["name"]: c for c in rollup["children"]}
    assert by_name["甲镇"]["figures"]["drought_drinking_livestock"] == 45
    assert by_name["乙乡"]["figures"]["drought_drinking_people"] == 8

    response = drought.county_api.get(f"/api/v1/events/{drought.event['id']}/rollup.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.response))).active
    rows = [list(r) for r in sheet.values]
    people = rows[0].index("因旱饮水困难需救助人口(人)")
    livestock = rows[0].index("因旱饮水困难需救助大牲畜(头)")
    assert rows[-1][0] == "合计" and rows[-1][people] == 128 and rows[-1][livestock] == 45
