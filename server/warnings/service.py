"""Warnings (预警): issue, update, cancel, read within scope, and acknowledge (叫应) per village.

Who may do what:

| action | who |
| --- | --- |
| issue | a reviewer at township level or above, to units inside its scope (expanded to villages, stored) |
| update, cancel | a reviewer whose scope covers the issuing unit |
| read, list | reporters: what targets their village (a grid's: its village); others: also what was issued in scope |
| acknowledge | a reporter (or the village's own reviewer) of a targeted village or one of its grids |
| status | reviewers, viewers and admins, for the targets inside their scope |

Overdue is computed from the clock at read time: a village is overdue when the current revision's window has
passed without an answer (and the warning was not cancelled before it). Nothing needs a job to be correct; the
escalation command only tells people (server/warnings/escalation.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from server.audit.service import changes_between, record, snapshot
from server.auth.access import require_role
from server.clock import now
from server.errors import Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from server.events.models import DISASTER_TYPES
from server.extensions import db
from server.idempotency import payload_digest, resend_or_conflict
from server.orgunits.models import LEVEL_RANK, OrgUnit
from server.orgunits.scope import get_unit_in_scope, statistics_unit
from server.users.models import User
from server.warnings.models import EarlyWarning, WarningAck, WarningTarget, severity_order

ISSUE_ROLES = ("reviewer",)
ACK_ROLES = ("reporter", "reviewer")
STATUS_ROLES = ("reviewer", "viewer", "admin")
EDITABLE = ("title", "body", "level", "disaster_type", "ack_within_minutes", "expires_at")
AUDITED = (*EDITABLE, "status", "revision", "ack_due_at", "cancel_reason")
ACK_FIELDS = ("households_notified", "persons_notified", "note")
NOT_FOUND = "预警不存在"


# --- windows ------------------------------------------------------------------------------------------------


def default_ack_minutes(level: str) -> int | None:
    """The deployment's window for a level (config WARNING_ACK_MINUTES_<LEVEL>); 0 or unset means none."""
    minutes = int(current_app.config.get(f"WARNING_ACK_MINUTES_{level.upper()}") or 0)
    return minutes or None


def _due(start: datetime, minutes: int | None) -> datetime | None:
    return start + timedelta(minutes=minutes) if minutes else None


# --- reading ------------------------------------------------------------------------------------------------


def _scope_root(user) -> OrgUnit:
    # A grid's reporter answers for its village (PRODUCT.md): its warnings are the village's.
    return statistics_unit(user)


def _visible(user):
    """SQL: the warnings ``user`` may read. Reporters see what targets their village (or their subtree); the other
    roles also see what was issued inside their scope."""
    root = _scope_root(user)
    targeted = exists(
        select(WarningTarget.id)
        .join(OrgUnit, WarningTarget.org_unit_id == OrgUnit.id)
        .where(WarningTarget.warning_id == EarlyWarning.id, OrgUnit.path.startswith(root.path, autoescape=True))
    )
    if user.role == "reporter":
        return targeted
    issuer = aliased(OrgUnit)
    issued = exists(
        select(issuer.id).where(
            issuer.id == EarlyWarning.issuer_unit_id, issuer.path.startswith(root.path, autoescape=True)
        )
    )
    return or_(issued, targeted)


def get_warning(*, user, warning_id: int) -> EarlyWarning:
    """The warning if ``user`` may read it, else NotFound (never a hint that it exists)."""
    warning = db.session.scalar(select(EarlyWarning).where(EarlyWarning.id == warning_id, _visible(user)))
    if warning is None:
        raise NotFound(NOT_FOUND)
    return warning


def active_clause():
    return and_(EarlyWarning.status == "active", EarlyWarning.expires_at > now())


def list_warnings(*, user, active: bool | None = None) -> Select:
    """Warnings ``user`` may read, most severe first, then newest (by their latest revision)."""
    stmt = select(EarlyWarning).where(_visible(user))
    if active is True:
        stmt = stmt.where(active_clause())
    elif active is False:
        stmt = stmt.where(~active_clause())
    return stmt.order_by(severity_order().desc(), EarlyWarning.revised_at.desc(), EarlyWarning.id.desc())


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


def first_answers():
    """Subquery: each target's earliest answer to its warning's current revision (``target_id``, ``first_at``)."""
    return (
        select(WarningAck.target_id, func.min(WarningAck.acknowledged_at).label("first_at"))
        .join(EarlyWarning, EarlyWarning.id == WarningAck.warning_id)
        .where(WarningAck.revision == EarlyWarning.revision)
        .group_by(WarningAck.target_id)
        .subquery("first_answers")
    )


