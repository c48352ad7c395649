from server.access import current_actor
from server.api import RESENT, Blueprint
from server.hazards import service
from server.hazards.access import FILE_HAZARDS
from server.hazards.schemas import HazardCreate, HazardOut, HazardQuery, HazardTransition

bp = Blueprint("hazards", __name__)


@bp.post("/hazards")
@bp.roles(FILE_HAZARDS)
@bp.arguments(HazardCreate)
@bp.response(201, HazardOut)
@bp.alt_response(200, schema=HazardOut, description=RESENT, success=True)
def create_hazard(data: dict):
    """File a hazard (idempotent by client_id: the same payload again → 200, another payload → 409)."""
    hazard, created = service.create_hazard(actor=current_actor(), **data)
    return hazard, 201 if created else 200


@bp.get("/hazards")
@bp.arguments(HazardQuery, location="query", as_kwargs=True)
@bp.paginated(HazardOut)
def list_hazards(**filters):
    """List hazards within scope, filtered by status, category, risk level, unit, overdue, supervised."""
    return service.list_hazards(actor=current_actor(), **filters)


@bp.get("/hazards/<int:hazard_id>")
@bp.response(200, HazardOut)
def get_hazard(hazard_id: int):
    """Read one hazard with its photos and history."""
    return service.get_hazard(actor=current_actor(), hazard_id=hazard_id)


@bp.post("/hazards/<int:hazard_id>/transitions")
@bp.arguments(HazardTransition)
@bp.response(200, HazardOut)
def transition(data: dict, hazard_id: int):
    """Move a hazard along its lifecycle: verify, reject, start_rectification, report_rectified, close, reopen."""
    hazard = service.transition(actor=current_actor(), hazard_id=hazard_id, **data)
    return hazard
