"""The figures of a damage report: types, exact decimals, and every rule of PRODUCT.md, refused and accepted."""

from decimal import Decimal

import pytest

from server.damage import figures as fig
from server.damage.indicators import indicators_for
from tests.conftest import assert_error
from tests.damage.conftest import FLOOD, file_report

INDICATOR_KEYS = [i.key for i in indicators_for("洪涝")]  # a flood event's indicators


def fields_of(response) -> dict:
    return assert_error(response, 422, "validation_error")["details"]["fields"]


def test_full_figures_are_stored_exactly_and_returned_typed(scene):
    body = file_report(scene.api, scene.event["id"], figures=FLOOD).get_json()
    figures = body["figures"]
    assert set(figures) == set(INDICATOR_KEYS)
    assert figures["affected_population"] == 120 and isinstance(figures["deaths"], int)
    assert figures["crops_affected_ha"] == "12.50"
    assert figures["crops_damaged_ha"] == "8.20"  # sent as the JSON number 8.2, never through a float sum
    assert figures["crops_lost_ha"] == "3.00"
    assert figures["direct_loss_10k_yuan"] == "86.75"
    assert body["is_zero"] is False


def test_missing_keys_mean_zero(scene):
    body = file_report(scene.api, scene.event["id"], figures={"affected_population": 3, "injured": 1}).get_json()
    assert body["figures"]["injured"] == 1
    assert body["figures"]["deaths"] == 0
    assert body["figures"]["direct_loss_10k_yuan"] == "0.00"


def test_a_report_without_figures_is_a_zero_report(scene):
    response = scene.api.post(
        f"/api/v1/events/{scene.event['id']}/damage-reports",
        json={"client_id": "4f6b3c1e-7d1a-4a53-9a39-0d1b1f2f5e01", "stage": "initial"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["is_zero"] is True  # 零报告: counts as reported
    assert body["current"] is True
    assert all(not value or value == "0.00" for value in body["figures"].values())


def test_explicit_zeros_are_a_zero_report(scene):
    zeros = {key: 0 for key in INDICATOR_KEYS} | {"crops_lost_ha": "0.00", "direct_loss_10k_yuan": 0.0}
    assert file_report(scene.api, scene.event["id"], figures=zeros).get_json()["is_zero"] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.5, "12.50"), ("12.5", "12.50"), (7, "7.00"), ("0.01", "0.01"), (" 3.10 ", "3.10"), (999999999999.99, None)],
)
def test_decimals_accept_numbers_and_strings(scene, value, expected):
    figures = {"direct_loss_10k_yuan": value}
    body = file_report(scene.api, scene.event["id"], figures=figures).get_json()
    assert body["figures"]["direct_loss_10k_yuan"] == (expected or "999999999999.99")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.345", "最多保留两位小数"),
        (0.001, "最多保留两位小数"),
        (-1, "不能小于 0"),
        ("-0.5", "不能小于 0"),
        ("abc", "应为数字"),
        ("NaN", "应为数字"),
        (True, "应为数字"),
        (None, "不能为空"),
        ([1], "应为数字"),
        ("1e15", "数值过大"),
    ],
)
def test_bad_decimals_are_refused(scene, value, message):
    response = file_report(scene.api, scene.event["id"], figures={"crops_affected_ha": value}, expect=None)
    assert fields_of(response) == {"figures.crops_affected_ha": [message]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "应为整数"),
        ("3", "应为整数"),
        (-1, "不能小于 0"),
        (True, "应为整数"),
        (None, "不能为空"),
        (10**12, "数值过大"),
    ],
)
def test_bad_whole_numbers_are_refused(scene, value, message):
    response = file_report(scene.api, scene.event["id"], figures={"affected_population": value}, expect=None)
    assert fields_of(response) == {"figures.affected_population": [message]}


def test_unknown_indicator_and_bad_shapes_are_refused(scene):
    response = file_report(scene.api, scene.event["id"], figures={"cows": 3}, expect=None)
    assert fields_of(response) == {"figures.cows": ["不是有效的灾情指标"]}
    response = scene.api.post(
        f"/api/v1/events/{scene.event['id']}/damage-reports", json={"client_id": "nope", "stage": "first", "x": 1}
    )
    assert set(fields_of(response)) == {"client_id", "stage", "x"}