def summaries(warnings: list[EarlyWarning], root: OrgUnit) -> dict[int, Summary]:
    """One grouped query for any number of warnings: their targets under ``root`` and the answers."""
    if not warnings:
        return {}
    first = first_answers()
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


def decorate(warnings: list[EarlyWarning], *, user) -> list[EarlyWarning]:
    """Attach what the caller sees beside each warning: the counts inside its scope, and for a village's people
    their village's acknowledgement and whether it is overdue. A bounded number of queries for any page."""
    root = _scope_root(user)
    counts = summaries(warnings, root)
    answers = village_answers(warnings, root) if root.level == "village" else {}
    for warning in warnings:
        warning.summary = counts[warning.id].as_dict()
        warning.targets_me = root.level == "village" and counts[warning.id].targets > 0
        warning.acknowledgement = answers.get(warning.id)
        warning.my_overdue = (
            warning.targets_me and warning.acknowledgement is None and warning.overdue_after() is not None
        )
    return warnings


# --- issuing, updating, cancelling --------------------------------------------------------------------------


def _check_fields(errors: dict[str, list[str]], *, disaster_type: str | None, expires_at: datetime | None) -> None:
    if disaster_type is not None and disaster_type not in DISASTER_TYPES:
        errors["disaster_type"] = [f"灾种不在国家灾种目录中，应为：{'、'.join(DISASTER_TYPES)}"]
    if expires_at is not None and expires_at <= now():
        errors["expires_at"] = ["失效时间须晚于当前时间"]


def _expand(actor, unit_ids: list[int]) -> list[tuple[int, int | None, int]]:
    """The villages the given units stand for, as ``(village_id, township_id, via_unit_id)``: a township or county
    is every village under it, a grid is its village. Each given unit must be inside the actor's scope (404)."""
    given = [get_unit_in_scope(actor, unit_id) for unit_id in dict.fromkeys(unit_ids)]
    parent = aliased(OrgUnit)
    villages: dict[int, tuple[int, int | None, int]] = {}
    for unit in given:
        if unit.level == "grid":
            stmt = select(OrgUnit.id, parent.id, parent.level).where(OrgUnit.id == unit.parent_id)
        else:
            stmt = select(OrgUnit.id, parent.id, parent.level).where(
                OrgUnit.level == "village", OrgUnit.path.startswith(unit.path, autoescape=True)
            )
        stmt = stmt.outerjoin(parent, parent.id == OrgUnit.parent_id)
        for village_id, parent_id, parent_level in db.session.execute(stmt):
            township = parent_id if parent_level == "township" else None
            villages.setdefault(village_id, (village_id, township, unit.id))
    return list(villages.values())


def issue_warning(
    *,
    actor,
    title: str,
    level: str,
    disaster_type: str,
    target_org_unit_ids: list[int],
    body: str = "",
    ack_within_minutes: int | None = None,
    expires_at: datetime | None = None,
) -> EarlyWarning:
    """Issue a warning to units inside the actor's scope; the villages they expand to are stored as targets."""
    require_role(actor, *ISSUE_ROLES, message="只有审核员可以发布预警")
    if actor.org_unit.rank >= LEVEL_RANK["village"]:
        raise Forbidden("预警由乡镇或县级审核员发布")
    targets = _expand(actor, target_org_unit_ids)
    errors: dict[str, list[str]] = {}
    _check_fields(errors, disaster_type=disaster_type, expires_at=expires_at)
    if not title.strip():
        errors["title"] = ["标题不能为空"]
    if not targets:
        errors["target_org_unit_ids"] = ["所选单位下没有村（社区）"]
    if errors:
        raise Invalid(errors)
    at = now()
    minutes = ack_within_minutes if ack_within_minutes is not None else default_ack_minutes(level)
    warning = EarlyWarning(
        title=title.strip(),
        body=body.strip(),
        level=level,
        disaster_type=disaster_type,
        issuer_unit_id=actor.org_unit_id,
        issued_by_id=actor.id,
        issued_at=at,
        revised_at=at,
        revision=1,
        ack_within_minutes=minutes,
        ack_due_at=_due(at, minutes),
        expires_at=expires_at or at + timedelta(hours=int(current_app.config["WARNING_DEFAULT_HOURS"])),
        status="active",
        target_unit_ids=list(dict.fromkeys(target_org_unit_ids)),
    )
    db.session.add(warning)
    db.session.flush()
    db.session.add_all(
        WarningTarget(warning_id=warning.id, org_unit_id=village, township_id=township, via_unit_id=via)
        for village, township, via in targets
    )
    record(
        actor=actor,
        action="warning.issue",
        entity_type="warning",
        entity_id=warning.id,
        org_unit_id=warning.issuer_unit_id,
        changes={
            **{k: [None, v] for k, v in snapshot(warning, AUDITED).items()},
            "target_org_unit_ids": [None, warning.target_unit_ids],
            "villages": [None, len(targets)],
        },
    )
    db.session.flush()
    return warning


