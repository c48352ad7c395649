"""The hazard ledger (隐患台账) export, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import quote

from openpyxl import load_workbook

from server import clock
from tests.conftest import assert_error

from .factories import RECTIFY, act, add_after_photo, create_hazard

URL = "/api/v1/hazards/export.xlsx"
HAND_KEPT = [
    "编号",
    "乡镇",
    "村",
    "名称",
    "类型",
    "位置",
    "威胁户数",
    "威胁人数",
    "风险等级",
    "责任人",
    "监测人",
    "措施",
    "时限",
    "状态",
    "销号日期",
]


def read(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[: len(HAND_KEPT)] == HAND_KEPT
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_ledger_has_the_hand_kept_columns_and_one_row_per_hazard(people, tree):
    clock.set_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    closed = create_hazard(people.reporter_a1, tree.village_a1, title="后山滑坡隐患", risk_level="major")
    hid = closed["id"]
    act(people.town_a, hid, "verify")
    act(people.town_a, hid, "start_rectification", **RECTIFY)
    add_after_photo(people.reporter_a1, hid)
    act(people.reporter_a1, hid, "report_rectified")
    clock.set_now(datetime(2026, 7, 20, 2, 0, tzinfo=UTC))
    act(people.county, hid, "close")
    grid = create_hazard(
        people.grid_reporter, tree.grid_a1, title="危房一处", category="危房", lat=None, lon=None, accuracy_m=None
    )
    create_hazard(people.reporter_b1, tree.village_b1, title="乙乡山塘")

    response = people.county.get(URL)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".xlsx" in disposition
    disposition.encode("latin-1")  # a real WSGI server sends headers as latin-1: the Chinese name goes RFC 5987
    assert "filename*=UTF-8''" + quote("隐患台账") in disposition
    clock.set_now(datetime(2026, 7, 1, 17, 5, tzinfo=UTC))  # 2 July in Asia/Shanghai: the name has the local day
    dated = people.county.get(URL).headers["Content-Disposition"]
    assert 'filename="hazard-ledger-20260702.xlsx"' in dated and quote("隐患台账-20260702.xlsx") in dated
    clock.set_now(None)
    rows = read(response)
    assert [row["名称"] for row in rows] == ["后山滑坡隐患", "危房一处", "乙乡山塘"]  # by unit, then found time

    first = rows[0]
    assert first["编号"] == closed["number"]
    assert (first["乡镇"], first["村"]) == ("甲镇", "甲一村")
    assert first["类型"] == "滑坡" and first["风险等级"] == "重大（红）"
    assert first["位置"] == "甲一村后山 (29.248100, 117.861200 ±8.5米)"
    assert (first["威胁户数"], first["威胁人数"]) == (3, 11)
    assert (first["责任人"], first["监测人"], first["措施"]) == ("村主任 李明", "信息员 王芳", RECTIFY["measures"])
    assert first["时限"] == datetime(2026, 8, 1, 23, 59, 59)  # noqa: DTZ001 (Excel cells hold local wall-clock time)
    assert first["状态"] == "已销号"
    assert first["销号日期"] == datetime(2026, 7, 20, 10, 0)  # noqa: DTZ001
    assert first["挂牌督办"] == "是"

    second = rows[1]
    assert (second["乡镇"], second["村"], second["网格"]) == ("甲镇", "甲一村", "甲一村第一网格")
    assert second["类型"] == "危房" and second["位置"] == "甲一村后山"
    assert second["状态"] == "已上报" and second["销号日期"] is None and second["编号"] == grid["number"]


def test_ledger_is_scoped_and_filtered(people, tree):
    a1 = create_hazard(people.reporter_a1, tree.village_a1, title="甲一")
    create_hazard(people.reporter_a2, tree.village_a2, title="甲二")
    create_hazard(people.reporter_b1, tree.village_b1, title="乙一")
    act(people.town_a, a1["id"], "verify")

    assert [r["名称"] for r in read(people.town_a.get(URL))] == ["甲一", "甲二"]
    assert [r["名称"] for r in read(people.town_b.get(URL))] == ["乙一"]
    assert [r["名称"] for r in read(people.reporter_a1.get(URL))] == ["甲一"]
    assert [r["名称"] for r in read(people.county.get(URL + "?status=verified"))] == ["甲一"]
    assert [r["名称"] for r in read(people.county.get(f"{URL}?org_unit_id={tree.town_b.id}"))] == ["乙一"]
    assert read(people.county.get(URL + "?status=closed")) == []
    assert_error(people.town_b.get(f"{URL}?org_unit_id={tree.town_a.id}"), 404, "not_found")
    assert_error(people.county.get(URL + "?colour=red"), 422, "validation_error")


def test_ledger_marks_overdue_rectifications(people, tree):
    clock.set_now(datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    act(people.town_a, hazard["id"], "verify")
    act(people.town_a, hazard["id"], "start_rectification", **RECTIFY)
    assert read(people.county.get(URL))[0]["整改逾期"] == "否"
    clock.set_now(datetime(2026, 8, 5, 0, 0, tzinfo=UTC))
    assert read(people.county.get(URL + "?overdue=true"))[0]["整改逾期"] == "是"


def test_the_ledger_is_streamed_by_the_shared_xlsx_writer(people, tree, app):
    """No file is assembled first: the response is a stream, with filter buttons on the header row."""
    create_hazard(people.reporter_a1, tree.village_a1)
    response = people.county.get(URL)
    assert response.is_streamed
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    assert sheet.title == "隐患台账" and sheet.auto_filter.ref == "A1:S2"
    assert sheet.column_dimensions["L"].width == 40  # 措施
    assert sheet["Q2"].number_format == "yyyy-mm-dd hh:mm" and sheet["Q2"].is_date
