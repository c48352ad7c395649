"""Read the audit trail, within the reader's org-unit scope. Rows are written by every feature through
``server.audit_trail.record``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from server.audit.access import READ_AUDIT
from server.audit_trail import AuditLog
from server.orgunits.models import OrgUnit
from server.orgunits.scope import within_scope

if TYPE_CHECKING:
    from server.users.models import User


def list_entries(*, actor: User, entity_type: str | None = None, entity_id: int | None = None) -> Select:
    READ_AUDIT.check(actor)
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
