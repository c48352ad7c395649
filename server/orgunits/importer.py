"""Import of the official ``code,name,level,parent_code`` CSV (统计用区划代码).

Upsert by code (a renamed unit keeps its id), all-or-nothing: every bad row is reported with its line number and
nothing is written. Accepts UTF-8 with or without BOM and GB18030/GBK (what Excel saves in China), with CRLF or LF
line ends.

It streams, so its memory does not grow with the file (the national file has 665,276 units; holding them as ORM
objects took 4.8 GB): rows are checked one by one and copied in batches into a temporary staging table; the checks
that need the whole file (duplicates, parents) and the upsert itself are set-based SQL over that table, level by
level so every parent has its id and path before its children. Only changed units (renames, moves) pass through the
ORM, with their audit rows; creations are audited in batches.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import Column, Integer, MetaData, String, Table, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from server.access import Actor
from server.audit_trail import record, record_many
from server.clock import now
from server.errors import Invalid
from server.extensions import db
from server.orgunits.models import CODE_LENGTH, LEVEL_RANK, LEVELS, OrgUnit

HEADER = ["code", "name", "level", "parent_code"]
ASCII_DIGITS = re.compile("[0-9]+")  # isdigit() also takes ２ and ²
BATCH = 5000
MAX_LISTED_ERRORS = 200  # a file of the wrong shape can have a million bad lines: name the first ones

_staging_metadata = MetaData()
# One row per line of the file; ``rank`` is the level's rank (province 0 … grid 5).
STAGING = Table(
    "org_import_rows",
    _staging_metadata,
    Column("line", Integer, primary_key=True),
    Column("code", String(24), index=True),
    Column("name", String(100)),
    Column("level", String(16)),
    Column("parent_code", String(24)),
    Column("rank", Integer),
    prefixes=["TEMPORARY"],
)


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


class Errors:
    """Bad lines by line number; the first MAX_LISTED_ERRORS are kept, the rest only counted."""

    def __init__(self) -> None:
        self.listed: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        self.listed.append((line, message))
        if len(self.listed) > 2 * MAX_LISTED_ERRORS:
            self.listed = sorted(self.listed)[:MAX_LISTED_ERRORS]

    def raise_if_any(self) -> None:
        if not self.count:
            return
        messages = [message for _, message in sorted(self.listed)[:MAX_LISTED_ERRORS]]
        if self.count > len(messages):
            messages.append(f"……另有 {self.count - len(messages)} 处错误未列出")
        raise Invalid({"file": messages}, message=f"导入失败，共 {self.count} 处错误，未导入任何数据")


def encoding_of(stream: IO[bytes]) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``gb18030`` (a superset of GBK and GB2312)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)


def parse(stream: IO[bytes], errors: Errors) -> Iterator[Row]:
    """The file's rows, one at a time; a bad header or a row of the wrong width goes to ``errors``."""
    text = io.TextIOWrapper(stream, encoding=encoding_of(stream), newline="")
    try:
        yield from _rows(csv.reader(text), errors)
    finally:
        text.detach()  # the caller owns (and closes) the byte stream


def _rows(reader, errors: Errors) -> Iterator[Row]:
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        errors.add(1, f"第 1 行：表头应为 {','.join(HEADER)}")
        return
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != 4:
            errors.add(line, f"第 {line} 行：应有 4 列，实有 {len(values)} 列")
            continue
        code, name, level, parent_code = (v.strip() for v in values)
        yield Row(line, code, name, level.lower(), parent_code)


def _check_row(row: Row) -> str | None:
    if not ASCII_DIGITS.fullmatch(row.code):
        return f"代码 {row.code!r} 应为数字"
    if not row.name:
        return "名称不能为空"
    if len(row.name) > 100:
        return "名称不能超过 100 个字"
    if row.level not in LEVEL_RANK:
        return f"未知的级别 {row.level!r}（应为 {', '.join(LEVELS)}）"
    expected = CODE_LENGTH.get(row.level)
    if expected is not None and len(row.code) != expected:
        return f"{row.level} 级代码应为 {expected} 位，{row.code} 为 {len(row.code)} 位"
    if row.level == "grid" and not CODE_LENGTH["village"] < len(row.code) <= 24:
        return f"网格代码 {row.code} 应为所属村代码加后缀"
    if row.parent_code and not ASCII_DIGITS.fullmatch(row.parent_code):
        return f"上级代码 {row.parent_code!r} 应为数字"
    return None


def import_units(stream: IO[bytes] | bytes, *, actor: Actor | None = None) -> ImportResult:
    """Validate the whole file, then upsert it in the caller's transaction. Raises Invalid listing the bad lines."""
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    connection = db.session.connection()
    STAGING.drop(connection, checkfirst=True)
    STAGING.create(connection)
    try:
        errors = Errors()
        _stage(stream, errors)
        _check_whole_file(errors)
        errors.raise_if_any()
        return _upsert(actor)
    finally:
        STAGING.drop(db.session.connection(), checkfirst=True)


def _stage(stream: IO[bytes], errors: Errors) -> None:
    batch: list[dict] = []
    for row in parse(stream, errors):
        problem = _check_row(row)
        if problem is not None:
            errors.add(row.line, f"第 {row.line} 行：{problem}")
            continue
        batch.append({**row.__dict__, "rank": LEVEL_RANK[row.level]})
        if len(batch) == BATCH:
            db.session.execute(STAGING.insert(), batch)
            batch = []
    if batch:
        db.session.execute(STAGING.insert(), batch)


