"""What the exports contain: the roll-up table (one row per child unit plus 合计) and every damage report in scope.

Scope and existence are checked eagerly, before the response starts; the rows are produced lazily while the
response streams, read from the database in batches of plain columns (no ORM objects, no identity map growth).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from server import clock
from server.damage.indicators import INDICATORS, indicators_for
from server.damage.models import STAGE_NAMES, STATUS_NAMES, DamageReport
from server.damage.reconcile import TRANSITIONAL_AID_LABEL
from server.events.models import Event
from server.events.service import get_event
from server.extensions import db
from server.fields import local_cell
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit
from server.rollup import service as rollup_service
from server.users.models import User

BATCH = 2000
TOTAL_LABEL = "合计"
DRILL_MARK = "【演练】"

EVACUATION_COLUMNS = (
    ("evacuated", "紧急避险转移(人)"),
    ("centralized", "集中安置(人)"),
    ("dispersed", "分散安置(人)"),
    ("returned", "已返回(人)"),
    ("displaced_now", "当前在外(人)"),  # evacuated − returned
)
COMPLETENESS_COLUMNS = (
    ("expected", "应报村数"),
    ("reported", "已报"),
    ("zero", "零报告"),
    ("missing", "未报"),
    ("unreviewed", "待审核"),
    ("late", "逾期"),
    ("ledger_mismatch", "台账不一致村数"),
)


@dataclass
class Table:
    """A sheet to stream: file name (with its ASCII fallback), headers, a kind per column, lazily made rows."""

    filename: str
    fallback: str
    sheet_name: str
    headers: list[str]
    kinds: list[str]
    rows: Iterator[list[Any]]
    preamble: list[list[str]] = field(default_factory=list)  # a form's header block above the headers (XLSX)


def _kind(indicator) -> str:
    return "decimal" if indicator.decimal else "int"


def _stem(event: Event | None, what: str, node: OrgUnit) -> str:
    base = f"{what}-{node.name}" if event is None else f"{what}-{event.name}-{node.name}"
    return f"{DRILL_MARK}{base}" if event is not None and event.drill else base


# --- roll-up ------------------------------------------------------------------------------------------------


def rollup_table(*, actor: User, event_id: int, org_unit_id: int | None = None, extension: str) -> Table:
    """The live roll-up at a node as a table: its children, then the node's own total labelled 合计."""
    event = get_event(actor=actor, event_id=event_id)
    node = rollup_service.resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)
    data = rollup_service.compute_rollup(event=event, node=node, with_missing_units=False)
    indicators = indicators_for(event.disaster_type)
    headers = ["单位代码", "单位名称", *(i.header for i in indicators), TRANSITIONAL_AID_LABEL]
    headers += [label for _, label in EVACUATION_COLUMNS] + [label for _, label in COMPLETENESS_COLUMNS]
    kinds = ["text", "text", *(_kind(i) for i in indicators), "int"] + ["int"] * (
        len(EVACUATION_COLUMNS) + len(COMPLETENESS_COLUMNS)
    )

    def line(code: str, name: str, part: dict[str, Any]) -> list[Any]:
        return [
            code,
            name,
            *(part["figures"][i.key] for i in indicators),
            part["figures"]["transitional_aid"],
            *(part["evacuation"][key] for key, _ in EVACUATION_COLUMNS),
            *(part["reporting"][key] for key, _ in COMPLETENESS_COLUMNS),
        ]

    rows = [line(c["org_unit"]["code"], c["org_unit"]["name"], c) for c in data["children"]]
    rows.append(line(TOTAL_LABEL, node.name, data))
    stem = _stem(event, "灾情汇总", node)
    return Table(
        filename=f"{stem}.{extension}",
        fallback=f"rollup-{event.id}-{node.code}.{extension}",
        sheet_name="汇总",
        headers=headers,
        kinds=kinds,
        rows=iter(rows),
    )


# --- every damage report ------------------------------------------------------------------------------------


REPORT_HEAD = ("单位代码", "单位名称", "乡镇", "阶段", "状态", "是否当前", "是否零报告", "填报人", "填报时间")
REPORT_TAIL = ("审核人", "审核时间", "审核意见", "说明", "变更说明")


def _resolve(actor: User, event_id: int | None, org_unit_id: int | None) -> tuple[Event | None, OrgUnit]:
    if event_id is None:
        node = statistics_unit(actor) if org_unit_id is None else get_statistics_unit_in_scope(actor, org_unit_id)
        return None, node
    event = get_event(actor=actor, event_id=event_id)
    return event, rollup_service.resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)


