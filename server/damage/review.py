"""Review of damage reports by the level above (乡镇审核): approve, or return with a reason.

Two reviewers acting on the same report: one wins, the other gets a 409, never a silent overwrite. The winner is
decided by a conditional UPDATE on (id, version, status, current), not by what either of them read before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server import clock
from server.audit_trail import record
from server.damage.access import REVIEW_REPORTS
from server.damage.models import DamageReport
from server.damage.reads import ReportDetail, with_ledger_warnings
from server.damage.service import SUPERSEDED_MESSAGE, get_report
from server.errors import AlreadyReviewed, ApiError, Forbidden, Invalid, StaleVersion, Superseded
from server.extensions import db
from server.idempotency import restore_current
from server.ledgers.review import approve_with_report
from server.locking import claim

if TYPE_CHECKING:
    from server.users.models import User

DECISIONS = {"approve": "approved", "return": "returned"}
REVIEWERS_ONLY = REVIEW_REPORTS.message


def _not_the_reviewer(actor: User, report: DamageReport) -> ApiError | None:
    """Why ``actor`` may not review ``report`` whatever its state (403), or None: a reviewer above the village (its
    township or county, not the village itself) who did not file it."""
    if actor.role != "reviewer":
        return Forbidden(REVIEWERS_ONLY)
    village = report.org_unit
    if not actor.org_unit.contains(village) or actor.org_unit.id == village.id:
        return Forbidden("灾情报告应由上级（乡镇或县）审核员审核")
    if report.submitted_by_id == actor.id:
        return Forbidden("不能审核自己报送的报告")
    return None


def _not_reviewable(report: DamageReport) -> ApiError | None:
    """Why ``report`` cannot be reviewed now (409), or None: only a current report not yet reviewed can."""
    if report.status != "submitted":
        return AlreadyReviewed("该报告已审核", details={"status": report.status, "version": report.version})
    if not report.current:
        return Superseded(
            "该报告已被新报告替代，不能再审核", details={"status": report.status, "version": report.version}
        )
    return None


def read_report(*, actor: User, report_id: int) -> ReportDetail:
    """The single read: the report with the ledger warnings of a current 初报/续报, its photos (one statement;
    whoever may read the report may see them, ``photos.service.get_photo`` checks the same scope) and
    ``can_review``: whether the caller may approve or return the report now, by the same rules ``review_report``
    enforces, so a screen offers 通过/退回 only where they work."""
    report = get_report(actor=actor, report_id=report_id)
    read = with_ledger_warnings(report)
    return ReportDetail(
        report,
        disaster_type=read.disaster_type,
        warnings=read.warnings,
        can_review=_not_the_reviewer(actor, report) is None and _not_reviewable(report) is None,
        photo_list=list(report.photos),
    )


def review_report(
    *, actor: User, report_id: int, decision: str, comment: str | None = "", version: int | None = None
) -> DamageReport:
    """Approve or return a village's current report. A return stops it counting and makes the village's newest
    earlier non-returned report current again."""
    REVIEW_REPORTS.check(actor)  # before the read: a wrong role is 403, never 404
    report = get_report(actor=actor, report_id=report_id)
    village = report.org_unit
    if (refusal := _not_the_reviewer(actor, report)) is not None:
        raise refusal
    comment = (comment or "").strip()
    if decision == "return" and not comment:
        raise Invalid({"comment": ["退回时必须填写退回原因"]})
    if (refusal := _not_reviewable(report)) is not None:
        raise refusal
    if version is not None and version != report.version:
        raise StaleVersion("该报告已被他人处理，请刷新后重试", details={"version": report.version})

    status = DECISIONS[decision]
    now = clock.now()
    values = {
        "status": status,
        "reviewed_by_id": actor.id,
        "reviewed_at": now,
        "review_comment": comment,
    }
    if status == "returned":
        values["current"] = False
    before_version = report.version
    won = claim(
        report,
        seen_version=before_version,
        where=(DamageReport.status == "submitted", DamageReport.current),
        values=values,
    )
    if not won:
        raise StaleVersion("该报告已被他人处理或已被新报告替代，请刷新后重试")
    restored = _restore_previous(report) if status == "returned" else None
    db.session.refresh(report)
    record(
        actor=actor,
        action=f"damage_report.{decision}",
        entity_type="damage_report",
        entity_id=report.id,
        org_unit_id=village.id,
        changes={
            "status": ["submitted", status],
            "review_comment": ["", comment],
            "version": [before_version, report.version],
            **({"current": [True, False]} if status == "returned" else {}),
        },
    )
    if status == "approved":
        approve_with_report(actor=actor, report_id=report.id, event_id=report.event_id, org_unit_id=report.org_unit_id)
    if restored is not None:
        record(
            actor=actor,
            action="damage_report.restore_current",
            entity_type="damage_report",
            entity_id=restored,
            org_unit_id=village.id,
            changes={"current": [False, True], "because_returned": [None, report.id]},
        )
    return report


def _restore_previous(returned: DamageReport) -> int | None:
    """The newest earlier non-returned report of the village becomes current again; returns its id."""
    previous_id = db.session.scalar(
        select(DamageReport.id)
        .where(
            DamageReport.event_id == returned.event_id,
            DamageReport.org_unit_id == returned.org_unit_id,
            DamageReport.status != "returned",
            DamageReport.id != returned.id,
        )
        .order_by(DamageReport.submitted_at.desc(), DamageReport.id.desc())
        .limit(1)
    )
    if previous_id is None:
        return None
    # The partial unique index refuses this if a new report became current meanwhile; the request then fails
    # as a whole and nothing of the return is kept.
    try:
        restore_current(DamageReport, previous_id)
    except IntegrityError:
        raise Superseded(SUPERSEDED_MESSAGE) from None
    return previous_id
