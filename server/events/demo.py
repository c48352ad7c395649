"""Demo events: the flood the demo county is reporting on, and a drill kept out of every real total."""

from __future__ import annotations

from datetime import timedelta

from server import clock
from server.events.service import create_event

FLOOD_NAME = "婺源县6·20洪涝"
DRILL_NAME = "秋口镇2026年山洪地质灾害避险演练"


def seed(context) -> None:
    """Adds ``context.events = {"flood": Event, "drill": Event}`` for the seeds that follow."""
    reviewer = context.users["county_reviewer"]
    now = clock.now()
    flood = create_event(
        actor=reviewer,
        name=FLOOD_NAME,
        disaster_type="洪涝",
        disaster_subtype="山区洪水",
        org_unit_id=context.units["361130"].id,
        started_at=now - timedelta(hours=3),
    )
    drill = create_event(
        actor=reviewer,
        name=DRILL_NAME,
        disaster_type="地质灾害",
        disaster_subtype="滑坡",
        org_unit_id=context.units["361130102"].id,
        started_at=now - timedelta(days=2),
        drill=True,
    )
    context.events = {"flood": flood, "drill": drill}
