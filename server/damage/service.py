"""Damage reports (灾情报告): filing 初报 / 续报 / 核报 per village and event, idempotently, and reading them.

A submit is one path on both databases: one read of the facts (``facts.read``), the rules checked over them in
Python (``rules.check``: 409 for a broken stage order, 422 for the unit and the figures), then the write
(``idempotency.insert_current``: the flag move, the insert and the audit row; one statement on PostgreSQL).

The current report of a (event, village) is its newest non-returned report. Filing one moves the "current" flag
from the previous report to the new one in the same transaction; the partial unique index
``uq_damage_reports_current`` makes it impossible for two reports to end up current, whatever races happen.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, make_transient_to_detached

from server import clock
from server.audit_trail import current_channel
from server.damage import facts as submit_facts
from server.damage import figures as fig
from server.damage import reconcile, rules
from server.damage.access import FILE_REPORTS
from server.damage.models import DamageReport
from server.damage.reads import ReportRead, with_ledger_warnings
from server.errors import NotFound, Superseded
from server.events.models import Event
from server.extensions import db
from server.idempotency import after_lost_race, by_client_id, insert_current, payload_digest, resend_or_conflict
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit

if TYPE_CHECKING:
    from sqlalchemy import Row

    from server.users.models import User

SUPERSEDED_MESSAGE = "该村已有新报告，请刷新后重试"


def current_report_for(event_id: int, org_unit_id: int) -> DamageReport | None:
    """The village's current report for the event (its newest non-returned one), or None."""
    return db.session.scalar(
        select(DamageReport).where(
            DamageReport.event_id == event_id,
            DamageReport.org_unit_id == org_unit_id,
            DamageReport.current,
        )
    )


def payload_hash(*, event_id: int, org_unit_id: int, stage: str, figures: dict, note: str, change_note: str) -> str:
    """How a resend is told from a different report: the digest of the normalized payload."""
    return payload_digest(
        {
            "event_id": event_id,
            "org_unit_id": org_unit_id,
            "stage": stage,
            "figures": fig.canonical(figures),
            "note": note,
            "change_note": change_note,
        }
    )


def _by_client_id(client_id: str) -> DamageReport | None:
    return by_client_id(DamageReport, client_id)


def _resend(existing: DamageReport, digest: str, actor: User) -> DamageReport:
    visible = statistics_unit(actor).contains(existing.org_unit)
    return resend_or_conflict(existing, digest, visible=visible, what="灾情报告")


def create_report(
    *,
    actor: User,
    event_id: int,
    client_id: uuid.UUID | str,
    stage: str,
    figures: dict[str, Any] | None = None,
    org_unit_id: int | None = None,
    note: str | None = "",
    change_note: str | None = "",
) -> tuple[ReportRead, bool]:
    """File a damage report for a village of the event's area. Returns ``(report, created)`` (a read model: the
    row is ``report.row``, with the ledger warnings beside it); ``created`` is False
    for a resend of the same ``client_id`` with the same payload (the API answers 200 instead of 201). On PostgreSQL
    five round trips with BEGIN, the session check and COMMIT, whatever the village's history."""
    FILE_REPORTS.check(actor)
    unit = get_statistics_unit_in_scope(actor, org_unit_id if org_unit_id is not None else statistics_unit(actor).id)
    client_id = str(uuid.UUID(str(client_id)))
    values, note, change_note = fig.normalize(figures), note or "", change_note or ""
    digest = payload_hash(
        event_id=event_id, org_unit_id=unit.id, stage=stage, figures=values, note=note, change_note=change_note
    )
    facts = submit_facts.read(event_id, unit.id, client_id)
    if facts.event_id is None or not _visible(actor, facts.area_path):
        raise NotFound("灾害过程不存在")
    if facts.seen_id is not None:
        return with_ledger_warnings(_resend(_by_client_id(client_id), digest, actor)), False
    if facts.event_status == "merged" and facts.merged_into_id is not None:
        # A local event merged into another: a report still queued on a phone for it goes to the event it joined
        # (its village's reports moved there too), so nothing the village sends is lost. Nothing was written.
        return create_report(
            actor=actor,
            event_id=facts.merged_into_id,
            client_id=client_id,
            stage=stage,
            figures=figures,
            org_unit_id=unit.id,
            note=note,
            change_note=change_note,
        )
    mismatched = rules.check(facts, unit, stage, values, figures or {}, change_note)
    submitted = {
        "client_id": client_id,
        "payload_hash": digest,
        "stage": stage,
        "note": note,
        "change_note": change_note,
    }
    report = _insert(actor, unit, facts, submitted, values)
    if report is None:
        # Another request won between our read and our write: the same client_id (a resend) or another report for
        # the village.
        return after_lost_race(
            lambda: _by_client_id(client_id),
            lambda found: with_ledger_warnings(_resend(found, digest, actor)),
            Superseded(SUPERSEDED_MESSAGE),
        ), False
    # The type the submit read: which indicators the report shows, without loading the event.
    return ReportRead(report, disaster_type=facts.event_type, warnings=reconcile.warnings(mismatched)), True


