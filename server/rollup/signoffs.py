"""Sign-off at every level (乡镇上报, 县级上报, 市级上报): a township, county or city freezes its roll-up and sends it
upward; the level above (a county, city or province reviewer, when one exists) accepts or returns it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from server import clock
from server.audit_trail import record
from server.errors import (
    AlreadyReviewed,
    EventClosed,
    Forbidden,
    Invalid,
    NotFound,
    SignOffRace,
    StaleVersion,
    Superseded,
)
from server.events.service import get_event
from server.extensions import db
from server.idempotency import insert_current
from server.locking import claim
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope
from server.rollup.access import REVIEW_SIGNOFFS, SIGN_OFF
from server.rollup.deadlines import LEVEL_NAMES, SIGNOFF_LEVELS
from server.rollup.models import SignOff
from server.rollup.service import OUTSIDE_AREA, compute_rollup

if TYPE_CHECKING:
    from server.users.models import User

DECISIONS = {"accept": "accepted", "return": "returned"}


def sign_off(*, actor: User, event_id: int, org_unit_id: int, note: str = "") -> SignOff:
    """Freeze the unit's live roll-up (figures, evacuation, reporting) as a new sign-off.

    Only the unit's own reviewer signs (乡镇应急所 for a township, 县应急局 for the county's 县级上报); a newer sign-off
    supersedes the unit's earlier ones, whatever their status, so the level above always reviews the latest numbers.

    Two sign-offs at once: the partial unique index ``uq_signoffs_current`` and the conditional move of the current
    flag let exactly one become current; the other gets 409 ``signoff_conflict`` and nothing of it is kept.
    """
    SIGN_OFF.check(actor)
    event = get_event(actor=actor, event_id=event_id)
    unit = get_unit_in_scope(actor, org_unit_id)
    if unit.level not in SIGNOFF_LEVELS:
        raise Invalid({"org_unit_id": ["只能上报乡镇（街道）、县（区）或市的汇总"]})
    if actor.org_unit_id != unit.id:
        raise Forbidden(f"只有本{LEVEL_NAMES[unit.level]}的审核员可以上报本单位汇总")
    if not (event.org_unit.contains(unit) or unit.contains(event.org_unit)):
        raise Invalid({"org_unit_id": [OUTSIDE_AREA]})
    if event.status in ("closed", "merged", "rejected"):
        raise EventClosed("灾害过程已结束，不能再上报")

    previous_id = _current_id(event.id, unit.id)
    data = compute_rollup(event=event, node=unit)
    row = {
        "event_id": event.id,
        "org_unit_id": unit.id,
        "figures": data["figures"],
        "evacuation": data["evacuation"],
        "reporting": data["reporting"],
        "note": note or "",
        "status": "submitted",
        "current": True,
        "version": 1,
        "created_by_id": actor.id,
        "created_at": clock.now(),
        "review_comment": "",
    }
    new_id = insert_current(SignOff, row, current_id=previous_id)
    if new_id is None:
        raise _race_conflict(event.id, unit.id)
    signoff = db.session.get(SignOff, new_id)
    record(
        actor=actor,
        action="signoff.create",
        entity_type="signoff",
        entity_id=signoff.id,
        org_unit_id=unit.id,
        changes={"status": [None, "submitted"], "figures": [None, data["figures"]], "note": [None, signoff.note]},
    )
    return signoff


def _current_id(event_id: int, org_unit_id: int) -> int | None:
    return db.session.scalar(
        select(SignOff.id).where(SignOff.event_id == event_id, SignOff.org_unit_id == org_unit_id, SignOff.current)
    )


def _race_conflict(event_id: int, org_unit_id: int) -> SignOffRace:
    """The 409 for the loser of two simultaneous sign-offs, saying what won when it can."""
    winner = db.session.scalar(
        select(SignOff).where(SignOff.event_id == event_id, SignOff.org_unit_id == org_unit_id, SignOff.current)
    )
    if winner is None:
        return SignOffRace()
    details = {"current_signoff_id": winner.id, "current_status": winner.status}
    if winner.status == "submitted":
        return SignOffRace("本单位刚有另一份上报提交，正待上级审核；请刷新后查看，如需更正再重新上报", details=details)
    return SignOffRace(details=details)


def get_signoff(*, actor: User, signoff_id: int) -> SignOff:
    signoff = db.session.get(SignOff, signoff_id)
    if signoff is None or not actor.org_unit.contains(signoff.org_unit):
        raise NotFound("上报不存在")
    return signoff


def list_signoffs(*, actor: User, event_id: int, org_unit_id: int | None = None, current: bool | None = None) -> Select:
    """Sign-offs of the event within the caller's scope, newest first."""
    event = get_event(actor=actor, event_id=event_id)
    stmt = (
        select(SignOff)
        .join(OrgUnit, SignOff.org_unit_id == OrgUnit.id)
        .where(SignOff.event_id == event.id, within_scope(actor))
        .order_by(SignOff.created_at.desc(), SignOff.id.desc())
    )
    if org_unit_id is not None:
        stmt = stmt.where(SignOff.org_unit_id == org_unit_id)
    if current is not None:
        stmt = stmt.where(SignOff.current.is_(current))
    return stmt


def review_signoff(
    *, actor: User, signoff_id: int, decision: str, comment: str = "", version: int | None = None
) -> SignOff:
    """Accept or return a submitted, current sign-off; by a reviewer above the signing unit.

    Two reviewers racing: the update is conditional on the version and status it read, so exactly one wins and the
    other gets a 409, never a silent overwrite.
    """
    REVIEW_SIGNOFFS.check(actor)
    signoff = get_signoff(actor=actor, signoff_id=signoff_id)
    if actor.org_unit.rank >= signoff.org_unit.rank:
        raise Forbidden("只有上级审核员可以审核本单位的上报")
    if decision not in DECISIONS:
        raise Invalid({"decision": ["审核结果只能是 accept 或 return"]})
    comment = (comment or "").strip()
    if decision == "return" and not comment:
        raise Invalid({"comment": ["退回时必须填写原因"]})
    if not signoff.current:
        raise Superseded("该上报已被本单位新的上报取代")
    if signoff.status != "submitted":
        raise AlreadyReviewed("该上报已审核过")
    if version is not None and version != signoff.version:
        raise StaleVersion("该上报已被他人处理，请刷新后重试", details={"version": signoff.version})

    seen = signoff.version
    status = DECISIONS[decision]
    won = claim(
        signoff,
        seen_version=seen,
        where=(SignOff.status == "submitted", SignOff.current),
        values={"status": status, "reviewed_by_id": actor.id, "reviewed_at": clock.now(), "review_comment": comment},
    )
    if not won:
        raise StaleVersion("该上报已被他人处理，请刷新后重试")
    db.session.refresh(signoff)
    record(
        actor=actor,
        action=f"signoff.{decision}",
        entity_type="signoff",
        entity_id=signoff.id,
        org_unit_id=signoff.org_unit_id,
        changes={"status": ["submitted", status], "review_comment": ["", comment]},
    )
    return signoff
