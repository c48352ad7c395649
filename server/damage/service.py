"""Damage reports (灾情报告): filing 初报 / 续报 / 核报 per village and event, idempotently, and reading them.

Stage-order violations (an update or final without an initial, a second initial, anything after a final, an
initial once the event is stable, any report once it is closed) are **409 conflict**: the payload is well formed
but the village's state does not allow it. Bad figures and a missing change note are **422**, all at once.

The current report of a (event, village) is its newest non-returned report. Filing one moves the "current" flag
from the previous report to the new one in the same transaction; the partial unique index
``uq_damage_reports_current`` makes it impossible for two reports to end up current, whatever races happen.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import contains_eager, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from server import clock
from server.audit_trail import AuditLog, current_channel, record
from server.damage import figures as fig
from server.damage.access import FILE_REPORTS
from server.damage.indicators import INDICATORS, TYPE_SPECIFIC
from server.damage.models import STAGE_NAMES, DamageReport
from server.errors import EventClosed, Invalid, NotFound, StageOrder, Superseded
from server.events.models import Event
from server.extensions import db
from server.idempotency import (
    after_lost_race,
    by_client_id,
    insert_current,
    payload_digest,
    resend_or_conflict,
    restore_current,
)
from server.jsonable import jsonable
from server.ledgers import reconcile
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit

if TYPE_CHECKING:
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


_REPORTS = DamageReport.__table__
_AREA = OrgUnit.__table__.alias("area")
_CURRENT = _REPORTS.alias("cur")


def _live_stage(stage: str):
    """Whether the village has a non-returned report of this stage: one probe of ix_damage_reports_stage, however
    long the village's history."""
    return exists().where(
        _REPORTS.c.event_id == bindparam("p_event_id"),
        _REPORTS.c.org_unit_id == bindparam("p_org_unit_id"),
        _REPORTS.c.stage == _constant(stage),
        _REPORTS.c.status != _constant("returned"),
    )


def _constant(word: str):
    """A fixed word written into the SQL (no bind parameter: the statements below are built once and reused)."""
    assert word.replace("_", "").replace(".", "").isalnum()
    return literal_column(f"'{word}'", String)


@cache
def _facts() -> Select:
    """Everything a submit decides on, in one statement and one snapshot: the event and its area, whether the
    client_id is taken, the stages on file (two index probes) and the village's current report with its figures.
    Built once (parameters: ``_probe``), so SQLAlchemy compiles it once."""
    events = Event.__table__
    one = select(literal_column("1").label("one")).subquery("one")
    return select(
        events.c.id.label("event_id"),
        events.c.name.label("event_name"),
        events.c.status.label("event_status"),
        events.c.disaster_type.label("event_type"),
        events.c.merged_into_id.label("merged_into_id"),
        events.c.status_reason.label("event_status_reason"),
        _AREA.c.path.label("area_path"),
        select(_REPORTS.c.id)
        .where(_REPORTS.c.client_id == bindparam("p_probe_client_id"))
        .scalar_subquery()
        .label("seen_id"),
        _live_stage("initial").label("has_initial"),
        _live_stage("final").label("has_final"),
        _CURRENT.c.id.label("cur_id"),
        *(_CURRENT.c[key] for key in fig.INDICATOR_KEYS),
        *reconcile.fact_columns(),  # the village's ledger counts (台账), for the reconciliation
    ).select_from(
        one.outerjoin(events, events.c.id == bindparam("p_event_id"))
        .outerjoin(_AREA, _AREA.c.id == events.c.org_unit_id)
        .outerjoin(
            _CURRENT,
            and_(
                _CURRENT.c.event_id == bindparam("p_event_id"),
                _CURRENT.c.org_unit_id == bindparam("p_org_unit_id"),
                _CURRENT.c.current,
            ),
        )
    )


def _probe(event_id: int, unit_id: int, client_id: str) -> dict[str, Any]:
    """The parameters of ``_facts``."""
    return {"p_event_id": event_id, "p_org_unit_id": unit_id, "p_probe_client_id": client_id}


