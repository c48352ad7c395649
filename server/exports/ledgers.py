"""The two ledgers as spreadsheets, in the layout of the national forms (因灾死亡失踪人口台账,
因灾倒塌损坏住房户台账), one row per person or household, streamed like every export.

ID numbers are masked unless the caller asked for them (``reveal``) and may see them (a county reviewer); such an
export writes an audit row before the first byte leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from server import clock
from server.audit_trail import record
from server.errors import Forbidden
from server.events.service import get_event
from server.exports.service import BATCH, DRILL_MARK, Table
from server.extensions import db
from server.fields import local_cell
from server.ledgers import idnumber
from server.ledgers.models import CASUALTY_KINDS, DAMAGE_CLASSES, HOUSE_STATUSES, REVIEW_STATUSES, SEXES
from server.ledgers.service import CASUALTIES, HOUSES, Ledger, may_reveal
from server.orgunits.models import OrgUnit
from server.rollup import service as rollup_service
from server.users.models import User

if TYPE_CHECKING:
    from server.events.models import Event

PLACE_HEAD = ("序号", "县（市、区）", "乡（镇、街道）", "村（社区）")
CASUALTY_HEAD = (
    "姓名",
    "性别",
    "年龄",
    "身份证号码",
    "户籍所在地",
    "死亡/失踪",
    "死亡（失踪）时间",
    "死亡（失踪）地点",
    "致灾原因",
    "是否已找到（生还）",
    "备注",
)
HOUSE_HEAD = (
    "户主姓名",
    "身份证号码",
    "家庭住址",
    "房屋结构",
    "倒损类别",
    "倒损间数(间)",
    "需过渡期生活救助人数(人)",
    "恢复重建（维修）状态",
    "备注",
)
TAIL = ("审核状态", "登记人", "登记时间")


def ledger_table(
    ledger: Ledger, *, actor: User, event_id: int, org_unit_id: int | None = None, reveal: bool = False
) -> Table:
    """The ledger of the event's villages under the node (default: the caller's unit) as a table. With
    ``reveal``, the audit row is added to the session: the route commits it before streaming."""
    event = get_event(actor=actor, event_id=event_id)
    node = rollup_service.resolve_node(actor=actor, event=event, org_unit_id=org_unit_id)
    if reveal:
        if not may_reveal(actor):
            raise Forbidden("只有县级及以上审核员可以导出完整身份证号码")
        record(
            actor=actor,
            action=f"{ledger.entity}.export_reveal_id_numbers",
            entity_type="event",
            entity_id=event.id,
            org_unit_id=node.id,
            changes={"org_unit_id": node.id, "ledger": ledger.entity},
        )
    body = CASUALTY_HEAD if ledger is CASUALTIES else HOUSE_HEAD
    headers = [*PLACE_HEAD, *body, *TAIL]
    kinds = ["int", "text", "text", "text", *_body_kinds(ledger), "text", "text", "text"]
    title = "因灾死亡失踪人口台账" if ledger is CASUALTIES else "因灾倒塌损坏住房户台账"
    stem = f"{title}-{event.name}-{node.name}"
    return Table(
        filename=f"{DRILL_MARK if event.drill else ''}{stem}.xlsx",
        fallback=f"{'casualties' if ledger is CASUALTIES else 'damaged-houses'}-{event.id}-{node.code}.xlsx",
        sheet_name=title,
        headers=headers,
        kinds=kinds,
        rows=_rows(ledger, event, node, reveal=reveal),
    )


def _body_kinds(ledger: Ledger) -> list[str]:
    if ledger is CASUALTIES:
        return ["text", "text", "int", *["text"] * 8]
    return ["text"] * 5 + ["int", "int", "text", "text"]


def _rows(ledger: Ledger, event: Event, node: OrgUnit, *, reveal: bool) -> Iterator[list[Any]]:
    model = ledger.model
    village, township, county = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    submitter = aliased(User)
    prefix = node.path if event.org_unit.contains(node) else event.org_unit.path
    stmt = (
        select(model, county.name, township.name, village.name, submitter.name, submitter.username)
        .join(village, model.org_unit_id == village.id)
        .outerjoin(township, village.parent_id == township.id)
        .outerjoin(county, township.parent_id == county.id)
        .join(submitter, model.submitted_by_id == submitter.id)
        .where(model.event_id == event.id, village.path.startswith(prefix, autoescape=True))
        .order_by(village.path, model.submitted_at, model.id)
        .execution_options(yield_per=BATCH)
    )
    zone = clock.local_zone()
    result = db.session.execute(stmt)
    try:
        for number, (row, county_name, township_name, village_name, by_name, by_username) in enumerate(result, 1):
            id_number = row.id_number if reveal else idnumber.mask(row.id_number)
            if ledger is CASUALTIES:
                body = [
                    row.name,
                    SEXES.get(row.sex, row.sex),
                    row.age,
                    id_number,
                    row.address,
                    CASUALTY_KINDS.get(row.kind, row.kind),
                    local_cell(row.occurred_at, zone),
                    row.place,
                    row.cause,
                    "是" if row.found_alive else "否",
                    row.note,
                ]
            else:
                body = [
                    row.head_name,
                    id_number,
                    row.address,
                    row.structure,
                    DAMAGE_CLASSES.get(row.damage, row.damage),
                    row.rooms,
                    row.transitional_aid_persons,
                    HOUSE_STATUSES.get(row.status, row.status),
                    row.note,
                ]
            tail = [
                REVIEW_STATUSES.get(row.review_status, ""),
                by_name or by_username,
                local_cell(row.submitted_at, zone),
            ]
            yield [number, county_name or "", township_name or "", village_name or "", *body, *tail]
            db.session.expunge(row)  # constant memory: rows leave the identity map once written
    finally:
        result.close()


def casualty_table(**kwargs: Any) -> Table:
    return ledger_table(CASUALTIES, **kwargs)


def house_table(**kwargs: Any) -> Table:
    return ledger_table(HOUSES, **kwargs)
