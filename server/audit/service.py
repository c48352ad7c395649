"""Record and read the audit trail. ``record`` adds to the caller's transaction: the change and its audit
row commit or roll back together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from server.audit.models import AuditLog
from server.errors import Forbidden
from server.extensions import db
from server.jsonable import jsonable
from server.orgunits.models import OrgUnit
from server.orgunits.scope import within_scope

if TYPE_CHECKING:
    from server.users.models import User

READ_ROLES = ("reviewer", "admin")


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {field: jsonable(getattr(obj, field)) for field in fields}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    *,
    actor: User,
    action: str,
    entity_type: str,
    entity_id: int,
    org_unit_id: int | None,
    changes: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction (flushed with it, committed by the request)."""
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        changes=jsonable(changes or {}),
    )
    db.session.add(entry)
    return entry


def list_entries(*, actor: User, entity_type: str | None = None, entity_id: int | None = None) -> Select:
    if actor.role not in READ_ROLES:
        raise Forbidden("只有审核员和管理员可以查看审计记录")
    stmt = (
        select(AuditLog)
        .join(OrgUnit, AuditLog.org_unit_id == OrgUnit.id)
        .where(within_scope(actor))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    return stmt