def _managed(actor, warning_id: int, verb: str) -> EarlyWarning:
    """The warning, for its issuing unit's reviewers or those above: 404 out of sight, 403 for anyone else."""
    warning = get_warning(user=actor, warning_id=warning_id)
    require_role(actor, *ISSUE_ROLES, message=f"只有审核员可以{verb}预警")
    if not actor.org_unit.contains(warning.issuer_unit):
        raise Forbidden(f"只有发布单位及其上级的审核员可以{verb}该预警")
    if warning.status == "cancelled":
        raise InvalidTransition(f"该预警已撤销，不能{verb}", details={"status": "cancelled"})
    return warning


def _check_version(warning: EarlyWarning, version: int | None) -> None:
    if version is not None and version != warning.version:
        raise StaleVersion("预警已被他人修改，请刷新后重试", details={"version": warning.version})


def _flush_versioned() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # another reviewer's change committed between our read and our write
        raise StaleVersion("预警已被他人修改，请刷新后重试") from exc


def update_warning(*, actor, warning_id: int, version: int | None = None, **changes: Any) -> EarlyWarning:
    """Change a warning. Any change starts a new revision: every target village must acknowledge again, within
    the (new) window from now. A request that changes nothing changes nothing."""
    warning = _managed(actor, warning_id, "修改")
    _check_version(warning, version)
    changes = {k: v for k, v in changes.items() if k in EDITABLE and v is not None}
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    if "body" in changes:
        changes["body"] = changes["body"].strip()
    errors: dict[str, list[str]] = {}
    _check_fields(errors, disaster_type=changes.get("disaster_type"), expires_at=changes.get("expires_at"))
    if "title" in changes and not changes["title"]:
        errors["title"] = ["标题不能为空"]
    if errors:
        raise Invalid(errors)
    if "level" in changes and "ack_within_minutes" not in changes and changes["level"] != warning.level:
        changes["ack_within_minutes"] = default_ack_minutes(changes["level"])
    changed = {k: v for k, v in changes.items() if getattr(warning, k) != v}
    if not changed:
        return warning
    before = snapshot(warning, AUDITED)
    at = now()
    for key, value in changed.items():
        setattr(warning, key, value)
    warning.revision += 1
    warning.revised_at = at
    warning.ack_due_at = _due(at, warning.ack_within_minutes)
    _flush_versioned()
    record(
        actor=actor,
        action="warning.update",
        entity_type="warning",
        entity_id=warning.id,
        org_unit_id=warning.issuer_unit_id,
        changes=changes_between(before, snapshot(warning, AUDITED)),
    )
    db.session.flush()
    return warning


def cancel_warning(*, actor, warning_id: int, reason: str, version: int | None = None) -> EarlyWarning:
    """Cancel (撤销) a warning: it leaves every list of active warnings and asks nobody anything more."""
    warning = _managed(actor, warning_id, "撤销")
    _check_version(warning, version)
    if not reason.strip():
        raise Invalid({"reason": ["请填写撤销原因"]})
    before = snapshot(warning, AUDITED)
    warning.status = "cancelled"
    warning.cancelled_at = now()
    warning.cancelled_by_id = actor.id
    warning.cancel_reason = reason.strip()
    _flush_versioned()
    record(
        actor=actor,
        action="warning.cancel",
        entity_type="warning",
        entity_id=warning.id,
        org_unit_id=warning.issuer_unit_id,
        changes=changes_between(before, snapshot(warning, AUDITED)),
    )
    db.session.flush()
    return warning


# --- acknowledging (叫应) -----------------------------------------------------------------------------------


