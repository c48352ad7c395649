"""Review of ledger rows by the level above, with the village's reports (乡镇审核).

A row is approved or returned on its own (``POST /casualties/{id}/review``), and approving a village's damage
report approves the village's rows still waiting, since the reviewer checked the counts against them. A returned
row stops counting, like a returned report; the reporter corrects it with a PATCH and it waits for review again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from server import clock
from server.audit_trail import record
from server.errors import AlreadyReviewed, Forbidden, Invalid, StaleVersion
from server.extensions import db
from server.ledgers.access import REVIEW_LEDGER_ROWS
from server.ledgers.service import CASUALTIES, HOUSES, Ledger, LedgerRow, get_row
from server.locking import claim

if TYPE_CHECKING:
    from server.users.models import User

DECISIONS = {"approve": "approved", "return": "returned"}


def review_row(
    ledger: Ledger, *, actor: User, row_id: int, decision: str, comment: str | None = "", version: int | None = None
) -> LedgerRow:
    REVIEW_LEDGER_ROWS.check(actor)
    row = get_row(ledger, actor=actor, row_id=row_id)
    if actor.org_unit.id == row.org_unit_id:
        raise Forbidden("台账应由上级（乡镇或县）审核员审核")
    if row.submitted_by_id == actor.id:
        raise Forbidden("不能审核自己登记的台账")
    comment = (comment or "").strip()
    if decision == "return" and not comment:
        raise Invalid({"comment": ["退回时必须填写退回原因"]})
    if row.review_status != "submitted":
        raise AlreadyReviewed(f"该{ledger.what}已审核", details={"review_status": row.review_status})
    if version is not None and version != row.version:
        raise StaleVersion(f"该{ledger.what}已被他人处理，请刷新后重试", details={"version": row.version})
    model = ledger.model
    status = DECISIONS[decision]
    values = {
        "review_status": status,
        "reviewed_by_id": actor.id,
        "reviewed_at": clock.now(),
        "review_comment": comment,
    }
    if not claim(row, seen_version=row.version, where=(model.review_status == "submitted",), values=values):
        raise StaleVersion(f"该{ledger.what}已被他人处理，请刷新后重试")
    db.session.refresh(row)
    record(
        actor=actor,
        action=f"{ledger.entity}.{decision}",
        entity_type=ledger.entity,
        entity_id=row.id,
        org_unit_id=row.org_unit_id,
        changes={"review_status": ["submitted", status], "review_comment": ["", comment]},
    )
    return row


def approve_with_report(*, actor: User, report_id: int, event_id: int, org_unit_id: int) -> None:
    """The village's report (``report_id``, of ``event_id`` and ``org_unit_id``) was approved: its ledger rows still
    waiting were reviewed with it."""
    now = clock.now()
    for ledger in (CASUALTIES, HOUSES):
        model = ledger.model
        waiting = select(model.id).where(
            model.event_id == event_id,
            model.org_unit_id == org_unit_id,
            model.review_status == "submitted",
            model.submitted_by_id != actor.id,
        )
        ids = list(db.session.scalars(waiting))
        if not ids:
            continue
        db.session.execute(
            update(model)
            .where(model.id.in_(ids), model.review_status == "submitted")
            .values(review_status="approved", reviewed_by_id=actor.id, reviewed_at=now, version=model.version + 1)
            .execution_options(synchronize_session="fetch")
        )
        for row_id in ids:
            record(
                actor=actor,
                action=f"{ledger.entity}.approve",
                entity_type=ledger.entity,
                entity_id=row_id,
                org_unit_id=org_unit_id,
                changes={"review_status": ["submitted", "approved"], "with_report": [None, report_id]},
            )
