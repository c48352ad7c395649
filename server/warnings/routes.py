from server.access import current_actor
from server.api import Blueprint
from server.warnings import acks, service, status
from server.warnings.access import ACKNOWLEDGE, ISSUE_WARNINGS, READ_ACK_STATUS
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

bp = Blueprint("warnings", __name__)


def _with_extras(warnings: list) -> list:
    return status.as_seen_by(warnings, actor=current_actor())


@bp.post("/warnings")
@bp.roles(ISSUE_WARNINGS)
@bp.arguments(WarningCreate)
@bp.response(201, WarningOut)
def issue_warning(data: dict):
    """Issue a warning to units inside the caller's scope (expanded to their villages, stored)."""
    warning = service.issue_warning(actor=current_actor(), **data)
    return _with_extras([warning])[0]


@bp.get("/warnings")
@bp.arguments(WarningQuery, location="query", as_kwargs=True)
@bp.paginated(WarningOut, prepare=_with_extras)
def list_warnings(**filters):
    """Warnings the caller may read (a reporter: those targeting its village), most severe and newest first."""
    return service.list_warnings(actor=current_actor(), **filters)


@bp.get("/warnings/<int:warning_id>")
@bp.response(200, WarningOut)
def get_warning(warning_id: int):
    """Read one warning, with the caller's village's acknowledgement and the counts inside the caller's scope."""
    return _with_extras([service.get_warning(actor=current_actor(), warning_id=warning_id)])[0]


@bp.patch("/warnings/<int:warning_id>")
@bp.roles(ISSUE_WARNINGS)
@bp.arguments(WarningUpdate)
@bp.response(200, WarningOut)
def update_warning(data: dict, warning_id: int):
    """Change a warning: a new revision that every target village must acknowledge again."""
    warning = service.update_warning(actor=current_actor(), warning_id=warning_id, **data)
    return _with_extras([warning])[0]


@bp.post("/warnings/<int:warning_id>/cancel")
@bp.roles(ISSUE_WARNINGS)
@bp.arguments(WarningCancel)
@bp.response(200, WarningOut)
def cancel_warning(data: dict, warning_id: int):
    """Cancel (撤销) a warning, with the reason."""
    warning = service.cancel_warning(actor=current_actor(), warning_id=warning_id, **data)
    return _with_extras([warning])[0]


@bp.post("/warnings/<int:warning_id>/ack")
@bp.roles(ACKNOWLEDGE)
@bp.arguments(WarningAckIn)
@bp.response(200, WarningAckOut)
def acknowledge(data: dict, warning_id: int):
    """Acknowledge (叫应) for the caller's village; again → 200 unchanged; idempotent by client_id."""
    ack, _created = acks.acknowledge(actor=current_actor(), warning_id=warning_id, **data)
    return ack


@bp.get("/warnings/<int:warning_id>/status")
@bp.roles(READ_ACK_STATUS)
@bp.response(200, WarningStatusOut)
def warning_status(warning_id: int):
    """Acknowledgement per target village inside the caller's scope: who answered when, late, overdue, the rate."""
    return status.warning_status(actor=current_actor(), warning_id=warning_id)
