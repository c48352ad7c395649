"""Demo sign-off: 秋口镇 signs off its roll-up of the demo flood (乡镇上报), waiting for the county's review."""

from __future__ import annotations

from sqlalchemy import select

from server.events.demo import FLOOD_NAME
from server.events.models import Event
from server.extensions import db
from server.rollup.signoffs import sign_off


def seed(context) -> None:
    event = db.session.scalar(select(Event).where(Event.name == FLOOD_NAME))
    reviewer = context.users.get("town_reviewer")
    if event is None or reviewer is None:
        return
    sign_off(actor=reviewer, event_id=event.id, org_unit_id=context.units["361130102"].id, note="秋口镇灾情已逐村核实")
