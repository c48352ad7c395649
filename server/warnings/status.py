"""What became of a warning: acknowledgement counts per warning (lists, dashboard), the caller's village's answer,
and the status per target village with the township roll-up. A bounded number of queries whatever the number of
warnings on a page or of villages targeted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from server.extensions import db
from server.fields import UNIT_FIELDS
from server.orgunits.models import UNIT_COLUMNS, OrgUnit
from server.reads import ReadModel
from server.users.contacts import village_officers
from server.users.models import User
from server.warnings.access import READ_ACK_STATUS
from server.warnings.models import EarlyWarning, WarningAck, WarningEscalation, WarningTarget
from server.warnings.service import get_warning, scope_root


@dataclass
class Summary:
    """Acknowledgement counts of a warning's current revision over the targets inside a scope."""

    targets: int = 0
    acknowledged: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def on_time(self) -> int:
        return self.acknowledged - self.late

    @property
    def pending(self) -> int:
        return self.targets - self.acknowledged - self.overdue

    @property
    def rate(self) -> float:
        return round(self.acknowledged / self.targets, 4) if self.targets else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "acknowledged": self.acknowledged,
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "pending": self.pending,
            "rate": self.rate,
        }


def first_answers(*conditions):
    """Subquery: each target's earliest answer to its warning's current revision (``target_id``, ``first_at``),
    over the warnings the ``conditions`` on ``EarlyWarning`` select (never the whole history of answers)."""
    return (
        select(WarningAck.target_id, func.min(WarningAck.acknowledged_at).label("first_at"))
        .join(EarlyWarning, EarlyWarning.id == WarningAck.warning_id)
        .where(WarningAck.revision == EarlyWarning.revision, *conditions)
        .group_by(WarningAck.target_id)
        .subquery("first_answers")
    )


