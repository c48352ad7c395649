from server.access import current_actor
from server.api import RESENT, Blueprint
from server.evacuation import service, shelters
from server.evacuation.access import EDIT_SHELTERS, FILE_EVACUATIONS
from server.evacuation.schemas import (
    EvacuationCreate,
    EvacuationQuery,
    EvacuationReportOut,
    EvacuationSubmitOut,
    ShelterCreate,
    ShelterOut,
    ShelterQuery,
    ShelterUpdate,
)

bp = Blueprint("evacuation", __name__)


@bp.post("/events/<int:event_id>/evacuations")
@bp.roles(FILE_EVACUATIONS)
@bp.arguments(EvacuationCreate)
@bp.response(201, EvacuationSubmitOut)
@bp.alt_response(200, schema=EvacuationSubmitOut, description=RESENT, success=True)
def submit_evacuation(data: dict, event_id: int):
    """File a village's cumulative evacuation counts (201 new, 200 same resend, 409 other payload)."""
    result = service.submit_evacuation(actor=current_actor(), event_id=event_id, **data)
    return result, 201 if result.created else 200


@bp.get("/events/<int:event_id>/evacuations")
@bp.arguments(EvacuationQuery, location="query", as_kwargs=True)
@bp.paginated(EvacuationReportOut)
def list_evacuations(event_id: int, **filters):
    """List the evacuation reports of an event within scope."""
    return service.list_evacuations(actor=current_actor(), event_id=event_id, **filters)


@bp.get("/evacuations/<int:report_id>")
@bp.response(200, EvacuationReportOut)
def get_evacuation(report_id: int):
    """Read one evacuation report within scope."""
    return service.get_evacuation(actor=current_actor(), report_id=report_id)


@bp.get("/shelters")
@bp.arguments(ShelterQuery, location="query", as_kwargs=True)
@bp.paginated(ShelterOut)
def list_shelters(**filters):
    """List the shelters within scope (and those above it that serve it) with their occupancy."""
    return shelters.list_shelters(actor=current_actor(), **filters)


@bp.post("/shelters")
@bp.roles(EDIT_SHELTERS)
@bp.arguments(ShelterCreate)
@bp.response(201, ShelterOut)
def create_shelter(data: dict):
    """Register a shelter (reviewer or admin, within scope)."""
    shelter = shelters.create_shelter(actor=current_actor(), **data)
    # Re-read: the occupancy is a per-query expression the written row does not carry.
    return shelters.get_shelter(actor=current_actor(), shelter_id=shelter.id)


@bp.get("/shelters/<int:shelter_id>")
@bp.response(200, ShelterOut)
def get_shelter(shelter_id: int):
    """Read one shelter with its occupancy."""
    return shelters.get_shelter(actor=current_actor(), shelter_id=shelter_id)


@bp.patch("/shelters/<int:shelter_id>")
@bp.roles(EDIT_SHELTERS)
@bp.arguments(ShelterUpdate(partial=True))
@bp.response(200, ShelterOut)
def update_shelter(changes: dict, shelter_id: int):
    """Change a shelter's details or take it out of use (reviewer or admin, within scope)."""
    shelter = shelters.update_shelter(actor=current_actor(), shelter_id=shelter_id, changes=changes)
    return shelters.get_shelter(actor=current_actor(), shelter_id=shelter.id)
