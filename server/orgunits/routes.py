from flask import Blueprint

from server.api import doc, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.orgunits import service
from server.orgunits.schemas import OrgUnitOut, OrgUnitQuery

bp = Blueprint("orgunits", __name__)


@bp.get("/org-units")
@doc(query=OrgUnitQuery, response=page_schema(OrgUnitOut))
def list_units():
    """List org units within the caller's scope."""
    args = query_args(OrgUnitQuery())
    stmt = service.list_units(user=current_actor(), parent_id=args["parent_id"], level=args["level"], q=args["q"])
    return paginate(stmt, OrgUnitOut(), page=args["page"], per_page=args["per_page"])


@bp.get("/org-units/<int:unit_id>")
@doc(response=OrgUnitOut)
def get_unit(unit_id: int):
    """Read one org unit (404 outside the caller's scope)."""
    return OrgUnitOut().dump(service.get_unit(user=current_actor(), unit_id=unit_id))
