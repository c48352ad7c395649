from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.events import service
from server.events.schemas import EventCreate, EventOut, EventQuery, EventStatusIn
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
    stmt = service.list_events(actor=current_actor(), status=args["status"], drill=args["drill"])
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
