from server.access import current_actor
from server.api import RESENT, Blueprint
from server.events.schemas import EventOut
from server.localevents import service as local
from server.localevents.access import DECIDE_LOCAL_EVENTS, OPEN_LOCAL_EVENTS
from server.localevents.schemas import EventMergeIn, EventRejectIn, LocalEventCreate

bp = Blueprint("localevents", __name__)


@bp.post("/local-events")
@bp.roles(OPEN_LOCAL_EVENTS)
@bp.arguments(LocalEventCreate)
@bp.response(201, EventOut)
@bp.alt_response(200, schema=EventOut, description=RESENT, success=True)
def open_local_event(data: dict):
    """Open a local event (本地事件) over the reporter's village with its 初报; pending until the township decides."""
    event, created = local.open_local_event(actor=current_actor(), **data)
    return event, 201 if created else 200


@bp.post("/events/<int:event_id>/confirm")
@bp.roles(DECIDE_LOCAL_EVENTS)
@bp.response(200, EventOut)
def confirm_local_event(event_id: int):
    """Confirm a village's local event: it becomes an active event over the village."""
    event = local.confirm(actor=current_actor(), event_id=event_id)
    return event


@bp.post("/events/<int:event_id>/merge")
@bp.roles(DECIDE_LOCAL_EVENTS)
@bp.arguments(EventMergeIn)
@bp.response(200, EventOut)
def merge_local_event(data: dict, event_id: int):
    """Merge a village's local event into an event covering the village; its reports and ledger rows move there."""
    event = local.merge(actor=current_actor(), event_id=event_id, **data)
    return event


@bp.post("/events/<int:event_id>/reject")
@bp.roles(DECIDE_LOCAL_EVENTS)
@bp.arguments(EventRejectIn)
@bp.response(200, EventOut)
def reject_local_event(data: dict, event_id: int):
    """Reject a village's local event with a reason the reporter sees."""
    event = local.reject(actor=current_actor(), event_id=event_id, **data)
    return event
