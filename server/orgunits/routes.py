from server.access import current_actor
from server.api import Blueprint
from server.fields import OrgUnitOut
from server.orgunits import service
from server.orgunits.access import MAINTAIN_UNITS
from server.orgunits.schemas import OrgUnitCreate, OrgUnitQuery, OrgUnitUpdate

bp = Blueprint("orgunits", __name__)


@bp.get("/org-units")
@bp.arguments(OrgUnitQuery, location="query", as_kwargs=True)
@bp.paginated(OrgUnitOut)
def list_units(**filters):
    """List org units within the caller's scope."""
    return service.list_units(actor=current_actor(), **filters)


@bp.get("/org-units/<int:unit_id>")
@bp.response(200, OrgUnitOut)
def get_unit(unit_id: int):
    """Read one org unit (404 outside the caller's scope)."""
    return service.get_unit(actor=current_actor(), unit_id=unit_id)


@bp.post("/org-units")
@bp.roles(MAINTAIN_UNITS)
@bp.arguments(OrgUnitCreate)
@bp.response(201, OrgUnitOut)
def create_unit(data: dict):
    """Add a unit below the admin's scope (e.g. a village's grids)."""
    unit = service.create_unit(actor=current_actor(), **data)
    return unit


@bp.patch("/org-units/<int:unit_id>")
@bp.roles(MAINTAIN_UNITS)
@bp.arguments(OrgUnitUpdate)
@bp.response(200, OrgUnitOut)
def rename_unit(data: dict, unit_id: int):
    """Rename a unit inside the admin's scope."""
    unit = service.rename_unit(actor=current_actor(), unit_id=unit_id, **data)
    return unit
