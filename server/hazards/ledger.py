"""The hazard ledger (隐患台账) as XLSX: the columns a township keeps by hand (PRODUCT.md), one row per hazard.

Rows are read from the database in batches and written with xlsxwriter's constant-memory mode, so memory stays
flat whatever the number of hazards; the finished file is then streamed to the client.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import xlsxwriter
from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from server.clock import to_local
from server.extensions import db
from server.hazards.models import CATEGORIES, RISK_LEVELS, STATUSES, Hazard, overdue_clause
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
    return (_cells(row) for row in db.session.execute(stmt.execution_options(yield_per=BATCH)))


def _cells(row) -> list[Any]:
    return [
        f"YH{to_local(row.found_at):%Y}-{row.id:06d}",
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
        _local(row.deadline),
        STATUSES.get(row.status, row.status),
        _local(row.closed_at),
        row.grid,
        _local(row.found_at),
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


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: cells hold the deployment's local wall-clock time.
    return None if value is None else to_local(value).replace(tzinfo=None)


def write_ledger(*, actor: User, tmpdir: str | None = None, **filters: Any) -> str:
    """Write the ledger to a temporary .xlsx file and return its path (the caller streams and deletes it)."""
    rows = ledger_rows(actor=actor, **filters)  # scope errors before any file exists
    fd, path = tempfile.mkstemp(prefix="hazard-ledger-", suffix=".xlsx", dir=tmpdir)
    os.close(fd)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tmpdir or tempfile.gettempdir()})
    try:
        sheet = workbook.add_worksheet("隐患台账")
        header = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for col, (title, width) in enumerate(COLUMNS):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, title, header)
        sheet.freeze_panes(1, 0)
        date_columns = {12: date, 14: date, 16: stamp}
        last_row = 0
        for last_row, cells in enumerate(rows, start=1):
            for col, value in enumerate(cells):
                if value is None or value == "":
                    continue
                if col in date_columns:
                    sheet.write_datetime(last_row, col, value, date_columns[col])
                elif isinstance(value, int):
                    sheet.write_number(last_row, col, value)
                else:
                    sheet.write_string(last_row, col, str(value))
        sheet.autofilter(0, 0, max(last_row, 1), len(COLUMNS) - 1)
    except BaseException:
        with contextlib.suppress(Exception):
            workbook.close()  # closes and removes xlsxwriter's own temp files
        os.unlink(path)
        raise
    workbook.close()
    return path
