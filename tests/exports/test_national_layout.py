"""The 快报表 layout (rollup.xlsx?layout=national): the national column order and names with units, one row per
child and the 合计, under the header block a county sends (填报单位, 灾害过程, 统计时间, 填报人, 审核人, 报出日期);
read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from server import clock
from server.damage.indicators import INDICATORS
from server.exports.national import NATIONAL_COLUMNS
from tests.conftest import assert_error
from tests.exports.test_report_export import filename_of, read_xlsx
from tests.exports.test_rollup_export import county_event  # noqa: F401  (the fixture)

FLOOD_HEADERS = [
    "行政区划代码", "地区",
    "受灾人口(人)", "因灾死亡人口(人)", "因灾失踪人口(人)", "因灾受伤人口(人)", "紧急转移安置人口(人)",
    "其中：集中安置人口(人)", "其中：分散安置人口(人)", "需紧急生活救助人口(人)", "需过渡期生活救助人口(人)",
    "农作物受灾面积(公顷)", "其中：成灾面积(公顷)", "其中：绝收面积(公顷)",
    "倒塌房屋(户)", "倒塌房屋(间)", "严重损坏房屋(户)", "严重损坏房屋(间)", "一般损坏房屋(户)", "一般损坏房屋(间)",
    "直接经济损失(万元)",
]  # fmt: skip


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [list(row) for row in read_xlsx(response).active.values]


def test_the_national_layout_has_the_header_block_the_columns_and_a_row_per_child(
    county_event,  # noqa: F811
    tree,
    make_user,
    login_as,
):
    reviewer = login_as(make_user("reviewer", tree.county, name="张县审"))
    response = reviewer.get(f"/api/v1/events/{county_event}/rollup.xlsx?layout=national")
    assert filename_of(response) == "快报表-七月洪涝-测试县.xlsx"
    rows = sheet_rows(response)
    assert rows[0][0] == "自然灾害情况统计快报表"
    block = " ".join(str(cell) for row in rows[1:4] for cell in row if cell)
    for label in ("填报单位：测试县", "灾害过程：七月洪涝", "统计时间：", "填报人：张县审", "审核人：", "报出日期："):
        assert label in block, (label, block)
    header, town_a, town_b, total = rows[4:]
    assert header == FLOOD_HEADERS
    col = {name: index for index, name in enumerate(header)}
    assert (town_a[0], town_a[1]) == (tree.town_a.code, "甲镇") and (town_b[0], town_b[1]) == (tree.town_b.code, "乙乡")
    assert (total[0], total[1]) == ("合计", "测试县")
    assert town_a[col["受灾人口(人)"]] == 15 and Decimal(str(town_a[col["直接经济损失(万元)"]])) == Decimal("12.51")
    for name in FLOOD_HEADERS[2:]:
        assert Decimal(str(total[col[name]])) == Decimal(str(town_a[col[name]])) + Decimal(str(town_b[col[name]]))
    # Equal to the live roll-up.
    live = reviewer.get(f"/api/v1/events/{county_event}/rollup").get_json()
    assert Decimal(str(total[col["农作物受灾面积(公顷)"]])) == Decimal(live["figures"]["crops_affected_ha"])


def test_the_header_block_names_the_signoff_the_level_above_accepted(tree, make_user, make_event, login_as, make_unit):
    city = make_unit("city", name="测试市")
    county = make_unit("county", city, name="市辖县")
    town = make_unit("township", county, name="丙镇")
    make_unit("village", town, name="丙一村")
    event_id = make_event(county, name="八月台风")
    signer = login_as(make_user("reviewer", county, name="李填报"))
    clock.set_now(datetime(2026, 7, 1, 17, 5, tzinfo=UTC))  # already 2 July, 01:05 in Asia/Shanghai
    signed = signer.post(f"/api/v1/events/{event_id}/signoffs", json={"org_unit_id": county.id}).get_json()
    city_reviewer = login_as(make_user("reviewer", city, name="王审核"))
    accepted = city_reviewer.post(f"/api/v1/signoffs/{signed['id']}/review", json={"decision": "accept"})
    assert accepted.status_code == 200
    rows = sheet_rows(
        city_reviewer.get(f"/api/v1/events/{event_id}/rollup.xlsx?layout=national&org_unit_id={county.id}")
    )
    block = " ".join(str(cell) for row in rows[1:4] for cell in row if cell)
    assert "填报人：李填报" in block and "审核人：王审核" in block
    # Times as the form writes them, in local time: from the event's start to the sign-off, dated the sign-off's day.
    started = datetime.fromisoformat(signer.get(f"/api/v1/events/{event_id}").get_json()["started_at"])
    since = f"{started.year}年{started.month}月{started.day}日{started.hour:02d}:{started.minute:02d}"
    assert f"统计时间：{since} 至 2026年7月2日01:05" in block
    assert "报出日期：2026年7月2日" in block


def test_drought_columns_come_only_for_a_drought(tree, make_user, login_as):
    county = login_as(make_user("reviewer", tree.county))
    body = {"name": "夏旱", "disaster_type": "干旱", "org_unit_id": tree.county.id}
    event = county.post("/api/v1/events", json=body).get_json()
    reporter = login_as(make_user("reporter", tree.village_b2))
    figures = {"affected_population": 40, "drought_drinking_people": 30, "drought_drinking_livestock": 12}
    filed = reporter.post(
        f"/api/v1/events/{event['id']}/damage-reports",
        json={"client_id": "0f7a3c1e-6b1d-4c8e-9a52-3d2f1e0c9b71", "stage": "initial", "figures": figures},
    )
    assert filed.status_code == 201, filed.get_json()
    rows = sheet_rows(county.get(f"/api/v1/events/{event['id']}/rollup.xlsx?layout=national"))
    header, total = rows[4], rows[-1]
    people, livestock = header.index("因旱饮水困难需救助人口(人)"), header.index("因旱饮水困难需救助大牲畜(头)")
    assert people == header.index("需过渡期生活救助人口(人)") + 1 and livestock == people + 1  # the national order
    assert total[people] == 30 and total[livestock] == 12
    assert [key for key, _ in NATIONAL_COLUMNS].index("drought_drinking_people") > 0


def test_an_unknown_layout_is_refused(county_event, tree, make_user, login_as):  # noqa: F811
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/events/{county_event}/rollup.xlsx?layout=provincial")
    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == ["layout"]


def test_every_indicator_has_its_column_in_the_national_form():
    """A new indicator (server/damage/indicators.py) must be placed in NATIONAL_COLUMNS, at its place in the national
    form, with the form's header: the 快报表 would otherwise leave it out without a word (docs/DEVELOPING.md)."""
    placed = {key for key, _ in NATIONAL_COLUMNS}
    assert [i.key for i in INDICATORS if i.key not in placed] == []
