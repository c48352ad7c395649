"""Hazards: filing (idempotent by client_id), reading within scope, and the rectification lifecycle.

Lifecycle (PRODUCT.md): reported → verified (or rejected) → rectifying → rectified → closed (销号); closed or
rejected can be reopened. Who may act:

| action | from | to | who |
| --- | --- | --- | --- |
| verify | reported | verified | reviewer at township level or above |
| reject (reason) | reported, verified | rejected | reviewer at township level or above |
| start_rectification (measures, responsible person, deadline) | verified, rectified | rectifying | same |
| report_rectified (an after-photo) | rectifying | rectified | reporter or reviewer in scope |
| close | rectified | closed | reviewer at township level or above; 挂牌督办 (major) ones: county or above |
| reopen (reason) | closed → verified, rejected → reported | | reviewer at township level or above |

A village's own reviewer (村主任) does not verify its village's hazards: verification comes from above.
Checks run in the order 404 (scope) → 403 (role) → 409 (status, stale version) → 422 (missing fields).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from server.audit_trail import changes_between, record, snapshot
from server.clock import now
from server.errors import Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from server.extensions import db
from server.fields import local_iso
from server.hazards.access import FILE_HAZARDS, REPORT_RECTIFIED
from server.hazards.models import ACTIONS, RISK_LEVELS, STATUSES, Hazard, HazardStep, overdue_clause
from server.idempotency import after_lost_race, by_client_id, insert_unless_taken, payload_digest, resend_or_conflict
from server.locking import claim
from server.orgunits.models import LEVEL_RANK, OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope

if TYPE_CHECKING:
    from server.users.models import User

SELF_REVIEW_FORBIDDEN = ("verify", "reject", "close")  # the reviewer's judgements on a hazard
HAZARD_LEVELS = ("village", "grid")  # hazards are filed per village or grid
CREATE_FIELDS = (
    "org_unit_id",
    "category",
    "title",
    "description",
    "lat",
    "lon",
    "accuracy_m",
    "address",
    "threatened_households",
    "threatened_persons",
    "risk_level",
    "found_at",
)
AUDITED_FIELDS = (
    "status",
    "risk_level",
    "supervised",
    "measures",
    "responsible_person",
    "monitor_person",
    "deadline",
    "rectified_at",
    "closed_at",
)
# action → (statuses it may start from, status it leads to; reopen depends on where it starts)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "verify": (("reported",), "verified"),
    "reject": (("reported", "verified"), "rejected"),
    "start_rectification": (("verified", "rectified"), "rectifying"),
    "report_rectified": (("rectifying",), "rectified"),
    "close": (("rectified",), "closed"),
    "reopen": (("closed", "rejected"), None),
}
REOPEN_TO = {"closed": "verified", "rejected": "reported"}
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead


# --- reading


def get_hazard(*, actor: User, hazard_id: int) -> Hazard:
    """The hazard if ``user``'s scope covers its unit, else NotFound (never a hint that it exists)."""
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None or not actor.org_unit.contains(hazard.org_unit):
        raise NotFound("隐患不存在")
    return hazard


def list_hazards(*, actor: User, **filters: Any) -> Select:
    """Hazards in the user's scope (or the sub-tree of ``org_unit_id`` inside it), newest found first.

    ``filters`` are those of ``filtered`` (status, category, risk_level, org_unit_id, overdue, supervised), which the
    ledger export (server/exports/hazards.py) shares."""
    stmt = select(Hazard).join(OrgUnit, Hazard.org_unit_id == OrgUnit.id)
    stmt = filtered(stmt, actor=actor, unit_cls=OrgUnit, **filters)
    return stmt.order_by(Hazard.found_at.desc(), Hazard.id.desc())


def filtered(
    stmt: Select,
    *,
    actor: User,
    unit_cls,
    status: str | None = None,
    category: str | None = None,
    risk_level: str | None = None,
    org_unit_id: int | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
) -> Select:
    """The list's scope and filters on a statement already joined to the hazard's unit as ``unit_cls``."""
    root = get_unit_in_scope(actor, org_unit_id) if org_unit_id is not None else actor.org_unit
    stmt = stmt.where(within_scope(actor, unit_cls, scope_unit=root))
    if status:
        stmt = stmt.where(Hazard.status == status)
    if category:
        stmt = stmt.where(Hazard.category == category)
    if risk_level:
        stmt = stmt.where(Hazard.risk_level == risk_level)
    if supervised is not None:
        stmt = stmt.where(Hazard.supervised.is_(supervised))
    if overdue is True:
        stmt = stmt.where(overdue_clause())
    elif overdue is False:
        stmt = stmt.where(~overdue_clause())
    return stmt


# --- filing


