"""Damage reports (灾情报告): filing 初报 / 续报 / 核报 per village and event, idempotently, and reading them.

Stage-order violations (an update or final without an initial, a second initial, anything after a final, an
initial once the event is stable, any report once it is closed) are **409 conflict**: the payload is well formed
but the village's state does not allow it. Bad figures and a missing change note are **422**, all at once.

The current report of a (event, village) is its newest non-returned report. Filing one moves the "current" flag
from the previous report to the new one in the same transaction; the partial unique index
``uq_damage_reports_current`` makes it impossible for two reports to end up current, whatever races happen.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from server import clock
from server.access import require_role
from server.audit.service import record
from server.damage import figures as fig
from server.damage.models import STAGE_NAMES, DamageReport
from server.errors import Conflict, EventClosed, Invalid, NotFound, StageOrder, Superseded
from server.events.models import Event
from server.events.service import get_event
from server.extensions import db
from server.idempotency import payload_digest, resend_or_conflict
from server.ledgers import reconcile
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit

if TYPE_CHECKING:
    from server.users.models import User

SUPERSEDED_MESSAGE = "该村已有新报告，请刷新后重试"


class _LostRace(Exception):
    """Another transaction moved the village's current report between our read and our write."""


def current_report_for(event_id: int, org_unit_id: int) -> DamageReport | None:
    """The village's current report for the event (its newest non-returned one), or None."""
    return db.session.scalar(
        select(DamageReport).where(
            DamageReport.event_id == event_id,
            DamageReport.org_unit_id == org_unit_id,
            DamageReport.current.is_(True),
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
    # populate_existing: after a lost race the row must be read from the database, not the identity map.
    return db.session.scalar(
        select(DamageReport).where(DamageReport.client_id == client_id).execution_options(populate_existing=True)
    )


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
) -> tuple[DamageReport, bool]:
    """File a damage report for a village of the event's area. Returns ``(report, created)``; ``created`` is False
    for a resend of the same ``client_id`` with the same payload (the API answers 200 instead of 201)."""
    require_role(actor, "reporter", message="只有信息员可以报送灾情")
    event = get_event(actor=actor, event_id=event_id)
    unit = get_statistics_unit_in_scope(actor, org_unit_id if org_unit_id is not None else statistics_unit(actor).id)
    client_id = str(uuid.UUID(str(client_id)))
    event = _followed(event, actor)
    stated = figures or {}
    values = fig.normalize(figures)
    note, change_note = note or "", change_note or ""
    digest = payload_hash(
        event_id=event.id, org_unit_id=unit.id, stage=stage, figures=values, note=note, change_note=change_note
    )

    existing = _by_client_id(client_id)
    if existing is not None:
        return _with_ledger_warnings(_resend(existing, digest, actor)), False

    try:
        _check_unit(event, unit)
        previous = _check_stage(event, unit, stage)
        mismatched = reconcile.mismatches(values, reconcile.ledger_counts(event.id, unit.id))
        # 核报 must agree with the ledgers name by name; 初报 and 续报 are taken with a warning.
        _check_figures(
            values,
            previous,
            change_note,
            type_errors=fig.type_errors(stated, event.disaster_type),
            refused=mismatched if stage == "final" else None,
        )
    except (Conflict, Invalid):
        # On PostgreSQL an identical request may have committed between our lookup and our checks (its report is
        # why "initial already filed" fails): that is a resend, not an error.
        existing = _by_client_id(client_id)
        if existing is not None:
            return _with_ledger_warnings(_resend(existing, digest, actor)), False
        raise

    report = DamageReport(
        client_id=client_id,
        payload_hash=digest,
        event_id=event.id,
        org_unit=unit,
        stage=stage,
        status="submitted",
        current=True,
        is_zero=fig.is_zero(values),
        version=1,
        note=note,
        change_note=change_note,
        submitted_by=actor,  # the relationship, so dumping the new report needs no extra query
        submitted_at=clock.now(),
        review_comment="",
        **values,
    )
    try:
        with db.session.begin_nested():
            if previous is not None:
                # Flush the old current row out first: the partial unique index would refuse two current rows.
                moved = db.session.execute(
                    update(DamageReport)
                    .where(DamageReport.id == previous.id, DamageReport.current.is_(True))
                    .values(current=False)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if moved != 1:
                    raise _LostRace()
            db.session.add(report)
            db.session.flush()
    except (IntegrityError, _LostRace):
        # Either an identical request won (same client_id) or another report for the village did.
        existing = _by_client_id(client_id)
        if existing is not None:
            return _with_ledger_warnings(_resend(existing, digest, actor)), False
        raise Superseded(SUPERSEDED_MESSAGE) from None
    if previous is not None:
        db.session.expire(previous, ["current"])
    record(
        actor=actor,
        action="damage_report.create",
        entity_type="damage_report",
        entity_id=report.id,
        org_unit_id=unit.id,
        changes={
            "stage": [None, stage],
            "status": [None, "submitted"],
            "current": [None, True],
            "supersedes": [None, previous.id if previous is not None else None],
            "figures": [None, fig.canonical(values)],
        },
    )
    report.warnings = reconcile.warnings(mismatched)
    return report, True


def _with_ledger_warnings(report: DamageReport) -> DamageReport:
    """The report's figures against the village's ledgers as they stand now, as ``report.warnings``: for a resend
    (the first answer may have been lost) and a read of the current report. Only 初报/续报 can disagree and be on
    file; an older report is not checked against today's ledgers."""
    report.warnings = []
    if report.stage != "final" and report.current:
        report.warnings = reconcile.warnings(
            reconcile.mismatches(fig.figures_of(report), reconcile.ledger_counts(report.event_id, report.org_unit_id))
        )
    return report


def _check_unit(event: Event, unit: OrgUnit) -> None:
    if unit.level != "village":
        raise Invalid({"org_unit_id": ["灾情按村（社区）填报，请选择村级单位"]})
    if not event.org_unit.contains(unit):
        raise Invalid({"org_unit_id": [f"该村不在灾害过程「{event.name}」的范围内"]})


def _check_stage(event: Event, unit: OrgUnit, stage: str) -> DamageReport | None:
    """Stage order (409 when broken); returns the village's current report (the one a new report replaces)."""
    if event.status == "closed":
        raise EventClosed("灾害过程已结束，不能再报送灾情")
    if event.status == "rejected":
        raise EventClosed(f"该灾害过程已被乡镇退回（{event.status_reason}），不能再报送灾情")
    if event.status == "stable" and stage == "initial":
        raise StageOrder("灾害过程已进入稳定阶段，只能报送续报或核报")
    # One statement, one snapshot: the stages on file and the current row (the report a new one replaces) agree.
    # A village files a handful of reports per event, so reading them whole costs less than a second round trip.
    on_file = db.session.scalars(
        select(DamageReport).where(
            DamageReport.event_id == event.id,
            DamageReport.org_unit_id == unit.id,
            DamageReport.status != "returned",
        )
    ).all()
    stages = {report.stage for report in on_file}
    has_initial, has_final = "initial" in stages, "final" in stages
    current = next((report for report in on_file if report.current), None)
    if has_final:
        raise StageOrder("该村已报送核报，本次灾害过程不能再报送", details={"stage": stage})
    if stage == "initial" and has_initial:
        raise StageOrder("该村已报送初报，请报送续报或核报", details={"stage": stage})
    if stage != "initial" and not has_initial:
        raise StageOrder(f"该村尚未报送初报，不能报送{STAGE_NAMES[stage]}", details={"stage": stage})
    return current


def _followed(event: Event, actor: User) -> Event:
    """A local event merged into another: a report still queued on a phone for it goes to the event it joined
    (its village's reports moved there too), so nothing the village sends is lost."""
    seen = set()
    while event.status == "merged" and event.merged_into_id is not None and event.id not in seen:
        seen.add(event.id)
        event = get_event(actor=actor, event_id=event.merged_into_id)
    return event


def _check_figures(
    values: dict,
    previous: DamageReport | None,
    change_note: str,
    *,
    type_errors: dict[str, list[str]],
    refused: dict[str, str] | None = None,
) -> None:
    """Every figure rule, the type's indicators, the change-note rule and the ledger mismatches ``refused`` (核报),
    reported together."""
    errors = {**fig.rule_errors(values), **type_errors}
    for field, message in (refused or {}).items():
        errors.setdefault(field, []).append(message)
    if previous is not None:
        down = fig.decreased(fig.figures_of(previous), values)
        if down and not change_note.strip():
            names = "、".join(fig.indicator_name(key) for key in down)
            errors["change_note"] = [f"以下指标比上次报告减少，请填写变动说明：{names}"]
    if errors:
        raise Invalid(errors)


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


def read_report(*, actor, report_id: int) -> DamageReport:
    """``get_report`` with the ledger warnings of a current 初报/续报, for the single read."""
    return _with_ledger_warnings(get_report(actor=actor, report_id=report_id))
