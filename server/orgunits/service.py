"""Reading the unit tree within scope."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from server.extensions import db
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope


def list_units(*, user, parent_id: int | None = None, level: str | None = None, q: str | None = None) -> Select:
    stmt = select(OrgUnit).where(within_scope(user)).order_by(OrgUnit.path)
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if level:
        stmt = stmt.where(OrgUnit.level == level)
    if q:
        stmt = stmt.where(or_(OrgUnit.name.contains(q, autoescape=True), OrgUnit.code.startswith(q, autoescape=True)))
    return stmt


def get_unit(*, user, unit_id: int) -> OrgUnit:
    return get_unit_in_scope(user, unit_id)


def villages_under(unit: OrgUnit) -> Select:
    """All villages in a unit's subtree (the units that file statistics)."""
    return select(OrgUnit).where(OrgUnit.level == "village", OrgUnit.path.startswith(unit.path, autoescape=True))


def get_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