def _hazard_unit(actor: User, org_unit_id: int | None) -> OrgUnit:
    unit = get_unit_in_scope(actor, org_unit_id if org_unit_id is not None else actor.org_unit_id)
    if unit.level not in HAZARD_LEVELS:
        raise Invalid({"org_unit_id": ["隐患须上报到村（社区）或网格"]})
    return unit


def create_hazard(*, actor: User, client_id, org_unit_id: int | None = None, **fields: Any) -> tuple[Hazard, bool]:
    """File a hazard. Returns ``(hazard, created)``; a resend of the same payload returns the first one."""
    FILE_HAZARDS.check(actor)
    unit = _hazard_unit(actor, org_unit_id)
    if fields["found_at"] > now() + CLOCK_SKEW:
        raise Invalid({"found_at": ["发现时间不能晚于当前时间"]})
    client_id = str(client_id)
    payload = {field: fields.get(field) for field in CREATE_FIELDS if field != "org_unit_id"}
    payload["org_unit_id"] = unit.id
    payload_hash = payload_digest(payload)

    existing = by_client_id(Hazard, client_id)
    if existing is not None:
        return _resent(actor, existing, payload_hash), False

    hazard = Hazard(
        client_id=client_id,
        payload_hash=payload_hash,
        org_unit=unit,
        status="reported",
        supervised=payload["risk_level"] == "major",
        reported_by_id=actor.id,
        **{k: v for k, v in payload.items() if k != "org_unit_id"},
    )
    if not insert_unless_taken(hazard):
        # Two identical requests raced: the unique client_id let one in; answer the other like a resend.
        return after_lost_race(
            lambda: by_client_id(Hazard, client_id), lambda found: _resent(actor, found, payload_hash)
        ), False

    _add_step(hazard, actor=actor, action="report", from_status=None, comment="")
    record(
        actor=actor,
        action="hazard.create",
        entity_type="hazard",
        entity_id=hazard.id,
        org_unit_id=unit.id,
        changes={k: [None, v] for k, v in snapshot(hazard, ("client_id", *CREATE_FIELDS, "status")).items()},
    )
    db.session.flush()
    return hazard, True


def _resent(actor: User, existing: Hazard, payload_hash: str) -> Hazard:
    return resend_or_conflict(
        existing, payload_hash, visible=actor.org_unit.contains(existing.org_unit), what="隐患报告"
    )


# --- lifecycle


def _is_supervisor(actor: User) -> bool:
    """A reviewer above the village level: township (乡镇应急所), county (县应急局) or higher."""
    return actor.role == "reviewer" and actor.org_unit.rank < LEVEL_RANK["village"]


def _check_role(actor: User, hazard: Hazard, action: str) -> None:
    if action == "report_rectified":
        REPORT_RECTIFIED.check(actor)
        return
    if not _is_supervisor(actor):
        raise Forbidden(f"只有乡镇或县级审核员可以{ACTIONS[action]}隐患")
    if action == "close" and hazard.supervised and actor.org_unit.rank > LEVEL_RANK["county"]:
        raise Forbidden("挂牌督办的重大隐患须由县级审核员销号")
    if action in SELF_REVIEW_FORBIDDEN and hazard.reported_by_id == actor.id:
        # as for damage reports: whoever filed it does not judge it
        raise Forbidden(f"不能{ACTIONS[action]}自己上报的隐患")


