"""The hazard ledger (隐患台账) as XLSX (``GET /hazards/export.xlsx``): the columns a township keeps by hand
(PRODUCT.md), one row per hazard. An export like the others, so it lives with them in server/exports/; the hazards
feature gives it its scope and filters (``hazards.service.filtered``).

Rows are read from the database in batches and written by the streaming XLSX writer as they come, so memory stays
flat whatever the number of hazards and the first bytes leave at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from server.exports.xlsx import stream_xlsx
from server.extensions import db
from server.fields import local_wall
from server.hazards.models import CATEGORIES, RISK_LEVELS, STATUSES, Hazard, hazard_number, overdue_clause
from server.hazards.service import filtered
from server.orgunits.models import OrgUnit

if TYPE_CHECKING:
    from server.users.models import User

# (header, column width)
COLUMNS = [
    ("编号", 16),
    ("乡镇", 14),
    ("村", 14),
    ("名称", 28),
    ("类型", 10),
    ("位置", 36),
    ("威胁户数", 10),
    ("威胁人数", 10),
    ("风险等级", 12),
    ("责任人", 10),
    ("监测人", 10),
    ("措施", 40),
    ("时限", 12),
    ("状态", 10),
    ("销号日期", 12),
    # beyond the hand-kept columns
    ("网格", 16),
    ("发现时间", 18),
    ("挂牌督办", 10),
    ("整改逾期", 10),
]
BATCH = 1000
SHEET_NAME = "隐患台账"
# The writer's cell kind per column: counts are numbers, the deadline and closing day dates, the finding time a
# date and time (local wall-clock: Excel has no time zones).
KINDS = ["text"] * 6 + ["int", "int"] + ["text"] * 4 + ["date", "text", "date", "text", "datetime", "text", "text"]


def ledger_rows(*, actor: User, **filters: Any) -> Iterator[list[Any]]:
    """One list of cell values per hazard in scope, in ledger order (township, village, number).

    Scope and filters are checked here, before the first row is asked for (NotFound is raised now, not later).
    """
    unit, parent, grandparent = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    is_grid = unit.level == "grid"
    village = case((is_grid, parent.name), else_=unit.name)
    township = case((is_grid, grandparent.name), else_=parent.name)
    stmt = (
        select(
            Hazard.id,
            Hazard.found_at,
            township.label("township"),
            village.label("village"),
            case((is_grid, unit.name), else_="").label("grid"),
            Hazard.title,
            Hazard.category,
            Hazard.address,
            Hazard.lat,
            Hazard.lon,
            Hazard.accuracy_m,
            Hazard.threatened_households,
            Hazard.threatened_persons,
            Hazard.risk_level,
            Hazard.responsible_person,
            Hazard.monitor_person,
            Hazard.measures,
            Hazard.deadline,
            Hazard.status,
            Hazard.closed_at,
            Hazard.supervised,
            overdue_clause().label("overdue"),
        )
        .join(unit, Hazard.org_unit_id == unit.id)
        .outerjoin(parent, parent.id == unit.parent_id)
        .outerjoin(grandparent, grandparent.id == parent.parent_id)
    )
    stmt = filtered(stmt, actor=actor, unit_cls=unit, **filters).order_by(unit.path, Hazard.found_at, Hazard.id)
    return _rows(stmt)


def _rows(stmt) -> Iterator[list[Any]]:
    # Executed when the first row is asked for, while the response streams: a server-side cursor (yield_per on
    # PostgreSQL) lives only as long as the transaction the stream reads in.
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    try:
        for row in result:
            yield _cells(row)
    finally:
        result.close()


def _cells(row) -> list[Any]:
    return [
        hazard_number(row.found_at, row.id),
        row.township or "",
        row.village or "",
        row.title,
        CATEGORIES.get(row.category, row.category),
        _location(row.address, row.lat, row.lon, row.accuracy_m),
        row.threatened_households,
        row.threatened_persons,
        RISK_LEVELS.get(row.risk_level, row.risk_level),
        row.responsible_person,
        row.monitor_person,
        row.measures,
        local_wall(row.deadline),
        STATUSES.get(row.status, row.status),
        local_wall(row.closed_at),
        row.grid,
        local_wall(row.found_at),
        "是" if row.supervised else "否",
        "是" if row.overdue else "否",
    ]


def _location(address: str, lat: float | None, lon: float | None, accuracy_m: float | None) -> str:
    parts = [address] if address else []
    if lat is not None and lon is not None:
        gps = f"{lat:.6f}, {lon:.6f}"
        if accuracy_m is not None:
            gps += f" ±{accuracy_m:g}米"
        parts.append(f"({gps})")
    return " ".join(parts)


def ledger_stream(*, actor: User, **filters: Any) -> Iterator[bytes]:
    """The ledger as XLSX bytes, produced while rows are read (the streaming writer, xlsx.py). Scope and filters
    are checked before the first byte (``ledger_rows``)."""
    rows = ledger_rows(actor=actor, **filters)
    headers = [title for title, _ in COLUMNS]
    widths = [width for _, width in COLUMNS]
    return stream_xlsx(SHEET_NAME, headers, KINDS, rows, widths=widths, autofilter=True)
