"""Import of the official ``code,name,level,parent_code`` CSV (统计用区划代码).

Upsert by code (a renamed unit keeps its id), all-or-nothing: every bad row is reported with its line number
and nothing is written. Accepts UTF-8 with or without BOM and GB18030/GBK (what Excel saves in China), with
CRLF or LF line ends.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from server.audit.service import record
from server.errors import Invalid
from server.extensions import db
from server.orgunits.models import CODE_LENGTH, LEVEL_RANK, LEVELS, OrgUnit

if TYPE_CHECKING:
    from server.users.models import User

HEADER = ["code", "name", "level", "parent_code"]
ASCII_DIGITS = re.compile("[0-9]+")  # isdigit() also takes ２ and ²


@dataclass
class Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # GB18030 is a superset of GBK and GB2312.
        return data.decode("gb18030")


def parse(text: str) -> tuple[list[Row], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    rows: list[Row] = []
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        return [], [f"第 1 行：表头应为 {','.join(HEADER)}"]
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != 4:
            errors.append(f"第 {line} 行：应有 4 列，实有 {len(values)} 列")
            continue
        code, name, level, parent_code = (v.strip() for v in values)
        rows.append(Row(line, code, name, level.lower(), parent_code))
    return rows, errors


def _check_row(row: Row) -> str | None:
    if not ASCII_DIGITS.fullmatch(row.code):
        return f"代码 {row.code!r} 应为数字"
    if not row.name:
        return "名称不能为空"
    if row.level not in LEVEL_RANK:
        return f"未知的级别 {row.level!r}（应为 {', '.join(LEVELS)}）"
    expected = CODE_LENGTH.get(row.level)
    if expected is not None and len(row.code) != expected:
        return f"{row.level} 级代码应为 {expected} 位，{row.code} 为 {len(row.code)} 位"
    if row.level == "grid" and len(row.code) <= CODE_LENGTH["village"]:
        return f"网格代码 {row.code} 应为所属村代码加后缀"
    return None


def import_units(data: bytes, *, actor: User | None = None) -> ImportResult:
    """Validate the whole file, then upsert it in the caller's transaction. Raises Invalid listing every bad line."""
    rows, errors = parse(decode(data))
    existing = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}
    seen: dict[str, Row] = {}
    for row in rows:
        problem = _check_row(row)
        if problem is None and row.code in seen:
            problem = f"代码 {row.code} 重复（第 {seen[row.code].line} 行已有）"
        if problem is None:
            seen[row.code] = row
        else:
            errors.append(f"第 {row.line} 行：{problem}")

    for row in seen.values():
        if not row.parent_code:
            continue
        parent_level = seen[row.parent_code].level if row.parent_code in seen else None
        if parent_level is None and row.parent_code in existing:
            parent_level = existing[row.parent_code].level
        if parent_level is None:
            errors.append(f"第 {row.line} 行：上级代码 {row.parent_code} 在文件和数据库中都不存在")
        elif LEVEL_RANK[parent_level] >= LEVEL_RANK[row.level]:
            errors.append(f"第 {row.line} 行：上级 {row.parent_code}（{parent_level}）不能低于或等于本级 {row.level}")
        elif not row.code.startswith(row.parent_code):
            errors.append(f"第 {row.line} 行：代码 {row.code} 未以上级代码 {row.parent_code} 开头")
    if errors:
        errors.sort(key=_line_of)
        raise Invalid({"file": errors}, message=f"导入失败，共 {len(errors)} 处错误，未导入任何数据")

    result = ImportResult()
    by_code = dict(existing)
    # Parents before children: insert level by level so every parent has its id and path.
    for row in sorted(seen.values(), key=lambda r: (LEVEL_RANK[r.level], r.line)):
        parent = by_code.get(row.parent_code) if row.parent_code else None
        path = f"{parent.path if parent else '/'}{row.code}/"
        unit = by_code.get(row.code)
        if unit is None:
            unit = OrgUnit(code=row.code, name=row.name, level=row.level, parent=parent, path=path)
            db.session.add(unit)
            by_code[row.code] = unit
            result.created += 1
            continue
        before = {
            "name": unit.name,
            "level": unit.level,
            "parent_code": unit.parent.code if unit.parent else "",
        }
        after = {"name": row.name, "level": row.level, "parent_code": row.parent_code}
        if before == after:
            result.unchanged += 1
            continue
        unit.name, unit.level, unit.parent = row.name, row.level, parent
        if unit.path != path:
            _move_subtree(unit, path)
        db.session.flush()
        record(
            actor=actor,
            action="org_unit.update",
            entity_type="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
        result.updated += 1
    db.session.flush()
    for code, unit in by_code.items():
        if code in seen and code not in existing:
            record(
                actor=actor,
                action="org_unit.create",
                entity_type="org_unit",
                entity_id=unit.id,
                org_unit_id=unit.id,
                changes={"code": [None, unit.code], "name": [None, unit.name], "level": [None, unit.level]},
            )
    return result


def _move_subtree(unit: OrgUnit, new_path: str) -> None:
    old_path = unit.path
    for descendant in db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old_path, autoescape=True))):
        descendant.path = new_path + descendant.path[len(old_path) :]


def _line_of(message: str) -> int:
    try:
        return int(message.split(" ", 2)[1])
    except (IndexError, ValueError):
        return 0
