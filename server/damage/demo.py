"""Demo damage reports for the villages of 秋口镇: an approved initial followed by an update, an approved initial,
a zero report, and a returned report whose reason the reporter sees."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.damage.review import review_report
from server.damage.service import create_report
from server.events.demo import DRILL_NAME, FLOOD_NAME
from server.events.models import Event
from server.extensions import db
from server.users.models import User
from server.users.service import create_user

# Extra reporters for the two villages the foundation's demo users do not cover.
EXTRA_REPORTERS = [
    ("wangcun_reporter", "361130102202", "王村 灾害信息员"),
    ("likeng_reporter", "361130102203", "李坑村 灾害信息员"),
]

QIUKOU_INITIAL = {
    "affected_population": 86,
    "injured": 2,
    "relocated": 30,
    "relocated_centralized": 18,
    "relocated_dispersed": 12,
    "needing_aid": 20,
    "houses_general_households": 6,
    "houses_general_rooms": 9,
    "crops_affected_ha": "12.50",
    "crops_damaged_ha": "5.20",
    "crops_lost_ha": "1.10",
    "direct_loss_10k_yuan": "45.60",
}
QIUKOU_UPDATE = {
    "affected_population": 132,
    "injured": 3,
    "relocated": 52,
    "relocated_centralized": 34,
    "relocated_dispersed": 18,
    "needing_aid": 35,
    "houses_collapsed_households": 1,
    "houses_collapsed_rooms": 2,
    "houses_severe_households": 2,
    "houses_severe_rooms": 4,
    "houses_general_households": 9,
    "houses_general_rooms": 14,
    "crops_affected_ha": "18.75",
    "crops_damaged_ha": "9.40",
    "crops_lost_ha": "2.30",
    "direct_loss_10k_yuan": "96.80",
}
BAISHI_INITIAL = {
    "affected_population": 40,
    "relocated": 12,
    "relocated_dispersed": 12,
    "needing_aid": 8,
    "houses_general_households": 2,
    "houses_general_rooms": 3,
    "crops_affected_ha": "6.00",
    "crops_damaged_ha": "2.50",
    "direct_loss_10k_yuan": "12.30",
}
LIKENG_INITIAL = {"affected_population": 300, "relocated": 20, "relocated_centralized": 20, "needing_aid": 15}


def _reporter(context, username: str, code: str, name: str) -> User:
    user = context.users.get(username) or db.session.scalar(select(User).where(User.username == username))
    if user is None:
        from server.demo import DEMO_PASSWORD

        user = create_user(
            actor=None,
            username=username,
            role="reporter",
            org_unit=context.units[code],
            password=DEMO_PASSWORD,
            name=name,
        )
    context.users[username] = user
    return user


def _file(actor: User, event: Event, code: str, context, stage: str, figures: dict, at, **kwargs):
    filed, _ = create_report(
        actor=actor,
        event_id=event.id,
        client_id=uuid.uuid4(),
        org_unit_id=context.units[code].id,
        stage=stage,
        figures=figures,
        **kwargs,
    )
    report = filed.row
    report.submitted_at = at  # demo data tells a story in time; real reports take the clock
    return report


def seed(context) -> None:
    events = getattr(context, "events", None) or {
        "flood": db.session.scalar(select(Event).where(Event.name == FLOOD_NAME)),
        "drill": db.session.scalar(select(Event).where(Event.name == DRILL_NAME)),
    }
    flood = events.get("flood")
    if flood is None:
        return
    for username, code, name in EXTRA_REPORTERS:
        _reporter(context, username, code, name)
    users = context.users
    town_reviewer = users["town_reviewer"]
    start = flood.started_at

    initial = _file(
        users["village_reporter"],
        flood,
        "361130102200",
        context,
        "initial",
        QIUKOU_INITIAL,
        start + timedelta(minutes=40),
        note="山洪冲毁村道两处，已组织转移",
    )
    review_report(actor=town_reviewer, report_id=initial.id, decision="approve", comment="已电话核实")
    _file(
        users["village_reporter"],
        flood,
        "361130102200",
        context,
        "update",
        QIUKOU_UPDATE,
        start + timedelta(hours=2, minutes=30),
        note="新增倒塌房屋 1 户",
    )

    baishi = _file(
        users["village2_reporter"],
        flood,
        "361130102201",
        context,
        "initial",
        BAISHI_INITIAL,
        start + timedelta(minutes=50),
    )
    review_report(actor=town_reviewer, report_id=baishi.id, decision="approve", comment="")

    _file(
        users["wangcun_reporter"],
        flood,
        "361130102202",
        context,
        "initial",
        {},
        start + timedelta(minutes=35),
        note="本村无灾情（零报告）",
    )

    likeng = _file(
        users["likeng_reporter"],
        flood,
        "361130102203",
        context,
        "initial",
        LIKENG_INITIAL,
        start + timedelta(minutes=55),
    )
    review_report(
        actor=town_reviewer, report_id=likeng.id, decision="return", comment="受灾人口超过全村户籍人口，请核实后重报"
    )

    drill = events.get("drill")
    if drill is not None:
        _file(
            users["village_reporter"],
            drill,
            "361130102200",
            context,
            "initial",
            {"affected_population": 5},
            drill.started_at + timedelta(minutes=20),
            note="演练数据",
        )
    db.session.flush()
