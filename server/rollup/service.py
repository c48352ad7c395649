"""Live roll-up (汇总) of an event at any node of the unit tree, with completeness and deadlines.

A village contributes its current damage report (the newest one not returned) and its current evacuation report.
Everything per node is one grouped query over the villages under the node (and inside the event's area), with the
current reports outer-joined: at most one of each per village (partial unique indexes), so the joins never fan
out, and grouping by the child segment of the village's path gives every child of the node in the same pass.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select, text

from server import clock
from server.damage import reconcile
from server.damage.figures import format_decimal
from server.damage.indicators import INDICATORS, indicators_for
from server.damage.models import DamageReport
from server.errors import Invalid
from server.evacuation.models import EvacuationReport
from server.events.models import Event
from server.events.service import get_event
from server.extensions import db
from server.fields import UNIT_FIELDS, OrgUnitOut, local_iso
from server.orgunits.models import UNIT_COLUMNS, OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit
from server.rollup import deadlines, levels
from server.rollup.sql import cents_sum, from_cents, path_segment

if TYPE_CHECKING:
    from server.users.models import User

EVACUATION_FIELDS = ("evacuated", "centralized", "dispersed", "returned")
OUTSIDE_AREA = "该单位不在本次灾害过程的范围内"


# --- access -------------------------------------------------------------------------------------------------


def resolve_node(*, actor: User, event: Event, org_unit_id: int | None) -> OrgUnit:
    """The node to roll up: the given unit (404 outside the caller's scope) or the caller's statistics unit.

    A node that does not overlap the event's area is a 422 on ``org_unit_id``: the unit exists and is visible, it
    just has nothing to do with this event.
    """
    node = statistics_unit(actor) if org_unit_id is None else get_statistics_unit_in_scope(actor, org_unit_id)
    if node.level == "grid" and node.parent is not None:  # statistics are per village (PRODUCT.md)
        node = node.parent
    area = event.org_unit
    if not (area.contains(node) or node.contains(area)):
        raise Invalid({"org_unit_id": [OUTSIDE_AREA]})
    return node


def rollup(*, actor: User, event_id: int, org_unit_id: int | None = None) -> dict[str, Any]:
    """The roll-up of API.md at ``org_unit_id`` (default: the caller's scope unit)."""
    event = get_event(actor=actor, event_id=event_id)
    node = resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)
    return compute_rollup(event=event, node=node)


# --- formatting ---------------------------------------------------------------------------------------------


_UNIT_OUT = OrgUnitOut()


def unit_json(unit: OrgUnit) -> dict[str, Any]:
    return _UNIT_OUT.dump(unit)


def format_figures(values: dict[str, Any], disaster_type: str | None = None) -> dict[str, Any]:
    """Indicator values → API form: whole numbers as ints, 公顷/万元 as strings with two places (``"12.50"``); only
    the indicators an event of ``disaster_type`` holds (干旱's pair only for drought)."""
    return {
        i.key: format_decimal(values.get(i.key)) if i.decimal else int(values.get(i.key) or 0)
        for i in indicators_for(disaster_type)
    }


def format_evacuation(values: dict[str, int]) -> dict[str, int]:
    out = {name: int(values.get(name) or 0) for name in EVACUATION_FIELDS}
    out["displaced_now"] = out["evacuated"] - out["returned"]  # 仍在转移安置: evacuated − returned home
    return out


# --- the roll-up --------------------------------------------------------------------------------------------


def scope_prefix(event: Event, node: OrgUnit) -> str:
    """Villages counted at ``node``: those under both the node and the event's area (one contains the other)."""
    area = event.org_unit
    return node.path if area.contains(node) else area.path


def current_damage(event_id: int):
    return and_(
        DamageReport.org_unit_id == OrgUnit.id,
        DamageReport.event_id == event_id,
        DamageReport.current,
    )


def _current_evacuation(event_id: int):
    return and_(
        EvacuationReport.org_unit_id == OrgUnit.id,
        EvacuationReport.event_id == event_id,
        EvacuationReport.current,
    )


def villages_under(prefix: str):
    return and_(OrgUnit.level == "village", OrgUnit.path.startswith(prefix, autoescape=True))


def _grouped_rows(event: Event, node: OrgUnit, obligation: deadlines.Obligation):
    """One row per child of ``node`` (keyed by the child's code; ``""`` for a village node itself)."""
    late = deadlines.late_condition(obligation, event_id=event.id, current=DamageReport, unit_id=OrgUnit.id)
    overdue_missing = deadlines.missing_condition(obligation, current=DamageReport)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    key = path_segment(OrgUnit.path, len(node.path) + 1).label("key")
    columns = [
        key,
        func.count(OrgUnit.id).label("expected"),
        func.count(DamageReport.id).label("reported"),
        func.sum(case((DamageReport.is_zero.is_(True), 1), else_=0)).label("zero"),
        func.sum(case((DamageReport.status == "submitted", 1), else_=0)).label("unreviewed"),
        func.sum(case((late, 1), else_=0)).label("late"),
        func.sum(case((overdue_missing, 1), else_=0)).label("overdue_missing"),
        func.sum(case((deadlines.final_met_condition(obligation, current=DamageReport), 1), else_=0)).label(
            "final_met"
        ),
        func.max(DamageReport.submitted_at).label("last_report_at"),
    ]
    for indicator in INDICATORS:
        column = getattr(DamageReport, indicator.key)
        # PostgreSQL's NUMERIC sums exactly as is; SQLite's floats are summed in whole cents.
        exact = func.sum(column) if postgresql or not indicator.decimal else cents_sum(column)
        columns.append(exact.label(indicator.key))
    for name in EVACUATION_FIELDS:
        columns.append(func.sum(getattr(EvacuationReport, name)).label(f"evac_{name}"))
    people, houses = reconcile.village_ledgers(event.id)
    columns += reconcile.rollup_columns(people, houses, DamageReport)
    stmt = (
        select(*columns)
        .select_from(OrgUnit)
        .outerjoin(DamageReport, current_damage(event.id))
        .outerjoin(EvacuationReport, _current_evacuation(event.id))
        .outerjoin(people, people.c.unit_id == OrgUnit.id)
        .outerjoin(houses, houses.c.unit_id == OrgUnit.id)
        .where(villages_under(scope_prefix(event, node)))
        .group_by(key)
    )
    if postgresql:
        # The per-village deadline subquery inflates the plan's cost past jit_above_cost, and compiling the
        # aggregate's ~40 expressions takes longer (~100 ms) than running it over 20,000 villages. SET LOCAL ends
        # with the transaction.
        db.session.execute(text("SET LOCAL jit = off"))
    rows = db.session.execute(stmt).mappings().all()
    if postgresql:
        return [{**row, **{i.key: _cents(row[i.key]) for i in INDICATORS if i.decimal}} for row in rows]
    return rows


def _cents(value) -> int:
    return int((Decimal(value or 0) * 100).to_integral_value())


def _summarize(
    rows, disaster_type: str | None = None, obligation: deadlines.Obligation | None = None
) -> dict[str, Any]:
    """Add up grouped rows (one per child: a handful, never per report) into figures, evacuation, reporting."""
    totals: dict[str, Any] = {}
    for row in rows:
        for name, value in row.items():
            if name in ("key", "last_report_at"):
                continue
            totals[name] = (totals.get(name) or 0) + (value or 0)
    figures = {i.key: from_cents(totals.get(i.key)) if i.decimal else int(totals.get(i.key) or 0) for i in INDICATORS}
    expected, reported = int(totals.get("expected") or 0), int(totals.get("reported") or 0)
    last = [row["last_report_at"] for row in rows if row["last_report_at"] is not None]
    ledger = {key: int(totals.get(f"ledger_{key}") or 0) for key in reconcile.LEDGER_KEYS}
    return {
        # 需过渡期生活救助人口 is the housing ledger's sum, not a figure villages file.
        "figures": {**format_figures(figures, disaster_type), "transitional_aid": ledger["transitional_aid"]},
        "evacuation": format_evacuation({name: totals.get(f"evac_{name}") for name in EVACUATION_FIELDS}),
        "reporting": {
            "expected": expected,
            "reported": reported,
            "zero": int(totals.get("zero") or 0),
            "missing": expected - reported,
            "unreviewed": int(totals.get("unreviewed") or 0),
            "late": int(totals.get("late") or 0),
            "overdue_missing": int(totals.get("overdue_missing") or 0),
            # villages whose report figures and ledgers (台账) disagree
            "ledger_mismatch": int(totals.get("ledger_mismatch") or 0),
        },
        "ledger": ledger,
        "village_counts": None
        if obligation is None
        else levels.village_counts(
            {
                name: int(totals.get(name) or 0)
                for name in ("expected", "reported", "late", "overdue_missing", "final_met")
            },
            obligation,
        ),
        "last_report_at": local_iso(max((clock.as_utc(t) for t in last), default=None)),
    }


def missing_units(event: Event, node: OrgUnit) -> list[dict[str, Any]]:
    """Villages under the node and in the area with no current damage report (未报), by code, as API dicts."""
    stmt = (
        select(*UNIT_COLUMNS)
        .outerjoin(DamageReport, current_damage(event.id))
        .where(villages_under(scope_prefix(event, node)), DamageReport.id.is_(None))
        .order_by(OrgUnit.code)
    )
    # Plain rows, not ORM objects through marshmallow: at a province this can be thousands of villages.
    return [dict(zip(UNIT_FIELDS, row, strict=True)) for row in db.session.execute(stmt).tuples()]


def _children(event: Event, node: OrgUnit) -> list[OrgUnit]:
    """Statistical children of the node that overlap the event's area (grids file through their village)."""
    if node.level == "village":
        return []
    area = event.org_unit
    stmt = select(OrgUnit).where(OrgUnit.parent_id == node.id, OrgUnit.level != "grid").order_by(OrgUnit.code)
    return [unit for unit in db.session.scalars(stmt) if area.contains(unit) or unit.contains(area)]


def _current_signoffs(event: Event, units: list[OrgUnit]) -> dict[int, Any]:
    from server.rollup.models import SignOff

    signing = [unit.id for unit in units if unit.level in deadlines.SIGNOFF_LEVELS]
    if not signing:
        return {}
    stmt = select(SignOff).where(SignOff.event_id == event.id, SignOff.current, SignOff.org_unit_id.in_(signing))
    return {signoff.org_unit_id: signoff for signoff in db.session.scalars(stmt)}


def compute_rollup(*, event: Event, node: OrgUnit, with_missing_units: bool = True) -> dict[str, Any]:
    """The roll-up at ``node`` without scope checks (callers have done them)."""
    obligation = deadlines.current_obligation(event)
    rows = _grouped_rows(event, node, obligation)
    total = _summarize(rows, event.disaster_type, obligation)
    level_summaries, own_status, signing_statuses = levels.level_summaries(
        event, node, total["village_counts"], obligation
    )
    if with_missing_units:
        reporting = total["reporting"]
        reporting["missing_units"] = missing_units(event, node) if reporting["missing"] else []

    children_units = _children(event, node)
    by_key = {row["key"]: row for row in rows}
    signoffs = _current_signoffs(event, children_units)
    children = []
    for unit in children_units:
        row = by_key.get(unit.path[len(node.path) :].rstrip("/"))
        child = _summarize([row] if row is not None else [], event.disaster_type, obligation)
        counts = child.pop("village_counts")
        signoff = signoffs.get(unit.id)
        children.append(
            {
                "org_unit": unit_json(unit),
                **child,
                # the child's own obligation: a village's report, a township's (county's) sign-off
                "deadline_status": signing_statuses.get(unit.id)
                or next((name for name, count in counts.items() if count), "pending"),
                "signoff": None
                if signoff is None
                else {
                    "id": signoff.id,
                    "status": signoff.status,
                    "figures": signoff.figures,
                    "evacuation": signoff.evacuation,
                    "created_at": local_iso(signoff.created_at),
                },
                "differs": signoff is not None and signoff.figures != child["figures"],
                "ledger_mismatch": child["reporting"]["ledger_mismatch"] > 0,
            }
        )
    return {
        "event_id": event.id,
        "drill": event.drill,
        "org_unit": unit_json(node),
        "figures": total["figures"],
        "evacuation": total["evacuation"],
        "reporting": total["reporting"],
        "ledger": total["ledger"],
        "last_report_at": total["last_report_at"],
        "deadline": deadlines.describe(obligation),
        "levels": level_summaries,
        "signoff_status": own_status,
        "children": children,
    }
