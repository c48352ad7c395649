"""Roll-up exports: one row per child unit plus 合计, equal to the live roll-up, in XLSX and CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.damage.indicators import indicators_for
from tests.conftest import assert_error
from tests.evacuation.conftest import evacuation
from tests.exports.test_report_export import filename_of, read_csv, read_xlsx

INDICATORS = indicators_for("洪涝")  # the indicators of the flood events these tests report on

HEADERS = [
    "单位代码", "单位名称", *(i.header for i in INDICATORS), "需过渡期生活救助人口(人)",
    "紧急避险转移(人)", "集中安置(人)", "分散安置(人)", "已返回(人)", "当前在外(人)",
    "应报村数", "已报", "零报告", "未报", "待审核", "逾期", "台账不一致村数",
]  # fmt: skip
COL = {name: index for index, name in enumerate(HEADERS)}
NUMERIC = HEADERS[2:]
DECIMAL_HEADERS = {i.header for i in INDICATORS if i.decimal}


@pytest.fixture
def county_event(tree, make_user, make_event, make_report, login_as):
    event_id = make_event(tree.county, name="七月洪涝")
    make_report(event_id, tree.village_a1, make_user("reporter", tree.village_a1), affected_population=10,
                crops_affected_ha="1.25", direct_loss_10k_yuan="12.5")  # fmt: skip
    make_report(event_id, tree.village_a2, make_user("reporter", tree.village_a2), affected_population=5,
                crops_affected_ha="0.5", direct_loss_10k_yuan="0.01", status="approved")  # fmt: skip
    make_report(event_id, tree.village_b1, make_user("reporter", tree.village_b1))  # zero report
    api = login_as(make_user("reporter", tree.village_a1))
    body = evacuation(tree.village_a1, evacuated=12, centralized=7, dispersed=5, returned=2)
    assert api.post(f"/api/v1/events/{event_id}/evacuations", json=body).status_code == 201
    return event_id


def test_csv_has_a_row_per_child_and_a_total_equal_to_their_sum(county_event, tree, make_user, login_as):
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/events/{county_event}/rollup.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response)
    assert rows[0] == HEADERS
    town_a, town_b, total = rows[1:]
    assert (town_a[0], town_a[1]) == (tree.town_a.code, "甲镇") and (town_b[0], town_b[1]) == (tree.town_b.code, "乙乡")
    assert total[0] == "合计" and total[1] == "测试县"
    assert town_a[COL["受灾人口(人)"]] == "15" and town_a[COL["直接经济损失(万元)"]] == "12.51"
    assert town_a[COL["农作物受灾面积(公顷)"]] == "1.75"
    assert town_a[COL["紧急避险转移(人)"]] == "12" and town_a[COL["当前在外(人)"]] == "10"
    assert town_a[COL["应报村数"]] == "2" and town_a[COL["已报"]] == "2" and town_a[COL["待审核"]] == "1"
    assert town_b[COL["零报告"]] == "1" and town_b[COL["未报"]] == "1"
    for header in NUMERIC:
        parse = Decimal if header in DECIMAL_HEADERS else int
        assert parse(total[COL[header]]) == parse(town_a[COL[header]]) + parse(town_b[COL[header]]), header


def test_xlsx_matches_the_live_rollup(county_event, tree, make_user, login_as):
    viewer = login_as(make_user("viewer", tree.county))
    live = viewer.get(f"/api/v1/events/{county_event}/rollup").get_json()
    response = viewer.get(f"/api/v1/events/{county_event}/rollup.xlsx")
    assert response.status_code == 200 and filename_of(response) == "灾情汇总-七月洪涝-测试县.xlsx"
    sheet = read_xlsx(response).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS and len(rows) == 2 + len(live["children"])
    total = rows[-1]
    assert total[0] == "合计"
    for indicator in INDICATORS:
        value = total[COL[indicator.header]]
        expected = live["figures"][indicator.key]
        assert (value == pytest.approx(float(expected))) if indicator.decimal else value == expected
        column_sum = sum(row[COL[indicator.header]] for row in rows[1:-1])
        assert column_sum == pytest.approx(value)
    assert total[COL["紧急避险转移(人)"]] == live["evacuation"]["evacuated"] == 12
    assert total[COL["应报村数"]] == live["reporting"]["expected"] == 4
    assert sheet.cell(row=len(rows), column=COL["直接经济损失(万元)"] + 1).number_format == "0.00"


def test_a_township_exports_its_villages(county_event, tree, make_user, login_as):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    rows = read_csv(reviewer.get(f"/api/v1/events/{county_event}/rollup.csv"))
    assert [r[0] for r in rows[1:]] == [tree.village_a1.code, tree.village_a2.code, "合计"]
    assert rows[-1][COL["受灾人口(人)"]] == "15"


def test_rollup_export_scope(county_event, tree, make_user, make_event, login_as):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    other = make_event(tree.town_b)
    for ext in ("csv", "xlsx"):
        assert_error(reviewer.get(f"/api/v1/events/{other}/rollup.{ext}"), 404, "not_found")
        url = f"/api/v1/events/{county_event}/rollup.{ext}?org_unit_id={tree.town_b.id}"
        assert_error(reviewer.get(url), 404, "not_found")


def test_drill_rollup_file_is_marked(tree, make_user, make_event, login_as):
    drill = make_event(tree.county, drill=True, name="防汛演练")
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/events/{drill}/rollup.csv")
    assert response.status_code == 200 and filename_of(response).startswith("【演练】")


def test_a_village_node_has_only_its_total_row(county_event, tree, make_user, login_as):
    reporter = login_as(make_user("reporter", tree.village_a1))
    rows = read_csv(reporter.get(f"/api/v1/events/{county_event}/rollup.csv"))
    assert rows[0] == HEADERS and len(rows) == 2
    total = rows[1]
    assert total[0] == "合计" and total[1] == "甲一村"
    assert (
        total[COL["受灾人口(人)"]] == "10" and total[COL["应报村数"]] == "1" and total[COL["紧急避险转移(人)"]] == "12"
    )
