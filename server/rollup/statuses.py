"""Each unit's deadline status under a node: the villages' reports, the townships', counties' and cities' sign-offs
(时限), and the late and missing villages the dashboard names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from server.damage.models import DamageReport
from server.errors import Invalid
from server.events.models import Event
from server.events.service import get_event
from server.extensions import db
from server.fields import UNIT_FIELDS, local_iso
from server.orgunits.models import LEVEL_RANK, UNIT_COLUMNS, OrgUnit
from server.rollup import deadlines, levels
from server.rollup.service import current_damage, resolve_node, scope_prefix, unit_json, villages_under
from server.users.contacts import village_officers

if TYPE_CHECKING:
    from server.users.models import User


def late_and_missing_units(event: Event, node: OrgUnit, *, limit: int) -> dict[str, list[dict[str, Any]]]:
    """The first ``limit`` villages (by code) under the node that are late, and those missing, for the event's
    current obligation, as unit dicts: named on the dashboard. One query whatever the number of villages."""
    obligation = deadlines.current_obligation(event)
    status_col = deadlines.status_expression(obligation, event_id=event.id, current=DamageReport, unit_id=OrgUnit.id)
    ranked = (
        select(
            *UNIT_COLUMNS,
            status_col.label("status"),
            func.row_number().over(partition_by=status_col, order_by=OrgUnit.code).label("rank"),
        )
        .outerjoin(DamageReport, current_damage(event.id))
        .where(villages_under(scope_prefix(event, node)))
        .subquery()
    )
    stmt = (
        select(ranked)
        .where(ranked.c.status.in_(("late", "missing")), ranked.c.rank <= limit)
        .order_by(ranked.c.status, ranked.c.rank)
    )
    out: dict[str, list[dict[str, Any]]] = {"late": [], "missing": []}
    for row in db.session.execute(stmt).mappings():
        out[row["status"]].append({name: row[name] for name in UNIT_FIELDS})
    return out


def deadline_statuses(
    *,
    actor: User,
    event_id: int,
    org_unit_id: int | None = None,
    status: str | None = None,
    level: str = "village",
) -> dict[str, Any]:
    """Each unit's status at ``level`` for the event's current obligation, under the node (default: the caller's
    unit): villages for their reports, townships, counties and cities for their sign-offs; ``counts`` are of the
    listed units (after the optional status filter)."""
    event = get_event(actor=actor, event_id=event_id)
    node = resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)
    obligation = deadlines.current_obligation(event)
    if level != "village":
        return _signoff_deadlines(event, node, level, obligation, status)
    status_col = deadlines.status_expression(
        obligation, event_id=event.id, current=DamageReport, unit_id=OrgUnit.id
    ).label("status")
    stmt = (
        select(*UNIT_COLUMNS, status_col, DamageReport.submitted_at.label("last_report_at"))
        .outerjoin(DamageReport, current_damage(event.id))
        .where(villages_under(scope_prefix(event, node)))
        .order_by(OrgUnit.code)
    )
    if status is not None:
        stmt = stmt.where(status_col == status)
    # Plain rows, not ORM objects through marshmallow: at a province this lists 20,000 villages.
    width = len(UNIT_FIELDS)
    units = [
        {
            "org_unit": dict(zip(UNIT_FIELDS, row[:width], strict=True)),
            "status": row[width],
            "status_name": deadlines.STATUS_NAMES[row[width]],
            "last_report_at": local_iso(row[width + 1]),
        }
        for row in db.session.execute(stmt).tuples()
    ]
    counts = {name: 0 for name in deadlines.STATUSES}
    for unit in units:
        counts[unit["status"]] += 1
    # 催报: whom to call about each village whose report is overdue (one query, only when there is one).
    missing = [unit for unit in units if unit["status"] == "missing"]
    officers = village_officers({unit["org_unit"]["id"] for unit in missing}, node.path)
    for unit in missing:
        unit["officers"] = officers.get(unit["org_unit"]["id"], [])
    return {
        "event_id": event.id,
        "org_unit": unit_json(node),
        "level": "village",
        **deadlines.describe(obligation),
        "counts": counts,
        "units": units,
    }


def _signoff_deadlines(
    event: Event, node: OrgUnit, level: str, village: deadlines.Obligation, status: str | None
) -> dict[str, Any]:
    if LEVEL_RANK[level] < node.rank:
        raise Invalid({"level": [f"只能查看本单位及下级单位的时限，{node.name}在{deadlines.LEVEL_NAMES[level]}之下"]})
    obligation = deadlines.level_obligation(event, level, village)
    units = levels.units_at(event, node, level)
    found = levels.statuses(event, units, village)
    rows = [
        {
            "org_unit": unit_json(unit),
            "status": found[unit.id]["status"],
            "status_name": found[unit.id]["status_name"],
            "last_report_at": found[unit.id]["last_signoff_at"],
        }
        for unit in units
        if status is None or found[unit.id]["status"] == status
    ]
    return {
        "event_id": event.id,
        "org_unit": unit_json(node),
        "level": level,
        **deadlines.describe(obligation),
        "counts": levels.counts_of(row["status"] for row in rows),
        "units": rows,
    }
