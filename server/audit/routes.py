from server.access import current_actor
from server.api import Blueprint
from server.audit import service
from server.audit.access import READ_AUDIT
from server.audit.schemas import AuditOut, AuditQuery

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@bp.roles(READ_AUDIT)
@bp.arguments(AuditQuery, location="query", as_kwargs=True)
@bp.paginated(AuditOut)
def list_audit(**filters):
    """The audit trail within the caller's scope (reviewers and admins), newest first."""
    return service.list_entries(actor=current_actor(), **filters)