def summaries(warnings: list[EarlyWarning], root: OrgUnit) -> dict[int, Summary]:
    """One grouped query for any number of warnings: their targets under ``root`` and the answers."""
    if not warnings:
        return {}
    first = first_answers(EarlyWarning.id.in_([w.id for w in warnings]))
    stmt = (
        select(
            WarningTarget.warning_id,
            func.count(WarningTarget.id),
            func.count(first.c.first_at),
            func.sum(case((first.c.first_at > EarlyWarning.ack_due_at, 1), else_=0)),
        )
        .join(EarlyWarning, EarlyWarning.id == WarningTarget.warning_id)
        .join(OrgUnit, OrgUnit.id == WarningTarget.org_unit_id)
        .outerjoin(first, first.c.target_id == WarningTarget.id)
        .where(
            WarningTarget.warning_id.in_([w.id for w in warnings]),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .group_by(WarningTarget.warning_id)
    )
    out = {w.id: Summary() for w in warnings}
    by_id = {w.id: w for w in warnings}
    for warning_id, targets, acknowledged, late in db.session.execute(stmt):
        summary = out[warning_id]
        summary.targets, summary.acknowledged, summary.late = targets, acknowledged, int(late or 0)
        if by_id[warning_id].overdue_after() is not None:
            summary.overdue = targets - acknowledged
    return out


def village_answers(warnings: list[EarlyWarning], village: OrgUnit) -> dict[int, WarningAck]:
    """The village's acknowledgement (earliest answer to the current revision) of each warning, if any."""
    if not warnings:
        return {}
    stmt = (
        select(WarningAck)
        .join(EarlyWarning, EarlyWarning.id == WarningAck.warning_id)
        .where(
            WarningAck.warning_id.in_([w.id for w in warnings]),
            WarningAck.org_unit_id == village.id,
            WarningAck.revision == EarlyWarning.revision,
        )
        .order_by(WarningAck.acknowledged_at.desc(), WarningAck.id.desc())
    )
    return {ack.warning_id: ack for ack in db.session.scalars(stmt)}  # the earliest wins: it comes last


@dataclass(frozen=True)
class WarningRead(ReadModel):
    """A warning as its caller sees it (read model, ``server/reads.py``)."""

    row: EarlyWarning
    summary: dict[str, Any]  # the counts over the targets inside the caller's scope
    targets_me: bool  # the caller's village is a target
    acknowledgement: WarningAck | None  # the caller's village's answer to the current revision
    overdue: bool  # the caller's village is overdue
    overdue_units: list[dict[str, Any]] = field(default_factory=list)  # the dashboard's named silent villages


def as_seen_by(warnings: list[EarlyWarning], *, actor: User) -> list[WarningRead]:
    """What the caller sees beside each warning: the counts inside its scope, and for a village's people their
    village's acknowledgement and whether it is overdue. A bounded number of queries for any page."""
    root = scope_root(actor)
    counts = summaries(warnings, root)
    answers = village_answers(warnings, root) if root.level == "village" else {}
    reads = []
    for warning in warnings:
        targets_me = root.level == "village" and counts[warning.id].targets > 0
        acknowledgement = answers.get(warning.id)
        reads.append(
            WarningRead(
                warning,
                summary=counts[warning.id].as_dict(),
                targets_me=targets_me,
                acknowledgement=acknowledgement,
                overdue=targets_me and acknowledgement is None and warning.overdue_after() is not None,
            )
        )
    return reads


def warning_status(*, actor: User, warning_id: int) -> dict[str, Any]:
    """Per target village inside the caller's scope: answered (on time or late), overdue, or still in time; who
    answered when and how many households and persons they relayed to; the officers to call for the silent; and
    the counts, also per township. Five queries whatever the number of targets."""
    warning = get_warning(actor=actor, warning_id=warning_id)
    READ_ACK_STATUS.check(actor)
    root = scope_root(actor)
    township = aliased(OrgUnit)
    rows = db.session.execute(
        select(WarningTarget, OrgUnit, township)
        .join(OrgUnit, OrgUnit.id == WarningTarget.org_unit_id)
        .outerjoin(township, township.id == WarningTarget.township_id)
        .where(WarningTarget.warning_id == warning.id, OrgUnit.path.startswith(root.path, autoescape=True))
        .order_by(OrgUnit.code)
    ).all()
    answers: dict[int, list[WarningAck]] = {}
    for ack in db.session.scalars(
        select(WarningAck)
        .where(WarningAck.warning_id == warning.id, WarningAck.revision == warning.revision)
        .order_by(WarningAck.acknowledged_at, WarningAck.id)
    ):
        answers.setdefault(ack.target_id, []).append(ack)
    village_ids = {unit.id for _, unit, _ in rows}
    officers = village_officers(village_ids, root.path)
    escalated = {
        target_id: at
        for target_id, at in db.session.execute(
            select(WarningEscalation.target_id, WarningEscalation.escalated_at).where(
                WarningEscalation.warning_id == warning.id, WarningEscalation.revision == warning.revision
            )
        )
    }
    overdue_since = warning.overdue_after()
    units = []
    townships: dict[int | None, dict[str, Any]] = {}
    total = Summary()
    for target, unit, town in rows:
        acks = answers.get(target.id, [])
        first = acks[0] if acks else None
        overdue = first is None and overdue_since is not None
        units.append(
            {
                "org_unit": unit,
                "township": town,
                "acknowledged": first is not None,
                "acknowledged_at": first.acknowledged_at if first else None,
                "by": first.acknowledged_by if first else None,
                "late": bool(first and first.late),
                "overdue": overdue,
                "households_notified": first.households_notified if first else None,
                "persons_notified": first.persons_notified if first else None,
                "note": first.note if first else "",
                "answers": acks,
                "officers": officers.get(unit.id, []),
                "escalated_at": escalated.get(target.id),
            }
        )
        for summary in (total, _township_summary(townships, town)):
            summary.targets += 1
            summary.acknowledged += first is not None
            summary.late += bool(first and first.late)
            summary.overdue += overdue
    return {
        "warning_id": warning.id,
        "revision": warning.revision,
        "ack_due_at": warning.ack_due_at,
        "status": warning.current_status,
        **total.as_dict(),
        "units": units,
        "townships": [
            {"org_unit": entry["org_unit"], **entry["summary"].as_dict()}
            for entry in sorted(townships.values(), key=lambda e: e["org_unit"].code if e["org_unit"] else "")
        ],
    }


def _township_summary(townships: dict, town: OrgUnit | None) -> Summary:
    key = town.id if town is not None else None
    if key not in townships:
        townships[key] = {"org_unit": town, "summary": Summary()}
    return townships[key]["summary"]


def overdue_units(warnings: list[EarlyWarning], root: OrgUnit, *, limit: int) -> dict[int, list[dict[str, Any]]]:
    """The first ``limit`` overdue target villages (by code) under ``root`` of each warning, as unit dicts: named
    on the dashboards above them. One query (a window function keeps each warning's list short)."""
    overdue_ids = [w.id for w in warnings if w.overdue_after() is not None]
    if not overdue_ids:
        return {}
    first = first_answers(EarlyWarning.id.in_(overdue_ids))
    rank = func.row_number().over(partition_by=WarningTarget.warning_id, order_by=OrgUnit.code).label("rank")
    ranked = (
        select(WarningTarget.warning_id, *UNIT_COLUMNS, rank)
        .join(OrgUnit, OrgUnit.id == WarningTarget.org_unit_id)
        .outerjoin(first, first.c.target_id == WarningTarget.id)
        .where(
            WarningTarget.warning_id.in_(overdue_ids),
            OrgUnit.path.startswith(root.path, autoescape=True),
            first.c.first_at.is_(None),
        )
        .subquery()
    )
    stmt = select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.warning_id, ranked.c.rank)
    out: dict[int, list[dict[str, Any]]] = {}
    for row in db.session.execute(stmt).mappings():
        out.setdefault(row["warning_id"], []).append({name: row[name] for name in UNIT_FIELDS})
    return out