def _required(fields: dict[str, Any], names: tuple[str, ...], message: str) -> None:
    def blank(value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    missing = {name: [message] for name in names if blank(fields.get(name))}
    if missing:
        raise Invalid(missing)


def transition(
    *,
    actor: User,
    hazard_id: int,
    action: str,
    comment: str = "",
    measures: str | None = None,
    responsible_person: str | None = None,
    monitor_person: str | None = None,
    deadline: datetime | None = None,
    risk_level: str | None = None,
    version: int | None = None,
) -> Hazard:
    """Move a hazard one step along its lifecycle, with history and audit in the same transaction."""
    if action not in TRANSITIONS:
        raise Invalid({"action": ["未知操作"]})
    hazard = get_hazard(actor=actor, hazard_id=hazard_id)
    _check_role(actor, hazard, action)
    sources, target = TRANSITIONS[action]
    if hazard.status not in sources:
        raise InvalidTransition(
            f"隐患当前状态为「{STATUSES[hazard.status]}」，不能{ACTIONS[action]}",
            details={"status": hazard.status, "action": action, "allowed_from": list(sources)},
        )
    if version is not None and version != hazard.version:
        raise StaleVersion("隐患已被他人更新，请刷新后重试", details={"version": hazard.version})

    fields = {"comment": comment, "measures": measures, "responsible_person": responsible_person, "deadline": deadline}
    details: dict[str, Any] = {}
    before = snapshot(hazard, AUDITED_FIELDS)
    from_status, seen_version = hazard.status, hazard.version
    at = now()

    if action in ("reject", "reopen"):
        _required(fields, ("comment",), "请填写原因")
    if action == "verify" and risk_level and risk_level != hazard.risk_level:
        details["risk_level"] = [hazard.risk_level, risk_level]
        hazard.risk_level = risk_level
        hazard.supervised = risk_level == "major"
    elif action == "start_rectification":
        _required(fields, ("measures", "responsible_person", "deadline"), "开始整改须填写此项")
        hazard.measures = measures.strip()
        hazard.responsible_person = responsible_person.strip()
        hazard.monitor_person = (monitor_person or "").strip()
        hazard.deadline = deadline
        hazard.rectified_at = None
        details = {
            "measures": hazard.measures,
            "responsible_person": hazard.responsible_person,
            "monitor_person": hazard.monitor_person,
            "deadline": deadline.isoformat(),
        }
    elif action == "report_rectified":
        after_photos = _after_photo_count(hazard)
        if not after_photos:
            raise Invalid({"photos": ["请先上传至少一张整改后照片（kind=after）"]}, "报告整改完成须附整改后照片")
        hazard.rectified_at = at
        details["after_photos"] = after_photos
    elif action == "close":
        hazard.closed_at = at
    elif action == "reopen":
        target = REOPEN_TO[hazard.status]
        hazard.closed_at = None

    hazard.status = target
    hazard.updated_at = at
    _add_step(hazard, actor=actor, action=action, from_status=from_status, comment=comment.strip(), details=details)
    # Claim the version read before anything is written (no autoflush: the claim goes first).
    with db.session.no_autoflush:
        won = claim(hazard, seen_version=seen_version, where=(Hazard.status == from_status,))
    if not won:  # another reviewer's step committed between our read and our write
        raise StaleVersion("隐患已被他人更新，请刷新后重试")
    db.session.flush()
    record(
        actor=actor,
        action=f"hazard.{action}",
        entity_type="hazard",
        entity_id=hazard.id,
        org_unit_id=hazard.org_unit_id,
        changes={**changes_between(before, snapshot(hazard, AUDITED_FIELDS)), **_comment_change(comment)},
    )
    db.session.flush()
    return hazard


def _comment_change(comment: str) -> dict[str, list[Any]]:
    return {"comment": [None, comment.strip()]} if comment and comment.strip() else {}


def _add_step(
    hazard: Hazard, *, actor: User, action: str, from_status: str | None, comment: str, details: dict | None = None
) -> HazardStep:
    step = HazardStep(
        hazard=hazard,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        actor_id=actor.id,
        comment=comment,
        details=details or {},
        at=now(),
    )
    db.session.add(step)
    return step


OPEN_EXCLUDED = ("rejected", "closed")


def open_hazards(*, actor: User, named: int = 20) -> dict[str, Any]:
    """Open hazards (隐患) in the caller's scope by risk level, and the supervised (挂牌督办) and overdue
    rectifications among them, the first ``named`` of those by deadline listed: the dashboard's hazard figures."""
    open_in_scope = (Hazard.status.not_in(OPEN_EXCLUDED), within_scope(actor))
    by_level = dict.fromkeys(RISK_LEVELS, 0)
    stmt = (
        select(Hazard.risk_level, func.count(Hazard.id))
        .join(OrgUnit, Hazard.org_unit_id == OrgUnit.id)
        .where(*open_in_scope)
        .group_by(Hazard.risk_level)
    )
    by_level.update({level: count for level, count in db.session.execute(stmt)})
    counted = select(func.count(Hazard.id)).join(OrgUnit, Hazard.org_unit_id == OrgUnit.id).where(*open_in_scope)
    return {
        "open": sum(by_level.values()),
        "open_by_risk_level": by_level,
        "supervised": db.session.scalar(counted.where(Hazard.supervised.is_(True))),
        "overdue_rectification": db.session.scalar(counted.where(overdue_clause())),
        "overdue_rectifications": [
            {
                "id": hazard_id,
                "title": title,
                "risk_level": risk_level,
                "deadline": local_iso(deadline),
                "supervised": supervised,
                "org_unit": unit,
            }
            for hazard_id, title, risk_level, deadline, supervised, unit in db.session.execute(
                select(Hazard.id, Hazard.title, Hazard.risk_level, Hazard.deadline, Hazard.supervised, OrgUnit)
                .join(OrgUnit, Hazard.org_unit_id == OrgUnit.id)
                .where(*open_in_scope, overdue_clause())
                .order_by(Hazard.deadline, Hazard.id)
                .limit(named)
            )
        ],
    }


def _after_photo_count(hazard: Hazard) -> int:
    """整改后 photos on file. Photos sit above hazards (an upload looks its hazard up), so the Photo model is
    reached through ``Hazard.photos``' mapper rather than imported: the same count query."""
    photo = Hazard.photos.property.mapper.class_
    return db.session.scalar(
        select(func.count()).select_from(photo).where(photo.hazard_id == hazard.id, photo.kind == "after")
    )
