"""Reading the unit tree within scope."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from server.access import Actor
from server.audit_trail import record
from server.errors import Duplicate, Forbidden, Invalid
from server.extensions import db
from server.idempotency import insert_unless_taken
from server.orgunits.access import MAINTAIN_UNITS
from server.orgunits.models import CODE_LENGTH, LEVEL_RANK, OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope


def list_units(*, actor: Actor, parent_id: int | None = None, level: str | None = None, q: str | None = None) -> Select:
    stmt = select(OrgUnit).where(within_scope(actor)).order_by(OrgUnit.path)
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if level:
        stmt = stmt.where(OrgUnit.level == level)
    if q:
        stmt = stmt.where(or_(OrgUnit.name.contains(q, autoescape=True), OrgUnit.code.startswith(q, autoescape=True)))
    return stmt


def get_unit(*, actor: Actor, unit_id: int) -> OrgUnit:
    return get_unit_in_scope(actor, unit_id)


def get_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def create_unit(*, actor: Actor, code: str, name: str, level: str, parent_id: int) -> OrgUnit:
    """An admin adds a unit below its scope (typically the grids of a village, which no official list has)."""
    MAINTAIN_UNITS.check(actor)
    parent = get_unit_in_scope(actor, parent_id)
    problems: dict[str, list[str]] = {}
    if LEVEL_RANK[level] <= parent.rank:
        problems["level"] = [f"级别必须低于上级单位（{parent.level}）"]
    elif not code.startswith(parent.code) or len(code) <= len(parent.code):
        problems["code"] = [f"代码必须以上级代码 {parent.code} 开头并更长"]
    elif (expected := CODE_LENGTH.get(level)) is not None and len(code) != expected:
        problems["code"] = [f"{level} 级代码应为 {expected} 位"]
    if problems:
        raise Invalid(problems)
    taken = Duplicate("代码已存在", details={"fields": {"code": ["代码已存在"]}})
    if get_by_code(code) is not None:
        raise taken
    unit = OrgUnit(code=code, name=name, level=level, parent=parent, path=f"{parent.path}{code}/")
    if not insert_unless_taken(unit):  # a concurrent create with the same code: the same answer
        raise taken
    record(
        actor=actor,
        action="org_unit.create",
        entity_type="org_unit",
        entity_id=unit.id,
        org_unit_id=unit.id,
        changes={"code": [None, code], "name": [None, name], "level": [None, level]},
    )
    return unit


def rename_unit(*, actor: Actor, unit_id: int, name: str) -> OrgUnit:
    MAINTAIN_UNITS.check(actor)
    unit = get_unit_in_scope(actor, unit_id)
    if unit.id == actor.org_unit_id:
        raise Forbidden("不能修改自己所在的单位，请联系上级管理员")
    if unit.name != name:
        record(
            actor=actor,
            action="org_unit.update",
            entity_type="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            changes={"name": [unit.name, name]},
        )
        unit.name = name
        db.session.flush()
    return unit
