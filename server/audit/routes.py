from flask import Blueprint

from server.api import doc, page_schema, paginate, query_args
from server.audit import service
from server.audit.schemas import AuditOut, AuditQuery
from server.audit.service import READ_ROLES
from server.auth.access import current_actor

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@doc(query=AuditQuery, response=page_schema(AuditOut), roles=READ_ROLES)
def list_audit():
    """The audit trail within the caller's scope (reviewers and admins), newest first."""
    args = query_args(AuditQuery())
    stmt = service.list_entries(actor=current_actor(), entity_type=args["entity_type"], entity_id=args["entity_id"])
    return paginate(stmt, AuditOut(), page=args["page"], per_page=args["per_page"])
