from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.events import local, service
from server.events.schemas import (
    EventCreate,
    EventMergeIn,
    EventOut,
    EventQuery,
    EventRejectIn,
    EventStatusIn,
    LocalEventCreate,
)
from server.extensions import db

bp = Blueprint("events", __name__)


@bp.post("/events")
@doc(body=EventCreate, response=EventOut, status=201, roles=("reviewer",))
def create_event():
    """Open a disaster event (灾害过程) over an area inside the reviewer's scope."""
    data = json_body(EventCreate())
    event = service.create_event(actor=current_actor(), **data)
    db.session.commit()
    return EventOut().dump(event), 201


@bp.get("/events")
@doc(query=EventQuery, response=page_schema(EventOut))
def list_events():
    """List the events that concern the caller's scope (its area inside the scope, or covering it)."""
    args = query_args(EventQuery())
    stmt = service.list_events(actor=current_actor(), status=args["status"], drill=args["drill"], local=args["local"])
    return paginate(stmt, EventOut(), page=args["page"], per_page=args["per_page"])


@bp.get("/events/<int:event_id>")
@doc(response=EventOut)
def get_event(event_id: int):
    """Read one event (404 when it does not concern the caller's scope)."""
    return EventOut().dump(service.get_event(actor=current_actor(), event_id=event_id))


@bp.post("/events/<int:event_id>/status")
@doc(body=EventStatusIn, response=EventOut, roles=("reviewer",))
def change_status(event_id: int):
    """Move an event along active → stable → closed (409 for any other move)."""
    data = json_body(EventStatusIn())
    event = service.change_status(actor=current_actor(), event_id=event_id, status=data["status"])
    db.session.commit()
    return EventOut().dump(event)


@bp.post("/local-events")
@doc(body=LocalEventCreate, response=EventOut, status=201, roles=("reporter",))
def open_local_event():
    """Open a local event (本地事件) over the reporter's village with its 初报; pending until the township decides."""
    data = json_body(LocalEventCreate())
    event, created = local.open_local_event(actor=current_actor(), **data)
    db.session.commit()
    return EventOut().dump(event), 201 if created else 200


@bp.post("/events/<int:event_id>/confirm")
@doc(response=EventOut, roles=("reviewer",))
def confirm_local_event(event_id: int):
    """Confirm a village's local event: it becomes an active event over the village."""
    event = local.confirm(actor=current_actor(), event_id=event_id)
    db.session.commit()
    return EventOut().dump(event)


@bp.post("/events/<int:event_id>/merge")
@doc(body=EventMergeIn, response=EventOut, roles=("reviewer",))
def merge_local_event(event_id: int):
    """Merge a village's local event into an event covering the village; its reports and ledger rows move there."""
    data = json_body(EventMergeIn())
    event = local.merge(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return EventOut().dump(event)


@bp.post("/events/<int:event_id>/reject")
@doc(body=EventRejectIn, response=EventOut, roles=("reviewer",))
def reject_local_event(event_id: int):
    """Reject a village's local event with a reason the reporter sees."""
    data = json_body(EventRejectIn())
    event = local.reject(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return EventOut().dump(event)