@pytest.mark.parametrize("key", ["deaths", "missing", "injured", "needing_aid"])
def test_people_cannot_exceed_the_affected_population(scene, key):
    response = file_report(scene.api, scene.event["id"], figures={"affected_population": 5, key: 6}, expect=None)
    fields = fields_of(response)
    assert list(fields) == [f"figures.{key}"]
    assert "不能大于受灾人口" in fields[f"figures.{key}"][0]
    # Equal is fine.
    file_report(scene.api, scene.event["id"], figures={"affected_population": 6, key: 6})


def test_relocated_cannot_exceed_affected_population(scene):
    figures = {"affected_population": 5, "relocated": 6, "relocated_centralized": 6}
    fields = fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))
    assert fields == {"figures.relocated": ["紧急转移安置人口不能大于受灾人口（6 > 5）"]}


def test_relocated_must_equal_centralized_plus_dispersed(scene):
    figures = {"affected_population": 50, "relocated": 40, "relocated_centralized": 25, "relocated_dispersed": 10}
    fields = fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))
    assert list(fields) == ["figures.relocated"]
    assert "集中安置与分散安置之和" in fields["figures.relocated"][0]
    figures["relocated_dispersed"] = 15
    file_report(scene.api, scene.event["id"], figures=figures)


def test_parts_without_a_relocated_total_are_refused(scene):
    figures = {"affected_population": 50, "relocated_centralized": 3}
    assert list(fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))) == [
        "figures.relocated"
    ]


@pytest.mark.parametrize(
    ("figures", "field", "fragment"),
    [
        ({"crops_affected_ha": "5", "crops_damaged_ha": "5.01"}, "figures.crops_damaged_ha", "成灾面积不能大于"),
        (
            {"crops_affected_ha": "10", "crops_damaged_ha": "4", "crops_lost_ha": "4.5"},
            "figures.crops_lost_ha",
            "绝收面积不能大于",
        ),
    ],
)
def test_crop_areas_must_nest(scene, figures, field, fragment):
    fields = fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))
    assert list(fields) == [field] and fragment in fields[field][0]


def test_nested_crop_areas_are_accepted(scene):
    figures = {"crops_affected_ha": "10", "crops_damaged_ha": "10.00", "crops_lost_ha": 10}
    assert file_report(scene.api, scene.event["id"], figures=figures).get_json()["figures"]["crops_lost_ha"] == "10.00"


@pytest.mark.parametrize("house", ["collapsed", "severe", "general"])
def test_rooms_cannot_be_fewer_than_households(scene, house):
    figures = {f"houses_{house}_households": 3, f"houses_{house}_rooms": 2}
    fields = fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))
    assert list(fields) == [f"figures.houses_{house}_rooms"]
    assert "间数不能少于户数" in fields[f"figures.houses_{house}_rooms"][0]
    figures[f"houses_{house}_rooms"] = 3
    file_report(scene.api, scene.event["id"], figures=figures)


def test_every_violation_is_reported_at_once(scene):
    figures = {
        "affected_population": 1,
        "deaths": 2,
        "relocated": 3,
        "crops_affected_ha": 1,
        "crops_damaged_ha": 2,
        "crops_lost_ha": 3,
        "houses_collapsed_households": 2,
        "houses_severe_households": 2,
        "houses_general_households": 2,
    }
    fields = fields_of(file_report(scene.api, scene.event["id"], figures=figures, expect=None))
    assert set(fields) == {
        "figures.deaths",
        "figures.relocated",
        "figures.crops_damaged_ha",
        "figures.crops_lost_ha",
        "figures.houses_collapsed_rooms",
        "figures.houses_severe_rooms",
        "figures.houses_general_rooms",
    }
    assert len(fields["figures.relocated"]) == 2  # above the affected population and not the sum of its parts


def test_helpers_for_the_rollup_and_exports():
    assert fig.format_decimal(Decimal("12.5")) == "12.50"
    assert fig.format_decimal(Decimal("0")) == "0.00"
    assert fig.format_decimal(3) == "3.00"
    sums = {"affected_population": 7, "crops_lost_ha": Decimal("1.1")}
    out = fig.figures_dict(sums)
    assert out["affected_population"] == 7 and out["crops_lost_ha"] == "1.10" and out["deaths"] == 0
    assert fig.rule_errors(fig.normalize({})) == {}
    assert fig.decreased({"deaths": 2, "crops_lost_ha": Decimal("1")}, {"deaths": 1, "crops_lost_ha": "1.5"}) == [
        "deaths"
    ]