def _accepted(facts, stage: str, change_note_given: bool):
    """The facts a new report needs, as SQL over the facts row: the write of the one-statement submit happens only
    when they hold. The Python checks below (``_check_*``) say why when they do not; this condition only has to be
    exactly as strict (the stage, unit and figure tests run every refusal through both databases)."""
    conditions = [
        facts.c.event_id.is_not(None),
        facts.c.seen_id.is_(None),
        bindparam("p_unit_path", type_=String).startswith(facts.c.area_path),  # in the area, so the event is visible
        facts.c.event_status.in_([_constant(status) for status in _OPEN_FOR[stage]]),
        not_(facts.c.has_final),
        facts.c.has_initial if stage != "initial" else not_(facts.c.has_initial),
    ]
    # 干旱's indicators: stated exactly for an event of that type (p_stated_type: the type whose indicators the
    # payload states, "none" for none).
    conditions.append(
        or_(
            and_(
                bindparam("p_stated_type", type_=String) == _constant("none"),
                facts.c.event_type.not_in([_constant(t) for t in _SPECIFIC_TYPES]),
            ),
            facts.c.event_type == bindparam("p_stated_type", type_=String),
        )
    )
    if stage == "final":  # a 核报 agrees with the ledgers name by name
        conditions.extend(
            func.coalesce(facts.c[f"ledger_{key}"], literal_column("0"))
            == bindparam(f"r_{key}", type_=_REPORTS.c[key].type)
            for key in reconcile.RECONCILED
        )
    if not change_note_given:
        conditions.append(
            or_(
                facts.c.cur_id.is_(None),
                and_(*(facts.c[key] <= bindparam(f"r_{key}", type_=_REPORTS.c[key].type) for key in _FIGURES)),
            )
        )
    return and_(*conditions)


_FIGURES = fig.INDICATOR_KEYS
# Parameter names never equal a column name: SQLAlchemy would take such a key as a value of the UPDATE or INSERT.
# Event statuses that accept a report of each stage (closed accepts none; stable no more initials).
# A local event (pending until its township decides) takes its village's reports like an active one.
_OPEN_FOR = {
    "initial": ("pending", "active"),
    "update": ("pending", "active", "stable"),
    "final": ("pending", "active", "stable"),
}
_SPECIFIC_TYPES = sorted({indicator.only_for for indicator in TYPE_SPECIFIC})