def report_rows_query(*, event: Event | None, node: OrgUnit, indicators=INDICATORS):
    """Plain columns of every report of the villages under ``node``: one event's, or every real event's."""
    village, township = aliased(OrgUnit), aliased(OrgUnit)
    submitter, reviewer = aliased(User), aliased(User)
    columns = [
        Event.name,
        Event.disaster_type,
        village.code,
        village.name,
        township.name,
        DamageReport.stage,
        DamageReport.status,
        DamageReport.current,
        DamageReport.is_zero,
        submitter.name,
        submitter.username,
        DamageReport.submitted_at,
        *(getattr(DamageReport, i.key) for i in indicators),
        reviewer.name,
        reviewer.username,
        DamageReport.reviewed_at,
        DamageReport.review_comment,
        DamageReport.note,
        DamageReport.change_note,
    ]
    prefix = node.path
    if event is not None and not event.org_unit.contains(node):
        prefix = event.org_unit.path  # the node is above the event's area: the area bounds it
    stmt = (
        select(*columns)
        .select_from(DamageReport)
        .join(Event, DamageReport.event_id == Event.id)
        .join(village, DamageReport.org_unit_id == village.id)
        .outerjoin(township, village.parent_id == township.id)
        .join(submitter, DamageReport.submitted_by_id == submitter.id)
        .outerjoin(reviewer, DamageReport.reviewed_by_id == reviewer.id)
        .where(village.path.startswith(prefix, autoescape=True))
    )
    # Several events in one file never include drills.
    which = DamageReport.event_id == event.id if event is not None else Event.drill.is_(False)
    stmt = stmt.where(which)
    # (event, village, time) follows ix_damage_reports_event_unit: rows stream in index order, no big sort first.
    return stmt.order_by(DamageReport.event_id, DamageReport.org_unit_id, DamageReport.submitted_at, DamageReport.id)


def _report_rows(stmt, *, with_event: bool, indicators=INDICATORS) -> Iterator[list[Any]]:
    figure_count = len(indicators)
    zone = clock.local_zone()  # once per export, not once per row
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    try:
        for row in result:
            (event_name, disaster_type, code, name, township, stage, status, current, is_zero) = row[:9]
            by_name, by_username, at = row[9:12]
            figures = row[12 : 12 + figure_count]
            if with_event:
                # Several events in one file: a type-specific indicator stays blank in another type's rows.
                figures = [
                    value if i.only_for in (None, disaster_type) else None
                    for i, value in zip(indicators, figures, strict=True)
                ]
            rev_name, rev_username, reviewed_at, comment, note, change_note = row[12 + figure_count :]
            line = [
                code,
                name,
                township or "",
                STAGE_NAMES.get(stage, stage),
                STATUS_NAMES.get(status, status),
                "是" if current else "否",
                "是" if is_zero else "否",
                by_name or by_username,
                local_cell(at, zone),
                *figures,
                (rev_name or rev_username) if rev_username else "",
                local_cell(reviewed_at, zone),
                comment or "",
                note or "",
                change_note or "",
            ]
            yield [event_name, *line] if with_event else line
    finally:
        result.close()


def damage_report_table(*, actor: User, event_id: int | None, org_unit_id: int | None, extension: str) -> Table:
    """Every damage report in scope (non-current and returned ones too), one row each, oldest first per village."""
    event, node = _resolve(actor, event_id, org_unit_id)
    indicators = indicators_for(event.disaster_type if event is not None else None)
    headers = [*REPORT_HEAD, *(i.header for i in indicators), *REPORT_TAIL]
    kinds = ["text"] * len(REPORT_HEAD) + [_kind(i) for i in indicators] + ["text"] * len(REPORT_TAIL)
    if event is None:  # several events in one file: say which one each row belongs to
        headers, kinds = ["灾害过程", *headers], ["text", *kinds]
    stmt = report_rows_query(event=event, node=node, indicators=indicators)
    stem = _stem(event, "灾情报告", node)
    return Table(
        filename=f"{stem}.{extension}",
        fallback=f"damage-reports-{event.id if event else 'all'}-{node.code}.{extension}",
        sheet_name="灾情报告",
        headers=headers,
        kinds=kinds,
        rows=_report_rows(stmt, with_event=event is None, indicators=indicators),
    )
