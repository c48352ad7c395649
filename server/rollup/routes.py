from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.extensions import db
from server.rollup import service, signoffs
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


@bp.get("/events/<int:event_id>/rollup")
@doc(query=RollupQuery, response=RollupOut)
def get_rollup(event_id: int):
    """Live roll-up of an event at a unit (default: the caller's unit), with completeness per child."""
    args = query_args(RollupQuery())
    return service.rollup(actor=current_actor(), event_id=event_id, org_unit_id=args["org_unit_id"])


@bp.get("/events/<int:event_id>/deadlines")
@doc(query=DeadlinesQuery, response=DeadlinesOut)
def get_deadlines(event_id: int):
    """Each village's status (on time, pending, late, missing) for the event's current reporting obligation."""
    args = query_args(DeadlinesQuery())
    return service.deadline_statuses(
        actor=current_actor(), event_id=event_id, org_unit_id=args["org_unit_id"], status=args["status"]
    )


@bp.post("/events/<int:event_id>/signoffs")
@doc(body=SignOffIn, response=SignOffOut, status=201, roles=("reviewer",))
def create_signoff(event_id: int):
    """Sign off a township's roll-up (乡镇上报): freeze its figures for the county."""
    data = json_body(SignOffIn())
    signoff = signoffs.sign_off(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return SignOffOut().dump(signoff), 201


@bp.get("/events/<int:event_id>/signoffs")
@doc(query=SignOffQuery, response=page_schema(SignOffOut))
def list_signoffs(event_id: int):
    """List the event's township sign-offs within the caller's scope, newest first."""
    args = query_args(SignOffQuery())
    stmt = signoffs.list_signoffs(
        actor=current_actor(), event_id=event_id, org_unit_id=args["org_unit_id"], current=args["current"]
    )
    return paginate(stmt, SignOffOut(), page=args["page"], per_page=args["per_page"])


@bp.get("/signoffs/<int:signoff_id>")
@doc(response=SignOffOut)
def get_signoff(signoff_id: int):
    """Read one township sign-off (404 outside the caller's scope)."""
    return SignOffOut().dump(signoffs.get_signoff(actor=current_actor(), signoff_id=signoff_id))


@bp.post("/signoffs/<int:signoff_id>/review")
@doc(body=SignOffReviewIn, response=SignOffOut, roles=("reviewer",))
def review_signoff(signoff_id: int):
    """Accept or return a township sign-off (county reviewer); a return needs a comment."""
    data = json_body(SignOffReviewIn())
    signoff = signoffs.review_signoff(actor=current_actor(), signoff_id=signoff_id, **data)
    db.session.commit()
    return SignOffOut().dump(signoff)