def acknowledge(
    *,
    actor,
    warning_id: int,
    client_id=None,
    households_notified: int | None = None,
    persons_notified: int | None = None,
    note: str = "",
) -> tuple[WarningAck, bool]:
    """Record the village's answer. Returns ``(answer, created)``.

    Idempotent: a resend of the same ``client_id`` and payload returns the first answer, another payload under it
    is a 409; without a ``client_id``, an officer who already answered this revision gets that answer back
    unchanged. An answer after the window counts and is marked late.
    """
    warning = get_warning(user=actor, warning_id=warning_id)
    require_role(actor, *ACK_ROLES, message="只有村（社区）信息员可以叫应")
    village = _scope_root(actor)
    target = db.session.scalar(
        select(WarningTarget).where(WarningTarget.warning_id == warning.id, WarningTarget.org_unit_id == village.id)
    )
    if target is None:
        raise Forbidden("只有被预警村（社区）的信息员可以叫应")
    note = (note or "").strip()
    payload = {
        "warning_id": warning.id,
        "households_notified": households_notified,
        "persons_notified": persons_notified,
        "note": note,
    }
    digest = payload_digest(payload)
    client_id = str(client_id) if client_id is not None else None

    if client_id is not None:
        existing = db.session.scalar(select(WarningAck).where(WarningAck.client_id == client_id))
        if existing is not None:
            return _resent(existing, digest, village), False
    else:
        existing = db.session.scalar(
            select(WarningAck)
            .where(
                WarningAck.target_id == target.id,
                WarningAck.revision == warning.revision,
                WarningAck.acknowledged_by_id == actor.id,
            )
            .order_by(WarningAck.acknowledged_at, WarningAck.id)
            .limit(1)
        )
        if existing is not None:
            return existing, False
    if warning.status == "cancelled":
        raise InvalidTransition("该预警已撤销，无需叫应", details={"status": "cancelled"})

    at = now()
    ack = WarningAck(
        client_id=client_id,
        payload_hash=digest,
        warning_id=warning.id,
        target_id=target.id,
        org_unit_id=village.id,
        revision=warning.revision,
        acknowledged_by_id=actor.id,
        acknowledged_at=at,
        due_at=warning.ack_due_at,
        late=warning.ack_due_at is not None and at > warning.ack_due_at,
        households_notified=households_notified,
        persons_notified=persons_notified,
        note=note,
    )
    try:
        with db.session.begin_nested():
            db.session.add(ack)
            db.session.flush()
    except IntegrityError:
        # Two identical sends raced: the unique client_id let one in; answer the other like a resend.
        existing = db.session.scalar(select(WarningAck).where(WarningAck.client_id == client_id))
        if existing is None:
            raise
        return _resent(existing, digest, village), False
    record(
        actor=actor,
        action="warning.ack",
        entity_type="warning",
        entity_id=warning.id,
        org_unit_id=village.id,
        changes={
            "client_id": [None, client_id],
            "revision": [None, ack.revision],
            "acknowledged_at": [None, at],
            "late": [None, ack.late],
            **{k: [None, payload[k]] for k in ACK_FIELDS},
        },
    )
    db.session.flush()
    return ack, True


def _resent(existing: WarningAck, digest: str, village: OrgUnit) -> WarningAck:
    return resend_or_conflict(existing, digest, visible=existing.org_unit_id == village.id, what="叫应")


# --- status -------------------------------------------------------------------------------------------------


def warning_status(*, user, warning_id: int) -> dict[str, Any]:
    """Per target village inside the caller's scope: answered (on time or late), overdue, or still in time; who
    answered when and how many households and persons they relayed to; the officers to call for the silent; and
    the counts, also per township. Five queries whatever the number of targets."""
    warning = get_warning(user=user, warning_id=warning_id)
    require_role(user, *STATUS_ROLES, message="只有审核员、查看人员和管理员可以查看叫应情况")
    from server.warnings.models import WarningEscalation

    root = _scope_root(user)
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
    officers = village_officers(village_ids, root)
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


def village_officers(village_ids: set[int], root: OrgUnit) -> dict[int, list[dict[str, Any]]]:
    """The active reporters (灾害信息员 / 网格员) of each village, its grids' included: whom to call when it is
    silent. One query."""
    if not village_ids:
        return {}
    stmt = (
        select(User.id, User.name, User.phone, OrgUnit.id, OrgUnit.level, OrgUnit.parent_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(
            User.role == "reporter",
            User.active.is_(True),
            OrgUnit.level.in_(("village", "grid")),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .order_by(OrgUnit.level.desc(), User.id)  # the village's own officers before its grids'
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for user_id, name, phone, unit_id, level, parent_id in db.session.execute(stmt):
        village_id = unit_id if level == "village" else parent_id
        if village_id in village_ids:
            out.setdefault(village_id, []).append({"id": user_id, "name": name, "phone": phone})
    return out