def _check_whole_file(errors: Errors) -> None:
    row, first = STAGING.c, aliased(STAGING)
    duplicates = (
        select(row.line, row.code, func.min(first.c.line))
        .join(first, and_(first.c.code == row.code, first.c.line < row.line))
        .group_by(row.line, row.code)
    )
    duplicate_lines = set()
    for line, code, earlier in db.session.execute(duplicates):
        duplicate_lines.add(line)
        errors.add(line, f"第 {line} 行：代码 {code} 重复（第 {earlier} 行已有）")

    # The parent as the file has it, else as the database has it.
    in_file, in_db = aliased(STAGING), aliased(OrgUnit)
    parent_level = func.coalesce(in_file.c.level, in_db.level)
    parent_rank = func.coalesce(in_file.c.rank, _rank_of(in_db.level))
    problems = (
        select(row.line, row.code, row.level, row.parent_code, parent_level)
        .outerjoin(in_file, in_file.c.code == row.parent_code)
        .outerjoin(in_db, in_db.code == row.parent_code)
        .where(row.parent_code != "")
        .where(
            or_(
                parent_level.is_(None),
                parent_rank >= row.rank,
                func.substr(row.code, 1, func.length(row.parent_code)) != row.parent_code,
            )
        )
        .distinct()
    )
    for line, code, level, parent_code, found_level in db.session.execute(problems):
        if line in duplicate_lines:
            continue
        if found_level is None:
            message = f"上级代码 {parent_code} 在文件和数据库中都不存在"
        elif LEVEL_RANK[found_level] >= LEVEL_RANK[level]:
            message = f"上级 {parent_code}（{found_level}）不能低于或等于本级 {level}"
        else:
            message = f"代码 {code} 未以上级代码 {parent_code} 开头"
        errors.add(line, f"第 {line} 行：{message}")


def _rank_of(level_column):
    return case({level: rank for level, rank in LEVEL_RANK.items()}, value=level_column)


def _upsert(actor: Actor | None) -> ImportResult:
    result = ImportResult()
    row, unit, parent, old_parent = STAGING.c, OrgUnit.__table__.c, aliased(OrgUnit), aliased(OrgUnit)
    ids_before = db.session.scalar(select(func.coalesce(func.max(OrgUnit.id), 0)))
    for rank in range(len(LEVELS)):
        # Renames and moves, through the ORM with their audit rows (few, in any real re-import).
        changed = db.session.execute(
            select(OrgUnit, row.name, row.level, row.parent_code, old_parent.code)
            .join(STAGING, row.code == OrgUnit.code)
            .outerjoin(old_parent, old_parent.id == OrgUnit.parent_id)
            .where(row.rank == rank)
            .where(
                or_(
                    OrgUnit.name != row.name,
                    OrgUnit.level != row.level,
                    func.coalesce(old_parent.code, "") != row.parent_code,
                )
            )
        ).all()
        for existing, name, level, parent_code, old_parent_code in changed:
            _update(existing, name, level, parent_code, old_parent_code or "", actor)
            result.updated += 1
        result.unchanged += db.session.scalar(
            select(func.count()).select_from(STAGING).join(OrgUnit, OrgUnit.code == row.code).where(row.rank == rank)
        ) - len(changed)
        db.session.flush()
        at = now()
        db.session.execute(
            OrgUnit.__table__.insert().from_select(
                ["code", "name", "level", "parent_id", "path", "created_at", "updated_at"],
                select(
                    row.code,
                    row.name,
                    row.level,
                    parent.id,
                    func.coalesce(parent.path, "/") + row.code + "/",
                    literal(at, OrgUnit.created_at.type),
                    literal(at, OrgUnit.updated_at.type),
                )
                .select_from(STAGING)
                .outerjoin(parent, parent.code == row.parent_code)
                .where(row.rank == rank)
                .where(~select(unit.id).where(unit.code == row.code).exists()),
            )
        )
    result.created = db.session.scalar(select(func.count()).where(OrgUnit.id > ids_before))
    _audit_creations(ids_before, actor)
    return result


def _update(unit: OrgUnit, name: str, level: str, parent_code: str, old_parent_code: str, actor: Actor | None) -> None:
    before = {"name": unit.name, "level": unit.level, "parent_code": old_parent_code}
    after = {"name": name, "level": level, "parent_code": parent_code}
    parent = db.session.scalar(select(OrgUnit).where(OrgUnit.code == parent_code)) if parent_code else None
    path = f"{parent.path if parent else '/'}{unit.code}/"
    unit.name, unit.level, unit.parent = name, level, parent
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


def _audit_creations(ids_before: int, actor: Actor | None) -> None:
    created = db.session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level)
        .where(OrgUnit.id > ids_before)
        .order_by(OrgUnit.id)
        .execution_options(yield_per=BATCH)
    )
    for chunk in created.partitions():
        rows = [
            (i, i, {"code": [None, code], "name": [None, name], "level": [None, level]})
            for i, code, name, level in chunk
        ]
        record_many(actor=actor, action="org_unit.create", entity_type="org_unit", rows=rows)


def _move_subtree(unit: OrgUnit, new_path: str) -> None:
    old_path = unit.path
    for descendant in db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old_path, autoescape=True))):
        descendant.path = new_path + descendant.path[len(old_path) :]