def _insert(actor: User, unit: OrgUnit, facts: Row, submitted: dict, values: dict) -> DamageReport | None:
    """Write the accepted report in place of the current one the facts read, with its audit row. The new report (not
    loaded again: built from what was written), or None when another writer won."""
    row = {
        **submitted,  # client_id, payload_hash, stage, note, change_note
        "event_id": facts.event_id,
        "org_unit_id": unit.id,
        "status": "submitted",
        "current": True,
        "is_zero": fig.is_zero(values),
        "version": 1,
        "submitted_by_id": actor.id,
        "submitted_at": clock.now(),
        "reviewed_by_id": None,
        "reviewed_at": None,
        "review_comment": "",
        "channel": current_channel(),  # http, or sms when the SMS webhook files it (audit_trail.via)
        **values,
    }
    changes = {
        "stage": [None, submitted["stage"]],
        "status": [None, "submitted"],
        "current": [None, True],
        "figures": [None, fig.canonical(values)],
        "supersedes": [None, facts.cur_id],
    }
    if row["channel"] != "http":
        changes["channel"] = row["channel"]
    audit = {"actor": actor, "action": "damage_report.create", "entity_type": "damage_report", "org_unit_id": unit.id}
    new_id = insert_current(DamageReport, row, current_id=facts.cur_id, audit={**audit, "changes": changes})
    if new_id is None:
        return None
    report = DamageReport(id=new_id, **row)
    report.org_unit, report.submitted_by, report.reviewed_by = unit, actor, None
    make_transient_to_detached(report)
    db.session.add(report)
    return report


def _visible(actor: User, area_path: str) -> bool:
    """As ``events.service.get_event``: the event's area covers the actor's unit or lies inside it."""
    path = actor.org_unit.path
    return path.startswith(area_path) or area_path.startswith(path)


def list_reports(
    *,
    actor: User,
    event_id: int | None = None,
    org_unit_id: int | None = None,
    status: str | None = None,
    current: bool | None = None,
    stage: str | None = None,
) -> Select:
    """Reports of villages inside the caller's scope (a grid user: its village), newest first. A unit filter
    includes its subtree."""
    root = statistics_unit(actor)
    if org_unit_id is not None:
        root = get_statistics_unit_in_scope(actor, org_unit_id)
    stmt = (
        select(DamageReport)
        .join(OrgUnit, DamageReport.org_unit_id == OrgUnit.id)
        .join(Event, DamageReport.event_id == Event.id)
        # The event decides which indicators a report shows: loaded in the same statement, not once per event.
        .options(contains_eager(DamageReport.org_unit), contains_eager(DamageReport.event).noload(Event.org_unit))
        .where(OrgUnit.path.startswith(root.path, autoescape=True))
        .order_by(DamageReport.submitted_at.desc(), DamageReport.id.desc())
    )
    if event_id is not None:
        stmt = stmt.where(DamageReport.event_id == event_id)
    if status:
        stmt = stmt.where(DamageReport.status == status)
    if current is not None:
        stmt = stmt.where(DamageReport.current.is_(current))
    if stage:
        stmt = stmt.where(DamageReport.stage == stage)
    return stmt


def get_report(*, actor: User, report_id: int) -> DamageReport:
    """One report if its village is inside the caller's scope, else NotFound."""
    report = db.session.get(DamageReport, report_id)
    if report is None or not statistics_unit(actor).contains(report.org_unit):
        raise NotFound("灾情报告不存在")
    return report
