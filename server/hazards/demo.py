"""Demo hazards in 秋口镇: one at each stage of the ledger, a supervised major one, and one overdue."""

from __future__ import annotations

import uuid
from datetime import timedelta

from server import clock
from server.hazards.service import create_hazard, transition

# (reporter, unit code, category, title, address, households, persons, risk, days ago, steps)
HAZARDS = [
    (
        "village_reporter",
        "361130102200",
        "landslide",
        "秋口村后山坡体裂缝",
        "秋口村后山茶园上方",
        4,
        13,
        "major",
        6,
        ["verify", "start_rectification"],
    ),
    (
        "village_reporter",
        "361130102200",
        "dangerous_house",
        "村小学旧教学楼墙体开裂",
        "秋口村小学",
        0,
        0,
        "high",
        20,
        ["verify", "start_rectification:overdue"],
    ),
    (
        "grid_reporter",
        "361130102200001",
        "waterlogging",
        "河边路段积水",
        "秋口村第一网格河边路",
        2,
        6,
        "medium",
        3,
        ["verify"],
    ),
    ("village2_reporter", "361130102201", "reservoir", "白石村山塘坝体渗水", "白石村上塘", 12, 40, "high", 1, []),
    ("village2_reporter", "361130102201", "other", "路边枯树", "白石村口", 0, 0, "low", 2, ["reject"]),
]


def seed(context) -> None:
    town = context.users["town_reviewer"]
    now = clock.now()
    for username, code, category, title, address, households, persons, risk, days_ago, steps in HAZARDS:
        hazard, _ = create_hazard(
            actor=context.users[username],
            client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"gridreport-demo-hazard:{title}"),
            org_unit_id=context.units[code].id,
            category=category,
            title=title,
            description=f"{title}，请尽快核实处置。",
            lat=None,
            lon=None,
            accuracy_m=None,
            address=address,
            threatened_households=households,
            threatened_persons=persons,
            risk_level=risk,
            found_at=now - timedelta(days=days_ago),
        )
        for step in steps:
            action, _, flavour = step.partition(":")
            extra = {}
            if action == "start_rectification":
                extra = {
                    "measures": "设置警示标志，安排专人巡查，雨天转移受威胁群众",
                    "responsible_person": "秋口村 村主任",
                    "monitor_person": "秋口村 灾害信息员",
                    "deadline": now + (timedelta(days=-2) if flavour == "overdue" else timedelta(days=30)),
                }
            if action == "reject":
                extra = {"comment": "经核实不构成隐患"}
            transition(actor=town, hazard_id=hazard.id, action=action, **extra)
