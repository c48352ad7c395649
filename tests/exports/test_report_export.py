"""Export of every damage report in scope (XLSX and CSV), read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import openpyxl
import pytest

from server.damage.indicators import TYPE_SPECIFIC, indicators_for
from server.exports import writers, xlsx
from tests.conftest import assert_error

INDICATORS = indicators_for("洪涝")  # the indicators of the flood events these tests report on

HEADERS = [
    "单位代码", "单位名称", "乡镇", "阶段", "状态", "是否当前", "是否零报告", "填报人", "填报时间",
    *(i.header for i in INDICATORS),
    "审核人", "审核时间", "审核意见", "说明", "变更说明",
]  # fmt: skip
COL = {name: index for index, name in enumerate(HEADERS)}
# Several events in one file: every indicator has its column (干旱's pair blank in other types' rows).
ALL_EVENTS_HEADERS = [
    "灾害过程",
    *HEADERS[:9],
    *(i.header for i in indicators_for(None)),
    *HEADERS[9 + len(INDICATORS) :],
]


def read_csv(response) -> list[list[str]]:
    data = b"".join(response.response)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel opens Chinese text correctly"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.response)))


def filename_of(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="' in disposition
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


@pytest.fixture
def filed(tree, make_user, make_event, make_report):
    """Village a1: an approved initial, then a current update; a2: a returned one; b1: a zero report."""
    event_id = make_event(tree.county, name="七月洪涝")
    reporter_a1 = make_user("reporter", tree.village_a1, name="张三")
    reporter_a2 = make_user("reporter", tree.village_a2, name="李四")
    reporter_b1 = make_user("reporter", tree.village_b1, name="王五")
    reviewer = make_user("reviewer", tree.town_a, name="赵审核")
    make_report(event_id, tree.village_a1, reporter_a1, status="approved", reviewer=reviewer, affected_population=10,
                crops_affected_ha="1.5", direct_loss_10k_yuan="12.5", note="初报说明")  # fmt: skip
    make_report(event_id, tree.village_a1, reporter_a1, stage="update", affected_population=8, crops_affected_ha="2.25",
                direct_loss_10k_yuan="12.5", change_note="核实后减少")  # fmt: skip
    make_report(event_id, tree.village_a2, reporter_a2, status="returned", current=False, reviewer=reviewer,
                review_comment="数据有误", affected_population=3)  # fmt: skip
    make_report(event_id, tree.village_b1, reporter_b1)
    return event_id


def test_csv_lists_every_report_in_scope_with_chinese_headers(filed, tree, make_user, login_as):
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/damage-reports.csv?event_id={filed}")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    assert rows[0] == HEADERS
    body = rows[1:]
    assert len(body) == 4
    a1_initial, a1_update, a2, b1 = body
    assert a1_initial[COL["单位代码"]] == tree.village_a1.code and a1_initial[COL["单位名称"]] == "甲一村"
    assert (
        a1_initial[COL["乡镇"]] == "甲镇" and a1_initial[COL["阶段"]] == "初报" and a1_initial[COL["状态"]] == "已通过"
    )
    assert a1_initial[COL["是否当前"]] == "否" and a1_update[COL["是否当前"]] == "是"
    assert a1_update[COL["阶段"]] == "续报" and a1_update[COL["变更说明"]] == "核实后减少"
    assert a1_initial[COL["填报人"]] == "张三" and a1_initial[COL["填报时间"]] == "2026-07-01 10:05"  # Asia/Shanghai
    assert a1_initial[COL["审核人"]] == "赵审核" and a1_initial[COL["审核时间"]] == "2026-07-01 11:00"
    assert a1_initial[COL["说明"]] == "初报说明"
    assert a1_initial[COL["受灾人口(人)"]] == "10" and a1_update[COL["受灾人口(人)"]] == "8"
    assert a1_initial[COL["农作物受灾面积(公顷)"]] == "1.50" and a1_update[COL["农作物受灾面积(公顷)"]] == "2.25"
    assert a1_initial[COL["直接经济损失(万元)"]] == "12.50"
    assert a2[COL["状态"]] == "已退回" and a2[COL["审核意见"]] == "数据有误" and a2[COL["是否当前"]] == "否"
    assert b1[COL["是否零报告"]] == "是" and b1[COL["乡镇"]] == "乙乡" and b1[COL["审核人"]] == ""
    assert b1[COL["直接经济损失(万元)"]] == "0.00"


def test_xlsx_has_the_same_rows_with_numbers_and_two_place_format(filed, tree, make_user, login_as):
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/damage-reports.xlsx?event_id={filed}")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == writers.XLSX_TYPE
    sheet = read_xlsx(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 5
    a1_initial = rows[1]
    assert a1_initial[COL["受灾人口(人)"]] == 10
    assert a1_initial[COL["直接经济损失(万元)"]] == pytest.approx(12.5)
    loss_cell = sheet.cell(row=2, column=COL["直接经济损失(万元)"] + 1)
    assert loss_cell.number_format == "0.00"
    assert rows[4][COL["是否零报告"]] == "是"
    assert sum(r[COL["农作物受灾面积(公顷)"]] for r in rows[1:]) == pytest.approx(3.75)


def test_a_township_exports_only_its_villages_and_a_unit_filter_narrows(filed, tree, make_user, login_as):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    codes = {r[0] for r in read_csv(reviewer.get(f"/api/v1/damage-reports.csv?event_id={filed}"))[1:]}
    assert codes == {tree.village_a1.code, tree.village_a2.code}
    narrowed = reviewer.get(f"/api/v1/damage-reports.csv?event_id={filed}&org_unit_id={tree.village_a2.id}")
    assert {r[0] for r in read_csv(narrowed)[1:]} == {tree.village_a2.code}
    grid = login_as(make_user("reporter", tree.grid_a1))
    assert {r[0] for r in read_csv(grid.get(f"/api/v1/damage-reports.csv?event_id={filed}"))[1:]} == {
        tree.village_a1.code
    }


def test_outside_scope_is_404_before_anything_streams(filed, tree, make_user, make_event, login_as, client):
    other_event = make_event(tree.town_b)
    reviewer = login_as(make_user("reviewer", tree.town_a))
    for ext in ("csv", "xlsx"):
        assert_error(reviewer.get(f"/api/v1/damage-reports.{ext}?event_id={other_event}"), 404, "not_found")
        assert_error(reviewer.get(f"/api/v1/damage-reports.{ext}?event_id=999999"), 404, "not_found")
        url = f"/api/v1/damage-reports.{ext}?event_id={filed}&org_unit_id={tree.village_b1.id}"
        assert_error(reviewer.get(url), 404, "not_found")
        assert_error(client.get(f"/api/v1/damage-reports.{ext}?event_id={filed}"), 401, "unauthorized")


def test_file_names_are_chinese_with_an_ascii_fallback_and_drills_are_marked(
    filed, tree, make_user, make_event, make_report, login_as
):
    viewer = login_as(make_user("viewer", tree.county))
    name = filename_of(viewer.get(f"/api/v1/damage-reports.xlsx?event_id={filed}"))
    assert name == "灾情报告-七月洪涝-测试县.xlsx"
    drill = make_event(tree.county, drill=True, name="防汛演练")
    make_report(drill, tree.village_a1, make_user("reporter", tree.village_a1), affected_population=99)
    response = viewer.get(f"/api/v1/damage-reports.csv?event_id={drill}")
    assert "演练" in filename_of(response) and len(read_csv(response)) == 2
    assert 'filename="damage-reports-' in response.headers["Content-Disposition"]


def test_without_an_event_every_real_event_is_exported_and_drills_never(
    filed, tree, make_user, make_event, make_report, login_as
):
    drill = make_event(tree.county, drill=True, name="防汛演练")
    make_report(drill, tree.village_a1, make_user("reporter", tree.village_a1), affected_population=99)
    viewer = login_as(make_user("viewer", tree.county))
    rows = read_csv(viewer.get("/api/v1/damage-reports.csv"))
    assert rows[0] == ALL_EVENTS_HEADERS
    assert len(rows) == 5 and {r[0] for r in rows[1:]} == {"七月洪涝"}
    drought_columns = [ALL_EVENTS_HEADERS.index(i.header) for i in TYPE_SPECIFIC]
    assert all(row[c] == "" for row in rows[1:] for c in drought_columns)  # a flood holds no drought figures


def test_an_empty_export_still_has_its_headers(tree, make_user, make_event, login_as):
    event_id = make_event(tree.county)
    viewer = login_as(make_user("viewer", tree.county))
    assert read_csv(viewer.get(f"/api/v1/damage-reports.csv?event_id={event_id}")) == [HEADERS]
    rows = list(read_xlsx(viewer.get(f"/api/v1/damage-reports.xlsx?event_id={event_id}")).active.values)
    assert [list(r) for r in rows] == [HEADERS]


def test_a_full_sheet_continues_on_a_new_one(filed, tree, make_user, login_as, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # header + 3 rows
    viewer = login_as(make_user("viewer", tree.county))
    workbook = read_xlsx(viewer.get(f"/api/v1/damage-reports.xlsx?event_id={filed}"))
    assert workbook.sheetnames == ["灾情报告", "灾情报告2"]
    first, second = (list(workbook[name].values) for name in workbook.sheetnames)
    assert list(first[0]) == HEADERS and list(second[0]) == HEADERS
    assert len(first) == 4 and len(second) == 2


def test_many_reports_stream_in_several_chunks(tree, make_user, make_event, login_as, app):
    from datetime import UTC, datetime, timedelta

    from server.damage.models import DamageReport
    from server.extensions import db

    event_id = make_event(tree.county)
    reporter = make_user("reporter", tree.village_a1)
    with app.app_context():
        start = datetime(2026, 7, 1, tzinfo=UTC)
        db.session.add_all(
            DamageReport(client_id=f"c{i}", payload_hash="0" * 64, event_id=event_id, org_unit_id=tree.village_a1.id,
                         stage="update", current=False, submitted_by_id=reporter.id, deaths=i % 7,
                         submitted_at=start + timedelta(minutes=i))
            for i in range(2500)
        )  # fmt: skip
        db.session.commit()
    viewer = login_as(make_user("viewer", tree.county))
    response = viewer.get(f"/api/v1/damage-reports.csv?event_id={event_id}")
    chunks = list(response.response)
    assert len(chunks) > 3
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 2501 and sum(int(r[COL["因灾死亡人口(人)"]]) for r in rows[1:]) == sum(
        i % 7 for i in range(2500)
    )


def test_xlsx_is_a_valid_package_and_text_survives_escaping(tree, make_user, make_event, make_report, login_as):
    import zipfile

    event_id = make_event(tree.county)
    tricky = ' <b>&"引号"\x07 '
    make_report(event_id, tree.village_a1, make_user("reporter", tree.village_a1), note=tricky, deaths=1)
    viewer = login_as(make_user("viewer", tree.county))
    data = b"".join(viewer.get(f"/api/v1/damage-reports.xlsx?event_id={event_id}").response)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml",
                "xl/worksheets/sheet1.xml"} <= set(package.namelist())  # fmt: skip
    row = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)[1]
    assert row[COL["说明"]] == ' <b>&"引号" ' and row[COL["因灾死亡人口(人)"]] == 1


def test_csv_text_that_looks_like_a_formula_stays_text(tree, make_user, make_event, make_report, login_as):
    event_id = make_event(tree.county)
    make_report(event_id, tree.village_a1, make_user("reporter", tree.village_a1), note='=HYPERLINK("http://x")')
    viewer = login_as(make_user("viewer", tree.county))
    row = read_csv(viewer.get(f"/api/v1/damage-reports.csv?event_id={event_id}"))[1]
    assert row[COL["说明"]] == '\'=HYPERLINK("http://x")'
    xlsx_row = list(read_xlsx(viewer.get(f"/api/v1/damage-reports.xlsx?event_id={event_id}")).active.values)[1]
    assert xlsx_row[COL["说明"]] == '=HYPERLINK("http://x")'  # an inline string in XLSX is never a formula
