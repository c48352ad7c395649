from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.evacuation import service, shelters
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
from server.evacuation.shelters import EDITOR_ROLES
from server.extensions import db

bp = Blueprint("evacuation", __name__)


@bp.post("/events/<int:event_id>/evacuations")
@doc(body=EvacuationCreate, response=EvacuationSubmitOut, status=201, roles=("reporter",))
def submit_evacuation(event_id: int):
    """File a village's cumulative evacuation counts (201 new, 200 same resend, 409 other payload)."""
    data = json_body(EvacuationCreate())
    result = service.submit_evacuation(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    body = EvacuationReportOut().dump(result.report) | {"warnings": result.warnings}
    return body, 201 if result.created else 200


@bp.get("/events/<int:event_id>/evacuations")
@doc(query=EvacuationQuery, response=page_schema(EvacuationReportOut))
def list_evacuations(event_id: int):
    """List the evacuation reports of an event within scope."""
    args = query_args(EvacuationQuery())
    stmt = service.list_evacuations(
        actor=current_actor(), event_id=event_id, org_unit_id=args["org_unit_id"], current=args["current"]
    )
    return paginate(stmt, EvacuationReportOut(), page=args["page"], per_page=args["per_page"])


@bp.get("/evacuations/<int:report_id>")
@doc(response=EvacuationReportOut)
def get_evacuation(report_id: int):
    """Read one evacuation report within scope."""
    return EvacuationReportOut().dump(service.get_evacuation(actor=current_actor(), report_id=report_id))


@bp.get("/shelters")
@doc(query=ShelterQuery, response=page_schema(ShelterOut))
def list_shelters():
    """List the shelters within scope (and those above it that serve it) with their occupancy."""
    args = query_args(ShelterQuery())
    stmt = shelters.list_shelters(actor=current_actor(), org_unit_id=args["org_unit_id"], active=args["active"])
    return paginate(stmt, ShelterOut(), page=args["page"], per_page=args["per_page"])


@bp.post("/shelters")
@doc(body=ShelterCreate, response=ShelterOut, status=201, roles=EDITOR_ROLES)
def create_shelter():
    """Register a shelter (reviewer or admin, within scope)."""
    data = json_body(ShelterCreate())
    shelter = shelters.create_shelter(actor=current_actor(), **data)
    db.session.commit()
    # Re-read: committing expires the per-query occupancy expression.
    return ShelterOut().dump(shelters.get_shelter(actor=current_actor(), shelter_id=shelter.id)), 201


@bp.get("/shelters/<int:shelter_id>")
@doc(response=ShelterOut)
def get_shelter(shelter_id: int):
    """Read one shelter with its occupancy."""
    return ShelterOut().dump(shelters.get_shelter(actor=current_actor(), shelter_id=shelter_id))


@bp.patch("/shelters/<int:shelter_id>")
@doc(body=ShelterUpdate, response=ShelterOut, roles=EDITOR_ROLES)
def update_shelter(shelter_id: int):
    """Change a shelter's details or take it out of use (reviewer or admin, within scope)."""
    changes = json_body(ShelterUpdate(), partial=True)
    shelter = shelters.update_shelter(actor=current_actor(), shelter_id=shelter_id, changes=changes)
    db.session.commit()
    return ShelterOut().dump(shelters.get_shelter(actor=current_actor(), shelter_id=shelter.id))