def _stated_type(stated: dict[str, Any]) -> str | None:
    """The disaster type whose own indicators the payload states ("" for none; None when it states only some of
    them, which no event accepts)."""
    said = {indicator.only_for for indicator in TYPE_SPECIFIC if stated.get(indicator.key) is not None}
    if not said:
        return ""
    if len(said) > 1:
        return None
    (kind,) = said
    if all(stated.get(i.key) is not None for i in TYPE_SPECIFIC if i.only_for == kind):
        return kind
    return None


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
    for a resend of the same ``client_id`` with the same payload (the API answers 200 instead of 201).

    On PostgreSQL the checks and the write are ONE statement (``_submit_statement``): the facts, and the flag move,
    the insert and the audit row when the facts are as a new report needs them. With the session check, BEGIN and
    COMMIT a submit is four round trips, whatever the village's history. SQLite reads the facts, then writes through
    ``idempotency.insert_current``, whose steps the statement performs (only the flag's restore after a lost insert
    is a second statement, the same ``restore_current``).
    """
    FILE_REPORTS.check(actor)
    unit = get_statistics_unit_in_scope(actor, org_unit_id if org_unit_id is not None else statistics_unit(actor).id)
    client_id = str(uuid.UUID(str(client_id)))
    stated = figures or {}
    stated_type = _stated_type(stated)
    values = fig.normalize(figures)
    note, change_note = note or "", change_note or ""
    digest = payload_hash(
        event_id=event_id, org_unit_id=unit.id, stage=stage, figures=values, note=note, change_note=change_note
    )
    now = clock.now()
    row = {
        "client_id": client_id,
        "payload_hash": digest,
        "event_id": event_id,
        "org_unit_id": unit.id,
        "stage": stage,
        "status": "submitted",
        "current": True,
        "is_zero": fig.is_zero(values),
        "version": 1,
        "note": note,
        "change_note": change_note,
        "channel": current_channel(),
        "submitted_by_id": actor.id,
        "submitted_at": now,
        "reviewed_by_id": None,
        "reviewed_at": None,
        "review_comment": "",
        **values,
    }
    changes = {
        "stage": [None, stage],
        "status": [None, "submitted"],
        "current": [None, True],
        "figures": [None, fig.canonical(values)],
    }
    if row["channel"] != "http":
        changes["channel"] = row["channel"]
    may_write = unit.level == "village" and not fig.rule_errors(values) and stated_type is not None
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        params = {
            **_probe(event_id, unit.id, client_id),
            **{f"r_{name}": value for name, value in row.items()},
            "p_unit_path": unit.path,
            "p_actor_id": actor.id,
            "p_audit_changes": json.dumps(jsonable(changes), ensure_ascii=False),
            "p_stated_type": stated_type or "none",
        }
        sql = _submit_sql(stage if may_write else None, bool(change_note.strip()), db.session.get_bind().dialect)
        facts = db.session.connection().exec_driver_sql(sql, params).one()
        new_id, moved_id = (facts.new_id, facts.moved_id) if may_write else (None, None)
        if may_write:
            facts = _unpacked(facts)
    else:
        facts = db.session.execute(_facts(), _probe(event_id, unit.id, client_id)).one()
        new_id = moved_id = None

    if facts.event_id is None or not _visible(actor, facts.area_path):
        raise NotFound("灾害过程不存在")
    if facts.event_status == "merged" and facts.merged_into_id is not None and facts.seen_id is None:
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
    if facts.seen_id is not None:
        return _with_ledger_warnings(_resend(_by_client_id(client_id), digest, actor)), False
    _check_unit(facts, unit)
    _check_stage(facts, stage)
    mismatched = reconcile.mismatches(values, reconcile.counts_of_facts(facts))
    # 核报 must agree with the ledgers name by name; 初报 and 续报 are taken with a warning.
    _check_figures(
        values,
        facts if facts.cur_id is not None else None,
        change_note,
        type_errors=fig.type_errors(stated, facts.event_type),
        refused=mismatched if stage == "final" else None,
    )

    if not postgres:
        new_id = insert_current(DamageReport, row, current_id=facts.cur_id)
        if new_id is not None:
            record(
                actor=actor,
                action="damage_report.create",
                entity_type="damage_report",
                entity_id=new_id,
                org_unit_id=unit.id,
                changes={**changes, "supersedes": [None, facts.cur_id]},
            )
    elif new_id is None and moved_id is not None:
        # The statement moved the flag but inserted nothing (as insert_current, in one statement): it goes back.
        restore_current(DamageReport, moved_id)
    if new_id is None:
        # Another request won between our snapshot and our write: the same client_id (a resend) or another report
        # for the village.
        return after_lost_race(
            lambda: _by_client_id(client_id),
            lambda found: _with_ledger_warnings(_resend(found, digest, actor)),
            Superseded(SUPERSEDED_MESSAGE),
        ), False
    if facts.cur_id is not None:
        previous = db.session.identity_map.get(identity_key(DamageReport, facts.cur_id))
        if previous is not None:
            db.session.expire(previous, ["current"])
    report = DamageReport(id=new_id, **row)
    report.org_unit, report.submitted_by, report.reviewed_by = unit, actor, None
    make_transient_to_detached(report)
    db.session.add(report)
    report.disaster_type = facts.event_type  # which indicators it shows, without loading the event
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


def _visible(actor: User, area_path: str) -> bool:
    """As ``events.service.get_event``: the event's area covers the actor's unit or lies inside it."""
    path = actor.org_unit.path
    return path.startswith(area_path) or area_path.startswith(path)


@cache
def _submit_sql(stage: str | None, change_note_given: bool, dialect) -> str:
    """The submit statement as SQL text, compiled once per variant (``stage`` None: the facts alone). Its parameters
    are plain driver values (no type processing needed: ints, text, booleans, Decimals, aware datetimes, JSON text);
    SQLAlchemy's statement cache does not take these DML CTEs, and compiling them was most of a submit's CPU."""
    statement = _facts() if stage is None else _submit_statement(stage, change_note_given)
    return str(statement.compile(dialect=dialect))


def _submit_statement(stage: str, change_note_given: bool):
    """PostgreSQL: the facts, and when they are as a new report needs them, in the same statement: move the current
    flag (conditional on it still being set), insert the report (``ON CONFLICT DO NOTHING``: a client_id or current
    report committed after our snapshot makes it insert nothing) and its audit row. Built once per variant."""
    facts = _facts().cte("facts")
    accepted = exists(select(literal_column("1")).select_from(facts).where(_accepted(facts, stage, change_note_given)))
    current_id = select(facts.c.cur_id).scalar_subquery()
    moved = (
        update(_REPORTS)
        .where(_REPORTS.c.id == current_id, _REPORTS.c.current, accepted)
        .values(current=false())
        .returning(_REPORTS.c.id)
        .cte("moved")
    )
    columns = [column.name for column in _REPORTS.c if column.name != "id"]
    inserted = (
        pg_insert(_REPORTS)
        .from_select(
            columns,
            select(*(bindparam(f"r_{name}", type_=_REPORTS.c[name].type) for name in columns)).where(
                accepted, or_(current_id.is_(None), exists(select(moved.c.id)))
            ),
        )
        .on_conflict_do_nothing()
        .returning(_REPORTS.c.id)
        .cte("inserted")
    )
    audit = AuditLog.__table__
    supersedes = func.jsonb_build_object(_constant("supersedes"), func.jsonb_build_array(null(), current_id))
    audited = (
        insert(audit)
        .from_select(
            ["at", "actor_id", "action", "entity_type", "entity_id", "org_unit_id", "changes"],
            select(
                bindparam("r_submitted_at", type_=audit.c.at.type),
                bindparam("p_actor_id", type_=Integer),
                _constant("damage_report.create"),
                _constant("damage_report"),
                inserted.c.id,
                bindparam("r_org_unit_id", type_=Integer),
                cast(cast(bindparam("p_audit_changes", type_=String), JSONB).op("||")(supersedes), JSON),
            ),
        )
        .cte("audited")
    )
    packed = [c for c in facts.c if c.name not in _PACKED_NAMES]
    return select(
        *packed,
        *(
            func.concat_ws(literal_column("','"), *(facts.c[key] for key in keys)).label(label)
            for label, keys in _PACKED
        ),
        select(inserted.c.id).scalar_subquery().label("new_id"),
        select(moved.c.id).scalar_subquery().label("moved_id"),
    ).add_cte(audited)


# The submit statement answers the current report's figures and the ledger counts as one comma-separated text each
# (concat_ws skips NULLs: "" when there is no current report): 15 result columns instead of 41. The driver and
# SQLAlchemy describe every column of a text statement's result on every execution, and describing the 26 packed
# ones cost ~0.6 ms of a submit's ~9 ms CPU. ``_unpacked`` turns them back into the facts row's attributes.
_PACKED = (
    ("cur_figures", fig.INDICATOR_KEYS),
    ("ledger_counts", tuple(f"ledger_{key}" for key in reconcile.RECONCILED)),
)
_PACKED_NAMES = frozenset(key for _, keys in _PACKED for key in keys)
_DECIMAL_KEYS = frozenset(indicator.key for indicator in INDICATORS if indicator.decimal)


def _unpacked(row) -> SimpleNamespace:
    """The submit statement's row with the attributes of a ``_facts()`` row (figures None without a current
    report), the packed texts parsed exactly: integers as int, NUMERIC(14,2) as Decimal."""
    facts = SimpleNamespace(**row._mapping)
    for label, keys in _PACKED:
        text = getattr(facts, label)
        values = text.split(",") if text else [None] * len(keys)
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                value = Decimal(value) if key in _DECIMAL_KEYS else int(value)
            setattr(facts, key, value)
    return facts


def _check_unit(facts, unit: OrgUnit) -> None:
    if unit.level != "village":
        raise Invalid({"org_unit_id": ["灾情按村（社区）填报，请选择村级单位"]})
    if not unit.path.startswith(facts.area_path):
        raise Invalid({"org_unit_id": [f"该村不在灾害过程「{facts.event_name}」的范围内"]})


def _check_stage(facts, stage: str) -> None:
    """Stage order (409 when broken), from the facts: the event's status and the stages on file."""
    if facts.event_status == "closed":
        raise EventClosed("灾害过程已结束，不能再报送灾情")
    if facts.event_status == "rejected":
        raise EventClosed(f"该灾害过程已被乡镇退回（{facts.event_status_reason}），不能再报送灾情")
    if facts.event_status == "stable" and stage == "initial":
        raise StageOrder("灾害过程已进入稳定阶段，只能报送续报或核报")
    if facts.has_final:
        raise StageOrder("该村已报送核报，本次灾害过程不能再报送", details={"stage": stage})
    if stage == "initial" and facts.has_initial:
        raise StageOrder("该村已报送初报，请报送续报或核报", details={"stage": stage})
    if stage != "initial" and not facts.has_initial:
        raise StageOrder(f"该村尚未报送初报，不能报送{STAGE_NAMES[stage]}", details={"stage": stage})


def _check_figures(
    values: dict,
    previous,
    change_note: str,
    *,
    type_errors: dict[str, list[str]],
    refused: dict[str, str] | None = None,
) -> None:
    """Every figure rule, the type's indicators, the change-note rule and the ledger mismatches ``refused`` (核报),
    reported together. ``previous``: the current report's figures."""
    errors = {**fig.rule_errors(values), **type_errors}
    for field, message in (refused or {}).items():
        errors.setdefault(field, []).append(message)
    if previous is not None:
        down = fig.decreased(fig.figures_of(previous), values)
        if down and not change_note.strip():
            errors["change_note"] = [fig.change_note_message(down)]
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


def read_report(*, actor: User, report_id: int) -> DamageReport:
    """``get_report`` with the ledger warnings of a current 初报/续报 and the report's photos (``report.photo_list``,
    one statement), for the single read. Whoever may read the report may see its photos (the same scope check
    serves them: ``photos.service.get_photo``)."""
    report = _with_ledger_warnings(get_report(actor=actor, report_id=report_id))
    report.photo_list = list(report.photos)
    return report
