from server.access import current_actor
from server.api import Blueprint
from server.events import service
from server.events.access import CHANGE_EVENT_STATUS, OPEN_EVENTS
from server.events.models import DISASTER_TYPES
from server.events.schemas import DisasterTypesOut, EventCreate, EventOut, EventQuery, EventStatusIn

bp = Blueprint("events", __name__)


@bp.post("/events")
@bp.roles(OPEN_EVENTS)
@bp.arguments(EventCreate)
@bp.response(201, EventOut)
def create_event(data: dict):
    """Open a disaster event (灾害过程) over an area inside the reviewer's scope."""
    event = service.create_event(actor=current_actor(), **data)
    return event


@bp.get("/events")
@bp.arguments(EventQuery, location="query", as_kwargs=True)
@bp.paginated(EventOut)
def list_events(**filters):
    """List the events that concern the caller's scope (its area inside the scope, or covering it)."""
    return service.list_events(actor=current_actor(), **filters)


@bp.get("/events/<int:event_id>")
@bp.response(200, EventOut)
def get_event(event_id: int):
    """Read one event (404 when it does not concern the caller's scope)."""
    return service.get_event(actor=current_actor(), event_id=event_id)


@bp.post("/events/<int:event_id>/status")
@bp.roles(CHANGE_EVENT_STATUS)
@bp.arguments(EventStatusIn)
@bp.response(200, EventOut)
def change_status(data: dict, event_id: int):
    """Move an event along active → stable → closed (409 for any other move)."""
    event = service.change_status(actor=current_actor(), event_id=event_id, status=data["status"])
    return event


@bp.get("/disaster-types")
@bp.response(200, DisasterTypesOut)
def list_disaster_types():
    """The national list of 灾种 and their 亚灾种 (any logged-in user; clients cache it and keep no copy)."""
    return {"items": [{"name": name, "subtypes": list(subs)} for name, subs in DISASTER_TYPES.items()]}
