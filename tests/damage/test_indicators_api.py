"""GET /indicators: the vocabulary of damage figures the phone builds its form and its checks from.

The rules it publishes are the rules the server checks (one declaration, server/damage/figures.py RULES), so a
message reworded or an indicator renamed on the server reaches the phone with no copy to update. The PWA's Vitest
suite runs on pwa/tests/fixtures/indicators.json: the last test here keeps that file equal to what is served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from server.damage import figures as fig
from server.damage.indicators import INDICATOR_KEYS
from tests.conftest import assert_error
from tests.damage.conftest import FLOOD, file_report

FIXTURE = Path(__file__).resolve().parents[2] / "pwa" / "tests" / "fixtures" / "indicators.json"


def served(api) -> dict:
    response = api.get("/api/v1/indicators")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_indicator_with_its_name_unit_and_group(tree, make_user, login_as):
    body = served(login_as(make_user("reporter", tree.village_a1)))
    assert set(body) == {"groups", "indicators", "rules", "values"}
    assert [i["key"] for i in body["indicators"]] == list(INDICATOR_KEYS)  # national order
    by_key = {i["key"]: i for i in body["indicators"]}
    assert by_key["affected_population"] == {
        "key": "affected_population",
        "label": "受灾人口",
        "unit": "人",
        "group": "people",
        "decimal": False,
        "only_for": None,
        "required_for": [],
        "hint": "",
    }
    assert by_key["crops_damaged_ha"]["decimal"] is True and by_key["crops_damaged_ha"]["unit"] == "公顷"
    assert by_key["crops_damaged_ha"]["hint"] == "减产 3 成以上"
    assert by_key["houses_collapsed_rooms"]["unit"] == "间"
    groups = [g["key"] for g in body["groups"]]
    assert [g["label"] for g in body["groups"]][:1] == ["人员"]
    assert {i["group"] for i in body["indicators"]} == set(groups)  # every group used, every indicator placed


def test_the_drought_indicators_are_for_drought_only_and_required_there(tree, make_user, login_as):
    body = served(login_as(make_user("reviewer", tree.county)))
    by_key = {i["key"]: i for i in body["indicators"]}
    for key, unit in (("drought_drinking_people", "人"), ("drought_drinking_livestock", "头")):
        assert by_key[key]["only_for"] == "干旱"
        assert by_key[key]["required_for"] == ["干旱"]
        assert by_key[key]["group"] == "drought"
        assert by_key[key]["unit"] == unit
    assert all(i["only_for"] is None for k, i in by_key.items() if not k.startswith("drought_"))
    stated = [r for r in body["rules"] if r["kind"] == "stated"]
    assert {r["field"] for r in stated} == {"drought_drinking_people", "drought_drinking_livestock"}
    assert stated[0] == {
        "kind": "stated",
        "field": "drought_drinking_people",
        "disaster_type": "干旱",
        "message": "干旱灾害过程须填报因旱饮水困难需救助人口(人)，没有请填 0",
    }


def test_the_rules_are_published_as_data(tree, make_user, login_as):
    rules = served(login_as(make_user("reporter", tree.village_a1)))["rules"]
    assert {
        "kind": "gte",
        "field": "deaths",
        "left": "affected_population",
        "right": ["deaths"],
        "message": "因灾死亡人口不能大于受灾人口（{deaths} > {affected_population}）",
    } in rules
    assert {
        "kind": "sum",
        "field": "relocated",
        "total": "relocated",
        "parts": ["relocated_centralized", "relocated_dispersed"],
        "message": "紧急转移安置人口应等于集中安置与分散安置之和"
        "（{relocated_centralized} + {relocated_dispersed} = {sum}，填报为 {relocated}）",
    } in rules
    crops = [(r["left"], r["right"]) for r in rules if r["field"].startswith("crops_")]
    assert crops == [("crops_affected_ha", ["crops_damaged_ha"]), ("crops_damaged_ha", ["crops_lost_ha"])]
    houses = {r["field"]: (r["left"], r["right"]) for r in rules if r["field"].startswith("houses_")}
    assert houses["houses_severe_rooms"] == ("houses_severe_rooms", ["houses_severe_households"])
    assert len(houses) == 3
    decrease = rules[-1]
    assert decrease["kind"] == "decrease" and decrease["field"] == "change_note"
    assert decrease["message"].format(names="受灾人口(人)") == "以下指标比上次报告减少，请填写变动说明：受灾人口(人)"
    keys = set(INDICATOR_KEYS)
    for rule in rules:
        named = {rule.get("left"), rule.get("total"), *rule.get("right", []), *rule.get("parts", [])} - {None}
        assert named <= keys, rule


def test_a_published_message_filled_in_is_what_the_server_answers(scene):
    """The template the phone fills in and the server's own 422 are the same words."""
    rules = served(scene.api)["rules"]
    relocated = next(r for r in rules if r["kind"] == "sum")
    figures = {**FLOOD, "relocated": 41}
    fields = assert_error(
        file_report(scene.api, scene.event["id"], figures=figures, expect=None), 422, "validation_error"
    )["details"]["fields"]
    filled = relocated["message"].format(relocated_centralized=25, relocated_dispersed=15, sum=40, relocated=41)
    assert fields["figures.relocated"] == [filled]


def test_the_value_messages_are_the_schemas(tree, make_user, login_as):
    values = served(login_as(make_user("reporter", tree.village_a1)))["values"]
    assert values["whole"] == {"max": fig.MAX_WHOLE, "messages": fig.WHOLE_MESSAGES}
    assert values["amount"]["max"] == "999999999999.99" and values["amount"]["places"] == 2
    assert values["amount"]["messages"]["places"] == "最多保留两位小数"


def test_indicators_need_a_login(client):
    assert_error(client.get("/api/v1/indicators"), 401, "unauthorized")


def test_the_pwa_fixture_is_what_the_server_serves(tree, make_user, login_as):
    """pwa/tests/fixtures/indicators.json feeds the Vitest suite of pwa/src/rules/damage.js. Rewrite it with
    ``UPDATE_FIXTURES=1 .venv/bin/pytest tests/damage/test_indicators_api.py`` after changing the vocabulary."""
    body = served(login_as(make_user("reporter", tree.village_a1)))
    if os.environ.get("UPDATE_FIXTURES"):
        FIXTURE.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == body
