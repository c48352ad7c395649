"""Both ledgers as XLSX in their own layouts, read back with openpyxl; full numbers only on an audited request."""

from __future__ import annotations

import io
from urllib.parse import unquote

import openpyxl

from tests.ledgers.conftest import add_casualty, add_house, id_number


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def test_casualty_ledger_layout_masked(scene, make_user, login_as):
    add_casualty(scene.api, scene.event_id, kind="dead", name="王大山", id_number=id_number(31))
    add_casualty(scene.api, scene.event_id, kind="missing", name="王小山", age=None, id_number="")
    add_casualty(login_as(make_user("reporter", scene.tree.village_b1)), scene.event_id, name="乙村人")
    response = scene.county.get(f"/api/v1/events/{scene.event_id}/casualties.xlsx?org_unit_id={scene.tree.town_a.id}")
    assert "因灾死亡失踪人口台账" in unquote(response.headers["Content-Disposition"])
    book = workbook(response)
    sheet = book["因灾死亡失踪人口台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "序号", "县（市、区）", "乡（镇、街道）", "村（社区）", "姓名", "性别", "年龄", "身份证号码", "户籍所在地",
        "死亡/失踪", "死亡（失踪）时间", "死亡（失踪）地点", "致灾原因", "是否已找到（生还）", "备注",
        "审核状态", "登记人", "登记时间",
    )  # fmt: skip
    assert len(rows) == 3  # township a only
    first, second = rows[1], rows[2]
    assert first[:8] == (1, "测试县", "甲镇", "甲一村", "王大山", "男", 54, idnumber_masked(31))
    assert first[9:14] == ("死亡", "2026-07-01 09:30", "村后山", "滑坡", "否")
    assert first[15:17] == ("待审核", "甲一村信息员")
    assert second[4] == "王小山" and second[6] is None and second[7] is None and second[9] == "失踪"


def idnumber_masked(serial: int) -> str:
    full = id_number(serial)
    return f"{full[:6]}********{full[-4:]}"


def test_housing_ledger_layout_masked(scene):
    add_house(scene.api, scene.event_id, head_name="李春花", id_number=id_number(41), rooms=3)
    add_house(scene.api, scene.event_id, head_name="赵", damage="general", transitional_aid_persons=0, rooms=1)
    sheet = workbook(scene.town.get(f"/api/v1/events/{scene.event_id}/damaged-houses.xlsx")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "序号", "县（市、区）", "乡（镇、街道）", "村（社区）", "户主姓名", "身份证号码", "家庭住址", "房屋结构",
        "倒损类别", "倒损间数(间)", "需过渡期生活救助人数(人)", "恢复重建（维修）状态", "备注",
        "审核状态", "登记人", "登记时间",
    )  # fmt: skip
    assert rows[1][:12] == (
        1, "测试县", "甲镇", "甲一村", "李春花", idnumber_masked(41), "甲一村五组 12 号", "砖木", "倒塌", 3, 4, "待处置"
    )  # fmt: skip
    assert rows[2][8:11] == ("一般损坏", 1, 0)


def test_a_county_reviewer_may_export_full_numbers_and_the_export_is_audited(scene):
    add_casualty(scene.api, scene.event_id, id_number=id_number(51))
    url = f"/api/v1/events/{scene.event_id}/casualties.xlsx?reveal=true"
    rows = list(workbook(scene.county.get(url)).active.iter_rows(values_only=True))
    assert rows[1][7] == id_number(51)
    audit = scene.county.get(f"/api/v1/audit?entity_type=event&entity_id={scene.event_id}").get_json()["items"]
    assert audit[0]["action"] == "casualty.export_reveal_id_numbers"
    assert audit[0]["actor"]["id"] == scene.county_reviewer.id


def test_the_rollup_export_carries_transitional_aid_and_the_mismatch_count(scene):
    add_house(scene.api, scene.event_id, transitional_aid_persons=5)
    sheet = workbook(scene.county.get(f"/api/v1/events/{scene.event_id}/rollup.xlsx")).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    total = rows[-1]
    assert total[0] == "合计"
    assert total[header.index("需过渡期生活救助人口(人)")] == 5
    assert total[header.index("台账不一致村数")] == 1
