"""The dashboard (工作台) of a unit: its live events with totals and completeness and the villages late or missing,
open hazards by risk level with the overdue rectifications, active warnings with their acknowledgement rates and
overdue villages, and the overdue counts. A fixed number of queries per live event and per section, whatever the
number of villages in scope: the lists of named villages and hazards are capped (the counts cover all)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from server.events.models import Event
from server.extensions import db
from server.fields import local_iso
from server.hazards.service import open_hazards
from server.orgunits.models import OrgUnit
from server.orgunits.scope import statistics_unit, within_scope
from server.rollup.deadlines import SIGNOFF_LEVELS
from server.rollup.models import SIGNOFF_STATUS_NAMES, SignOff
from server.rollup.service import compute_rollup, unit_json
from server.rollup.statuses import late_and_missing_units
from server.warnings import status as warning_status
from server.warnings.service import list_warnings

if TYPE_CHECKING:
    from server.users.models import User

LIVE_STATUSES = ("active", "stable")  # closed events owe nothing and leave the dashboard
NAMED_LIMIT = 20  # villages or hazards named per list; the counts beside them cover all
WARNINGS_LIMIT = 50  # active warnings shown, most severe and newest first


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    codes = [part for part in unit.path.split("/") if part]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def live_events(*, actor: User) -> list[Event]:
    """Active or stable real events whose area overlaps the caller's unit. Drills (演练) never appear here: they
    are practice, and the dashboard is the real picture."""
    unit = statistics_unit(actor)
    stmt = (
        select(Event)
        .join(OrgUnit, Event.org_unit_id == OrgUnit.id)
        .where(
            Event.drill.is_(False),
            Event.status.in_(LIVE_STATUSES),
            or_(within_scope(actor, scope_unit=unit), OrgUnit.path.in_(_ancestor_paths(unit))),
        )
        .order_by(Event.started_at.desc(), Event.id.desc())
    )
    return list(db.session.scalars(stmt))


def _warnings(actor: User, unit: OrgUnit) -> list[warning_status.WarningRead]:
    """Active warnings the caller may read, with the counts over its scope, its village's answer (a village's
    people), and the overdue villages named. Four queries."""
    warnings = list(db.session.scalars(list_warnings(actor=actor, active=True).limit(WARNINGS_LIMIT)))
    reads = warning_status.as_seen_by(warnings, actor=actor)
    named = warning_status.overdue_units(warnings, unit, limit=NAMED_LIMIT)
    return [replace(read, overdue_units=named.get(read.id, [])) for read in reads]


def pending_local_events(*, actor: User) -> list[dict[str, Any]]:
    """本地事件 reported from villages in the caller's scope and waiting for a decision, oldest first: the township's
    desk shows them at once."""
    stmt = (
        select(Event)
        .join(OrgUnit, Event.org_unit_id == OrgUnit.id)
        .where(Event.status == "pending", within_scope(actor))
        .order_by(Event.created_at, Event.id)
    )
    return [
        {
            "id": event.id,
            "name": event.name,
            "disaster_type": event.disaster_type,
            "disaster_subtype": event.disaster_subtype,
            "description": event.description,
            "started_at": local_iso(event.started_at),
            "created_at": local_iso(event.created_at),
            "org_unit": unit_json(event.org_unit),
        }
        for event in db.session.scalars(stmt)
    ]


def own_signoffs(unit: OrgUnit, events: list[Event]) -> dict[int, dict[str, Any]]:
    """The unit's own current sign-off (乡镇上报, 县级上报) of each event, as the desk shows it: one query."""
    if unit.level not in SIGNOFF_LEVELS or not events:
        return {}
    stmt = select(SignOff).where(
        SignOff.org_unit_id == unit.id, SignOff.current, SignOff.event_id.in_([event.id for event in events])
    )
    return {
        signoff.event_id: {
            "id": signoff.id,
            "status": signoff.status,
            "status_name": SIGNOFF_STATUS_NAMES[signoff.status],
            "created_at": local_iso(signoff.created_at),
            "review_comment": signoff.review_comment,
        }
        for signoff in db.session.scalars(stmt)
    }


def dashboard(*, actor: User) -> dict[str, Any]:
    unit = statistics_unit(actor)
    hazards = open_hazards(actor=actor, named=NAMED_LIMIT)
    events = []
    late = missing = signoffs_overdue = 0
    live = live_events(actor=actor)
    signed = own_signoffs(unit, live)
    for event in live:
        # One roll-up per live event (a handful at a time), at the caller's unit: it is inside or around the area.
        rollup = compute_rollup(event=event, node=unit, with_missing_units=False)
        reporting = rollup["reporting"]
        named = late_and_missing_units(event, unit, limit=NAMED_LIMIT)
        late += reporting["late"]
        missing += reporting["overdue_missing"]
        # Sign-offs owed under the caller (its own and its townships'): late or missing at any level above villages.
        overdue_signoffs = sum(
            level["counts"]["late"] + level["counts"]["missing"]
            for level in rollup["levels"]
            if level["level"] != "village"
        )
        signoffs_overdue += overdue_signoffs
        events.append(
            {
                "event": {
                    "id": event.id,
                    "name": event.name,
                    "disaster_type": event.disaster_type,
                    "disaster_subtype": event.disaster_subtype,
                    "status": event.status,
                    "started_at": local_iso(event.started_at),
                    "org_unit": unit_json(event.org_unit),
                },
                "figures": rollup["figures"],
                "evacuation": rollup["evacuation"],
                "reporting": reporting,
                "deadline": rollup["deadline"],
                "levels": rollup["levels"],
                "signoff_status": rollup["signoff_status"],
                "last_report_at": rollup["last_report_at"],
                "late_units": named["late"],
                "missing_units": named["missing"],
                "overdue_signoffs": overdue_signoffs,
                "own_signoff": signed.get(event.id),
                # the sign-offs of the units right below, waiting for this level to accept or return them
                "signoffs_to_review": sum(
                    1 for child in rollup["children"] if child["signoff"] and child["signoff"]["status"] == "submitted"
                ),
            }
        )
    warnings = _warnings(actor, unit)
    return {
        "org_unit": unit_json(unit),
        "events": events,
        "pending_local_events": pending_local_events(actor=actor),
        "hazards": hazards,
        "warnings": warnings,
        "overdue": {
            "late": late,
            "missing": missing,
            "signoffs": signoffs_overdue,
            "hazard_rectification": hazards["overdue_rectification"] if hazards else 0,
            "warning_targets": sum(w.summary["overdue"] for w in warnings),
            "events": [
                {
                    "event_id": item["event"]["id"],
                    "late": item["reporting"]["late"],
                    "missing": item["reporting"]["overdue_missing"],
                    "signoffs": item["overdue_signoffs"],
                }
                for item in events
            ],
        },
    }
