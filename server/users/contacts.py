"""Whom to call about a village: its officers (灾害信息员 / 网格员) with their phones, for the desks that chase a
silent village (a warning not acknowledged, a report not filed) and for the escalation messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.orgunits.models import OrgUnit
from server.users.models import User


def village_officers(village_ids: set[int], root_path: str) -> dict[int, list[dict[str, Any]]]:
    """The active reporters (灾害信息员 / 网格员) of each village, its grids' included: whom to call when it is
    silent. One query."""
    if not village_ids:
        return {}
    stmt = (
        select(User.id, User.name, User.phone, OrgUnit.id, OrgUnit.level, OrgUnit.parent_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(
            User.role == "reporter",
            User.active.is_(True),
            OrgUnit.level.in_(("village", "grid")),
            OrgUnit.path.startswith(root_path, autoescape=True),
        )
        .order_by(OrgUnit.level.desc(), User.id)  # the village's own officers before its grids'
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for user_id, name, phone, unit_id, level, parent_id in db.session.execute(stmt):
        village_id = unit_id if level == "village" else parent_id
        if village_id in village_ids:
            out.setdefault(village_id, []).append({"id": user_id, "name": name, "phone": phone})
    return out
