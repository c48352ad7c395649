"""The dashboard's warnings, named late/missing villages and overdue rectifications, and its bounded queries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from server import clock
from server.extensions import db
from server.orgunits.models import OrgUnit
from tests.conftest import statements_during
from tests.rollup.factories import T0, file_report, make_event
from tests.warnings.conftest import ack, issue


def dashboard(api) -> dict:
    response = api.get("/api/v1/dashboard")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_active_warnings_with_rates_and_overdue_villages_for_each_level(tree, make_user, login_as):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.grid_a1))
    clock.set_now(T0)
    red = issue(county, [tree.county.id], title="暴雨红色预警")
    yellow = issue(county, [tree.town_b.id], level="yellow", title="地质灾害黄色预警")
    cancelled = issue(county, [tree.county.id], level="orange", title="已撤销")
    county.post(f"/api/v1/warnings/{cancelled['id']}/cancel", json={"reason": "解除"})
    clock.set_now(T0 + timedelta(minutes=10))
    ack(officer, red["id"], households_notified=20, persons_notified=61)
    clock.set_now(T0 + timedelta(minutes=40))  # red's window has passed, yellow's has not

    body = dashboard(county)
    assert [w["id"] for w in body["warnings"]] == [red["id"], yellow["id"]]
    shown = body["warnings"][0]
    assert shown["summary"] == {
        "targets": 4,
        "acknowledged": 1,
        "on_time": 1,
        "late": 0,
        "overdue": 3,
        "pending": 0,
        "rate": 0.25,
    }
    assert [u["name"] for u in shown["overdue_units"]] == ["甲二村", "乙一村", "乙二村"]
    assert body["warnings"][1]["summary"]["pending"] == 2 and body["warnings"][1]["overdue_units"] == []
    assert body["overdue"]["warning_targets"] == 3

    # the township above a silent village sees it too, for its own villages only
    town_b = dashboard(login_as(make_user("viewer", tree.town_b)))
    assert [w["id"] for w in town_b["warnings"]] == [red["id"], yellow["id"]]
    assert town_b["warnings"][0]["summary"]["targets"] == 2
    assert [u["name"] for u in town_b["warnings"][0]["overdue_units"]] == ["乙一村", "乙二村"]
    assert town_b["overdue"]["warning_targets"] == 2

    # the village's officer sees its own answer
    mine = dashboard(officer)
    assert [w["id"] for w in mine["warnings"]] == [red["id"]]
    assert mine["warnings"][0]["acknowledgement"]["persons_notified"] == 61
    assert mine["warnings"][0]["overdue"] is False and mine["overdue"]["warning_targets"] == 0


def test_late_and_missing_villages_are_named(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    flood = make_event(tree.county, reviewer)
    file_report(flood, tree.village_a1, reviewer, stage="initial", at=T0 + timedelta(minutes=20))
    file_report(flood, tree.village_a2, reviewer, stage="initial", at=T0 + timedelta(minutes=90))  # late
    clock.set_now(T0 + timedelta(hours=2))
    event = dashboard(login_as(reviewer))["events"][0]
    assert [u["name"] for u in event["late_units"]] == ["甲二村"]
    assert [u["name"] for u in event["missing_units"]] == ["乙一村", "乙二村"]


def test_overdue_rectifications_are_named(tree, make_user, login_as):
    from tests.hazards.factories import RECTIFY, hazard_payload

    reporter = login_as(make_user("reporter", tree.village_a1))
    town = login_as(make_user("reviewer", tree.town_a))
    clock.set_now(T0)
    hazard = reporter.post("/api/v1/hazards", json=hazard_payload(tree.village_a1, title="后山滑坡")).get_json()
    url = f"/api/v1/hazards/{hazard['id']}/transitions"
    assert town.post(url, json={"action": "verify"}).status_code == 200
    response = town.post(url, json={"action": "start_rectification", **RECTIFY, "deadline": "2026-07-02"})
    assert response.status_code == 200, response.get_json()
    clock.set_now(T0 + timedelta(days=3))
    hazards = dashboard(town)["hazards"]
    assert hazards["overdue_rectification"] == 1
    assert [(h["id"], h["title"], h["org_unit"]["id"]) for h in hazards["overdue_rectifications"]] == [
        (hazard["id"], "后山滑坡", tree.village_a1.id)
    ]


def _county_of(app, make_unit, villages: int) -> tuple[OrgUnit, list[OrgUnit]]:
    """A county of ten townships with ``villages`` villages between them (bulk-inserted)."""
    county = make_unit("county", name=f"{villages}村县")
    towns = [make_unit("township", county, name=f"镇{i}") for i in range(10)]
    rows = []
    for i in range(villages):
        town = towns[i % 10]
        code = f"{town.code}{i // 10:03d}"
        rows.append(
            {"code": code, "name": f"村{i}", "level": "village", "parent_id": town.id, "path": f"{town.path}{code}/"}
        )
    with app.app_context():
        db.session.execute(sa.insert(OrgUnit), rows)
        db.session.commit()
        first = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_([r["code"] for r in rows[:3]]))).all()
        db.session.expunge_all()
    return county, sorted(first, key=lambda u: u.code)


def test_the_dashboard_runs_as_many_queries_at_20_as_at_2000_villages(app, make_unit, make_user, login_as):
    def world(villages: int):
        county, (first, second, third) = _county_of(app, make_unit, villages)
        reviewer = make_user("reviewer", county)
        event = make_event(county, reviewer, name=f"{villages}村洪涝")
        file_report(event, first, reviewer, stage="initial", at=T0 + timedelta(minutes=20))
        file_report(event, second, reviewer, stage="initial", at=T0 + timedelta(minutes=90))
        api = login_as(reviewer)
        clock.set_now(T0)
        warning = issue(api, [county.id])
        issue(api, [county.id], level="blue", title="蓝色预警")
        ack(login_as(make_user("reporter", third)), warning["id"], client_id=str(uuid.uuid4()))
        return api

    def count_queries(api) -> tuple[int, dict]:
        answer = {}
        statements = statements_during(app, lambda: answer.update(body=dashboard(api)))
        return len(statements), answer["body"]

    small, large = world(20), world(2000)
    clock.set_now(T0 + timedelta(hours=2))
    small_count, small_body = count_queries(small)
    large_count, large_body = count_queries(large)
    assert small_body["warnings"][0]["summary"]["targets"] == 20
    assert large_body["warnings"][0]["summary"]["targets"] == 2000
    assert (
        large_body["warnings"][0]["summary"]["overdue"] == 1999
        and len(large_body["warnings"][0]["overdue_units"]) == 20
    )
    assert len(large_body["events"][0]["missing_units"]) == 20 and large_body["events"][0]["late_units"]
    # 18 today: with the pending local events (本地事件), every level's sign-off obligations and the caller's own
    # sign-offs (one query for every event)
    assert small_count == large_count <= 18, (small_count, large_count)
