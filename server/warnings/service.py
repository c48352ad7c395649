"""Warnings (预警): issue, update, cancel and read within scope. Answers are in acks.py, counts and status in
status.py, escalation in escalation.py.

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

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from server.audit_trail import changes_between, record, snapshot
from server.clock import now
from server.errors import Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from server.events.models import DISASTER_TYPES
from server.extensions import db
from server.locking import claim
from server.orgunits.models import LEVEL_RANK, OrgUnit
from server.orgunits.scope import get_unit_in_scope, statistics_unit
from server.users.models import User
from server.warnings.access import ISSUE_WARNINGS
from server.warnings.models import EarlyWarning, WarningTarget, severity_order

EDITABLE = ("title", "body", "level", "disaster_type", "ack_within_minutes", "expires_at")
AUDITED = (*EDITABLE, "status", "revision", "ack_due_at", "cancel_reason")
NOT_FOUND = "预警不存在"


# --- windows ------------------------------------------------------------------------------------------------


def default_ack_minutes(level: str) -> int | None:
    """The deployment's window for a level (config WARNING_ACK_MINUTES_<LEVEL>); 0 or unset means none."""
    minutes = int(current_app.config.get(f"WARNING_ACK_MINUTES_{level.upper()}") or 0)
    return minutes or None


def _due(start: datetime, minutes: int | None) -> datetime | None:
    return start + timedelta(minutes=minutes) if minutes else None


# --- reading ------------------------------------------------------------------------------------------------


def scope_root(actor: User) -> OrgUnit:
    # A grid's reporter answers for its village (PRODUCT.md): its warnings are the village's.
    return statistics_unit(actor)


def _visible(actor: User):
    """SQL: the warnings ``actor`` may read. Reporters see what targets their village (or their subtree); the other
    roles also see what was issued inside their scope."""
    root = scope_root(actor)
    targeted = exists(
        select(WarningTarget.id)
        .join(OrgUnit, WarningTarget.org_unit_id == OrgUnit.id)
        .where(WarningTarget.warning_id == EarlyWarning.id, OrgUnit.path.startswith(root.path, autoescape=True))
    )
    if actor.role == "reporter":
        return targeted
    issuer = aliased(OrgUnit)
    issued = exists(
        select(issuer.id).where(
            issuer.id == EarlyWarning.issuer_unit_id, issuer.path.startswith(root.path, autoescape=True)
        )
    )
    return or_(issued, targeted)


def get_warning(*, actor: User, warning_id: int) -> EarlyWarning:
    """The warning if ``actor`` may read it, else NotFound (never a hint that it exists)."""
    warning = db.session.scalar(select(EarlyWarning).where(EarlyWarning.id == warning_id, _visible(actor)))
    if warning is None:
        raise NotFound(NOT_FOUND)
    return warning


def active_clause():
    return and_(EarlyWarning.status == "active", EarlyWarning.expires_at > now())


def list_warnings(*, actor: User, active: bool | None = None) -> Select:
    """Warnings ``actor`` may read, most severe first, then newest (by their latest revision)."""
    stmt = select(EarlyWarning).where(_visible(actor))
    if active is True:
        stmt = stmt.where(active_clause())
    elif active is False:
        stmt = stmt.where(~active_clause())
    return stmt.order_by(severity_order().desc(), EarlyWarning.revised_at.desc(), EarlyWarning.id.desc())


# --- issuing, updating, cancelling --------------------------------------------------------------------------


def _check_fields(errors: dict[str, list[str]], *, disaster_type: str | None, expires_at: datetime | None) -> None:
    if disaster_type is not None and disaster_type not in DISASTER_TYPES:
        errors["disaster_type"] = [f"灾种不在国家灾种目录中，应为：{'、'.join(DISASTER_TYPES)}"]
    if expires_at is not None and expires_at <= now():
        errors["expires_at"] = ["失效时间须晚于当前时间"]


def _expand(actor: User, unit_ids: list[int]) -> list[tuple[int, int | None, int]]:
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
    actor: User,
    title: str,
    level: str,
    disaster_type: str,
    target_org_unit_ids: list[int],
    body: str = "",
    ack_within_minutes: int | None = None,
    expires_at: datetime | None = None,
) -> EarlyWarning:
    """Issue a warning to units inside the actor's scope; the villages they expand to are stored as targets."""
    ISSUE_WARNINGS.check(actor)
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


def _managed(actor: User, warning_id: int, verb: str) -> EarlyWarning:
    """The warning, for its issuing unit's reviewers or those above: 404 out of sight, 403 for anyone else."""
    warning = get_warning(actor=actor, warning_id=warning_id)
    ISSUE_WARNINGS.check(actor, message=f"只有审核员可以{verb}预警")
    if not actor.org_unit.contains(warning.issuer_unit):
        raise Forbidden(f"只有发布单位及其上级的审核员可以{verb}该预警")
    if warning.status == "cancelled":
        raise InvalidTransition(f"该预警已撤销，不能{verb}", details={"status": "cancelled"})
    return warning


def _check_version(warning: EarlyWarning, version: int | None) -> int:
    """The version this change starts from: the one the caller saw (409 if the warning moved on since), else the
    one just read."""
    if version is not None and version != warning.version:
        raise StaleVersion("预警已被他人修改，请刷新后重试", details={"version": warning.version})
    return warning.version


def _claim(warning: EarlyWarning, seen_version: int) -> None:
    """Claim the version read, while the warning is still not cancelled, before anything is written: of two
    reviewers changing it at once, one wins and the other gets 409 (never a silent overwrite)."""
    with db.session.no_autoflush:
        won = claim(warning, seen_version=seen_version, where=(EarlyWarning.status == "active",))
    if not won:
        raise StaleVersion("预警已被他人修改，请刷新后重试")


def update_warning(*, actor: User, warning_id: int, version: int | None = None, **changes: Any) -> EarlyWarning:
    """Change a warning. Any change starts a new revision: every target village must acknowledge again, within
    the (new) window from now. A request that changes nothing changes nothing."""
    warning = _managed(actor, warning_id, "修改")
    seen_version = _check_version(warning, version)
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
    _claim(warning, seen_version)
    at = now()
    for key, value in changed.items():
        setattr(warning, key, value)
    warning.revision += 1
    warning.revised_at = at
    warning.ack_due_at = _due(at, warning.ack_within_minutes)
    db.session.flush()
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


def cancel_warning(*, actor: User, warning_id: int, reason: str, version: int | None = None) -> EarlyWarning:
    """Cancel (撤销) a warning: it leaves every list of active warnings and asks nobody anything more."""
    warning = _managed(actor, warning_id, "撤销")
    seen_version = _check_version(warning, version)
    if not reason.strip():
        raise Invalid({"reason": ["请填写撤销原因"]})
    before = snapshot(warning, AUDITED)
    _claim(warning, seen_version)
    warning.status = "cancelled"
    warning.cancelled_at = now()
    warning.cancelled_by_id = actor.id
    warning.cancel_reason = reason.strip()
    db.session.flush()
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
