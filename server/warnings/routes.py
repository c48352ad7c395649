from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.extensions import db
from server.warnings import service
from server.warnings.schemas import (
    WarningAckIn,
    WarningAckOut,
    WarningCancel,
    WarningCreate,
    WarningOut,
    WarningQuery,
    WarningStatusOut,
    WarningUpdate,
)
from server.warnings.service import ACK_ROLES, ISSUE_ROLES, STATUS_ROLES

bp = Blueprint("warnings", __name__)


def _out(warning, actor) -> dict:
    return WarningOut().dump(service.decorate([warning], user=actor)[0])


@bp.post("/warnings")
@doc(body=WarningCreate, response=WarningOut, status=201, roles=ISSUE_ROLES)
def issue_warning():
    """Issue a warning to units inside the caller's scope (expanded to their villages, stored)."""
    data = json_body(WarningCreate())
    actor = current_actor()
    warning = service.issue_warning(actor=actor, **data)
    db.session.commit()
    return _out(warning, actor), 201


@bp.get("/warnings")
@doc(query=WarningQuery, response=page_schema(WarningOut))
def list_warnings():
    """Warnings the caller may read (a reporter: those targeting its village), most severe and newest first."""
    args = query_args(WarningQuery())
    actor = current_actor()
    stmt = service.list_warnings(user=actor, active=args["active"])
    prepare = lambda items: service.decorate(items, user=actor)  # noqa: E731
    return paginate(stmt, WarningOut(), page=args["page"], per_page=args["per_page"], prepare=prepare)


@bp.get("/warnings/<int:warning_id>")
@doc(response=WarningOut)
def get_warning(warning_id: int):
    """Read one warning, with the caller's village's acknowledgement and the counts inside the caller's scope."""
    actor = current_actor()
    return _out(service.get_warning(user=actor, warning_id=warning_id), actor)


@bp.patch("/warnings/<int:warning_id>")
@doc(body=WarningUpdate, response=WarningOut, roles=ISSUE_ROLES)
def update_warning(warning_id: int):
    """Change a warning: a new revision that every target village must acknowledge again."""
    data = json_body(WarningUpdate())
    actor = current_actor()
    warning = service.update_warning(actor=actor, warning_id=warning_id, **data)
    db.session.commit()
    return _out(warning, actor)


@bp.post("/warnings/<int:warning_id>/cancel")
@doc(body=WarningCancel, response=WarningOut, roles=ISSUE_ROLES)
def cancel_warning(warning_id: int):
    """Cancel (撤销) a warning, with the reason."""
    data = json_body(WarningCancel())
    actor = current_actor()
    warning = service.cancel_warning(actor=actor, warning_id=warning_id, **data)
    db.session.commit()
    return _out(warning, actor)


@bp.post("/warnings/<int:warning_id>/ack")
@doc(body=WarningAckIn, response=WarningAckOut, roles=ACK_ROLES)
def acknowledge(warning_id: int):
    """Acknowledge (叫应) for the caller's village; again → 200 unchanged; idempotent by client_id."""
    data = json_body(WarningAckIn())
    ack, _created = service.acknowledge(actor=current_actor(), warning_id=warning_id, **data)
    db.session.commit()
    return WarningAckOut().dump(ack)


@bp.get("/warnings/<int:warning_id>/status")
@doc(response=WarningStatusOut, roles=STATUS_ROLES)
def warning_status(warning_id: int):
    """Acknowledgement per target village inside the caller's scope: who answered when, late, overdue, the rate."""
    return WarningStatusOut().dump(service.warning_status(user=current_actor(), warning_id=warning_id))
