"""Through the API only: open an event, file, update and return reports, evacuate; the exports agree with the
live roll-up and with the report list."""

from __future__ import annotations

import uuid
from decimal import Decimal

from server.damage.indicators import indicators_for
from tests.evacuation.conftest import evacuation
from tests.exports.test_report_export import COL as REPORT_COL
from tests.exports.test_report_export import read_csv, read_xlsx
from tests.exports.test_rollup_export import COL as ROLLUP_COL

INDICATORS = indicators_for("洪涝")  # the indicators of the flood events these tests report on


def file(api, event_id: int, village, stage: str, **figures) -> dict:
    body = {"client_id": str(uuid.uuid4()), "org_unit_id": village.id, "stage": stage, "figures": figures,
            "note": "", "change_note": ""}  # fmt: skip
    response = api.post(f"/api/v1/events/{event_id}/damage-reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_exports_agree_with_the_live_rollup_and_the_report_list(tree, make_user, login_as):
    county = login_as(make_user("reviewer", tree.county))
    event = county.post("/api/v1/events", json={"name": "八月台风", "disaster_type": "台风", "disaster_subtype": None,
                                                "started_at": "2026-08-01T08:00:00+08:00",
                                                "org_unit_id": tree.county.id, "drill": False})  # fmt: skip
    assert event.status_code == 201, event.get_json()
    event_id = event.get_json()["id"]
    a1, a2, b1 = (login_as(make_user("reporter", v)) for v in (tree.village_a1, tree.village_a2, tree.village_b1))
    file(a1, event_id, tree.village_a1, "initial", affected_population=20, crops_affected_ha="3.10",
         direct_loss_10k_yuan="5.05")  # fmt: skip
    file(a1, event_id, tree.village_a1, "update", affected_population=25, crops_affected_ha="3.35",
         direct_loss_10k_yuan="7.25")  # fmt: skip
    file(a2, event_id, tree.village_a2, "initial", affected_population=9, direct_loss_10k_yuan="0.30")
    returned = file(b1, event_id, tree.village_b1, "initial", affected_population=99)
    town_b = login_as(make_user("reviewer", tree.town_b))
    decision = {"decision": "return", "comment": "人口数有误"}
    review = town_b.post(f"/api/v1/damage-reports/{returned['id']}/review", json=decision)
    assert review.status_code == 200, review.get_json()
    body = evacuation(tree.village_a2, evacuated=8, centralized=3, dispersed=5, returned=1)
    assert a2.post(f"/api/v1/events/{event_id}/evacuations", json=body).status_code == 201

    live = county.get(f"/api/v1/events/{event_id}/rollup").get_json()
    rows = read_csv(county.get(f"/api/v1/events/{event_id}/rollup.csv"))
    total = rows[-1]
    assert total[0] == "合计"
    for indicator in INDICATORS:
        cell = total[ROLLUP_COL[indicator.header]]
        assert (cell if indicator.decimal else int(cell)) == live["figures"][indicator.key], indicator.key
    assert live["figures"]["affected_population"] == 34 and live["figures"]["direct_loss_10k_yuan"] == "7.55"
    assert int(total[ROLLUP_COL["当前在外(人)"]]) == 7
    sheet_rows = list(read_xlsx(county.get(f"/api/v1/events/{event_id}/rollup.xlsx")).active.values)
    assert sheet_rows[-1][ROLLUP_COL["受灾人口(人)"]] == 34

    listed = county.get(f"/api/v1/damage-reports?event_id={event_id}&per_page=200").get_json()
    exported = read_csv(county.get(f"/api/v1/damage-reports.csv?event_id={event_id}"))[1:]
    assert len(exported) == listed["total"] == 4
    current = [r for r in exported if r[REPORT_COL["是否当前"]] == "是"]
    assert sum(int(r[REPORT_COL["受灾人口(人)"]]) for r in current) == 34
    assert sum(Decimal(r[REPORT_COL["直接经济损失(万元)"]]) for r in current) == Decimal("7.55")
    returned_row = next(r for r in exported if r[REPORT_COL["状态"]] == "已退回")
    assert returned_row[REPORT_COL["审核意见"]] == "人口数有误" and returned_row[REPORT_COL["单位名称"]] == "乙一村"
