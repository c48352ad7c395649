"""Obligations of the levels that sign off (乡镇上报, 县级上报, 市级上报): on time, pending, late or missing.

A village's obligation is its report (server/rollup/deadlines.py, in SQL over the reports); a township's, county's
or city's is its sign-off, due after the level below (``deadlines.level_obligation``). The units at a level are few
(a county has a few dozen townships), so their statuses are worked out here from one query of sign-off times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from server.events.models import Event
from server.extensions import db
from server.fields import local_iso
from server.orgunits.models import LEVEL_RANK, OrgUnit
from server.rollup import deadlines
from server.rollup.models import SignOff


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    codes = [part for part in unit.path.split("/") if part]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def units_at(event: Event, node: OrgUnit, *levels: str) -> list[OrgUnit]:
    """Units of these levels at or under ``node`` that overlap the event's area (inside it, or around it)."""
    area = event.org_unit
    stmt = (
        select(OrgUnit)
        .where(
            OrgUnit.level.in_(levels),
            OrgUnit.path.startswith(node.path, autoescape=True),
            or_(OrgUnit.path.startswith(area.path, autoescape=True), OrgUnit.path.in_(_ancestor_paths(area))),
        )
        .order_by(OrgUnit.code)
    )
    return list(db.session.scalars(stmt))


def signed_at(event: Event, unit_ids: list[int]) -> dict[int, list[datetime]]:
    """When each unit signed off for the event (sign-offs the level above returned do not count)."""
    if not unit_ids:
        return {}
    stmt = select(SignOff.org_unit_id, SignOff.created_at).where(
        SignOff.event_id == event.id, SignOff.status != "returned", SignOff.org_unit_id.in_(unit_ids)
    )
    times: dict[int, list[datetime]] = {}
    for unit_id, at in db.session.execute(stmt):
        times.setdefault(unit_id, []).append(at)
    return times


def statuses(
    event: Event, units: list[OrgUnit], village: deadlines.Obligation, times: dict[int, list[datetime]] | None = None
) -> dict[int, dict[str, Any]]:
    """Each unit's status for its level's sign-off obligation, with its last counting sign-off time."""
    if times is None:
        times = signed_at(event, [unit.id for unit in units])
    obligations = {level: deadlines.level_obligation(event, level, village) for level in {u.level for u in units}}
    out = {}
    for unit in units:
        signed = times.get(unit.id, [])
        status = deadlines.signoff_status(obligations[unit.level], signed)
        out[unit.id] = {
            "status": status,
            "status_name": deadlines.STATUS_NAMES[status],
            "last_signoff_at": local_iso(max(signed)) if signed else None,
        }
    return out


def counts_of(values) -> dict[str, int]:
    counts = dict.fromkeys(deadlines.STATUSES, 0)
    for status in values:
        counts[status] += 1
    return counts


def village_counts(reporting: dict[str, int], obligation: deadlines.Obligation) -> dict[str, int]:
    """The villages' statuses counted from a roll-up's reporting block (no second pass over the villages)."""
    expected, reported = reporting["expected"], reporting["reported"]
    late, missing = reporting["late"], reporting["overdue_missing"]
    # A village that filed and is not late has met its obligation, except a final not filed yet (still pending).
    unmet_final = reported - late - reporting["final_met"] if obligation.kind == "final" else 0
    return {
        "on_time": reported - late - unmet_final,
        "pending": expected - reported - missing + unmet_final,
        "late": late,
        "missing": missing,
    }


def level_summaries(event: Event, node: OrgUnit, villages: dict[str, int], village: deadlines.Obligation):
    """For the roll-up and the dashboard: each level from the villages up to the node, its obligation and how many
    of its units stand where (``villages``: the villages' counts); the node's own sign-off status (None for a
    village); and every signing unit's status by id. Two queries whatever the node's size."""
    signing = [level for level in deadlines.SIGNOFF_LEVELS if LEVEL_RANK[level] >= node.rank]
    units = units_at(event, node, *signing) if signing else []
    found = statuses(event, units, village)
    summaries = [{"level": "village", **deadlines.describe(village), "counts": villages}]
    for level in sorted({unit.level for unit in units}, key=lambda name: -LEVEL_RANK[name]):
        counts = counts_of(found[unit.id]["status"] for unit in units if unit.level == level)
        obligation = deadlines.level_obligation(event, level, village)
        summaries.append({"level": level, **deadlines.describe(obligation), "counts": counts})
    own = found.get(node.id, {}).get("status")
    return summaries, own, {unit_id: item["status"] for unit_id, item in found.items()}
