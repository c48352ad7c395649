"""The one scope check. A user acts only inside its unit's subtree; anything outside is "not found".

Every service that reads or writes calls these functions; routes never decide scope themselves.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from server.access import Actor
from server.errors import NotFound
from server.extensions import db
from server.orgunits.models import OrgUnit


def within_scope(
    actor: Actor, unit_cls: type[OrgUnit] | None = None, *, scope_unit: OrgUnit | None = None
) -> ColumnElement:
    """SQL condition: the (possibly aliased) OrgUnit lies in the user's subtree."""
    unit_cls = unit_cls or OrgUnit
    root = scope_unit or actor.org_unit
    return unit_cls.path.startswith(root.path, autoescape=True)


def get_unit_in_scope(actor: Actor, unit_id: int | None, *, scope_unit: OrgUnit | None = None) -> OrgUnit:
    """The unit with this id if the user may see it, else NotFound (never Forbidden: no existence leak)."""
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    root = scope_unit or actor.org_unit
    if unit is None or not root.contains(unit):
        raise NotFound("单位不存在")
    return unit


def statistics_unit(actor: Actor) -> OrgUnit:
    """Statistics are filed per village: a grid reporter works for its grid's village (PRODUCT.md)."""
    unit = actor.org_unit
    if unit.level == "grid" and unit.parent is not None:
        return unit.parent
    return unit


def get_statistics_unit_in_scope(actor: Actor, unit_id: int | None) -> OrgUnit:
    """Like ``get_unit_in_scope`` but with the grid → village exception for statistics."""
    return get_unit_in_scope(actor, unit_id, scope_unit=statistics_unit(actor))
