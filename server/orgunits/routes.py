from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.extensions import db
from server.orgunits import service
from server.orgunits.schemas import OrgUnitCreate, OrgUnitOut, OrgUnitQuery, OrgUnitUpdate

bp = Blueprint("orgunits", __name__)


@bp.get("/org-units")
@doc(query=OrgUnitQuery, response=page_schema(OrgUnitOut))
def list_units():
    """List org units within the caller's scope."""
    args = query_args(OrgUnitQuery())
    stmt = service.list_units(actor=current_actor(), parent_id=args["parent_id"], level=args["level"], q=args["q"])
    return paginate(stmt, OrgUnitOut(), page=args["page"], per_page=args["per_page"])


@bp.get("/org-units/<int:unit_id>")
@doc(response=OrgUnitOut)
def get_unit(unit_id: int):
    """Read one org unit (404 outside the caller's scope)."""
    return OrgUnitOut().dump(service.get_unit(actor=current_actor(), unit_id=unit_id))


@bp.post("/org-units")
@doc(body=OrgUnitCreate, response=OrgUnitOut, status=201, roles=("admin",))
def create_unit():
    """Add a unit below the admin's scope (e.g. a village's grids)."""
    unit = service.create_unit(actor=current_actor(), **json_body(OrgUnitCreate()))
    db.session.commit()
    return OrgUnitOut().dump(unit), 201


@bp.patch("/org-units/<int:unit_id>")
@doc(body=OrgUnitUpdate, response=OrgUnitOut, roles=("admin",))
def rename_unit(unit_id: int):
    """Rename a unit inside the admin's scope."""
    unit = service.rename_unit(actor=current_actor(), unit_id=unit_id, **json_body(OrgUnitUpdate()))
    db.session.commit()
    return OrgUnitOut().dump(unit)
