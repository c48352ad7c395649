from server.access import current_actor
from server.api import Blueprint
from server.rollup import service, signoffs, statuses
from server.rollup.access import REVIEW_SIGNOFFS, SIGN_OFF
from server.rollup.schemas import (
    DeadlinesOut,
    DeadlinesQuery,
    RollupOut,
    RollupQuery,
    SignOffIn,
    SignOffOut,
    SignOffQuery,
    SignOffReviewIn,
)

bp = Blueprint("rollup", __name__)


# The roll-up (20,000 villages at a province) and the deadlines are built as plain JSON rows by their services for
# speed, so they are documented with their schema but not dumped through it; the OpenAPI response test checks
# that what they send matches the schema.
@bp.get("/events/<int:event_id>/rollup")
@bp.arguments(RollupQuery, location="query", as_kwargs=True)
@bp.doc(responses={200: {"description": "OK", "content": {"application/json": {"schema": RollupOut}}}})
def get_rollup(event_id: int, **args):
    """Live roll-up of an event at a unit (default: the caller's unit), with completeness per child."""
    return service.rollup(actor=current_actor(), event_id=event_id, **args)


@bp.get("/events/<int:event_id>/deadlines")
@bp.arguments(DeadlinesQuery, location="query", as_kwargs=True)
@bp.doc(responses={200: {"description": "OK", "content": {"application/json": {"schema": DeadlinesOut}}}})
def get_deadlines(event_id: int, **args):
    """Each unit's status (on time, pending, late, missing) at a level (villages by default) for the event's current
    obligation: villages report, townships, counties and cities sign off."""
    return statuses.deadline_statuses(actor=current_actor(), event_id=event_id, **args)


@bp.post("/events/<int:event_id>/signoffs")
@bp.roles(SIGN_OFF)
@bp.arguments(SignOffIn)
@bp.response(201, SignOffOut)
def create_signoff(data: dict, event_id: int):
    """Sign off a unit's roll-up to the level above (乡镇上报, 县级上报, 市级上报): freeze its figures."""
    signoff = signoffs.sign_off(actor=current_actor(), event_id=event_id, **data)
    return signoff


@bp.get("/events/<int:event_id>/signoffs")
@bp.arguments(SignOffQuery, location="query", as_kwargs=True)
@bp.paginated(SignOffOut)
def list_signoffs(event_id: int, **filters):
    """List the event's township sign-offs within the caller's scope, newest first."""
    return signoffs.list_signoffs(actor=current_actor(), event_id=event_id, **filters)


@bp.get("/signoffs/<int:signoff_id>")
@bp.response(200, SignOffOut)
def get_signoff(signoff_id: int):
    """Read one township sign-off (404 outside the caller's scope)."""
    return signoffs.get_signoff(actor=current_actor(), signoff_id=signoff_id)


@bp.post("/signoffs/<int:signoff_id>/review")
@bp.roles(REVIEW_SIGNOFFS)
@bp.arguments(SignOffReviewIn)
@bp.response(200, SignOffOut)
def review_signoff(data: dict, signoff_id: int):
    """Accept or return a township sign-off (county reviewer); a return needs a comment."""
    signoff = signoffs.review_signoff(actor=current_actor(), signoff_id=signoff_id, **data)
    return signoff
