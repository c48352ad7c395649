from server.access import current_actor
from server.api import RESENT, Blueprint
from server.damage import review, service
from server.damage.access import FILE_REPORTS, REVIEW_REPORTS
from server.damage.schemas import (
    DamageReportCreate,
    DamageReportOut,
    DamageReportQuery,
    DamageReportRowOut,
    DamageReviewIn,
    IndicatorsOut,
)
from server.damage.vocabulary import vocabulary

bp = Blueprint("damage", __name__)


@bp.post("/events/<int:event_id>/damage-reports")
@bp.roles(FILE_REPORTS)
@bp.arguments(DamageReportCreate)
@bp.response(201, DamageReportOut)
@bp.alt_response(200, schema=DamageReportOut, description=RESENT, success=True)
def create_report(data: dict, event_id: int):
    """File a village's damage report (初报/续报/核报); a resend of the same client_id and payload answers 200."""
    report, created = service.create_report(actor=current_actor(), event_id=event_id, **data)
    return report, 201 if created else 200


@bp.get("/damage-reports")
@bp.arguments(DamageReportQuery, location="query", as_kwargs=True)
@bp.paginated(DamageReportRowOut)
def list_reports(**filters):
    """List damage reports of villages inside the caller's scope, newest first."""
    return service.list_reports(actor=current_actor(), **filters)


@bp.get("/damage-reports/<int:report_id>")
@bp.response(200, DamageReportOut)
def get_report(report_id: int):
    """Read one damage report (404 outside the caller's scope)."""
    return review.read_report(actor=current_actor(), report_id=report_id)


@bp.post("/damage-reports/<int:report_id>/review")
@bp.roles(REVIEW_REPORTS)
@bp.arguments(DamageReviewIn)
@bp.response(200, DamageReportOut)
def review_report(data: dict, report_id: int):
    """Approve a village's current report or return it with a reason (409 if already reviewed or superseded)."""
    report = review.review_report(actor=current_actor(), report_id=report_id, **data)
    return report


@bp.get("/indicators")
@bp.response(200, IndicatorsOut)
def list_indicators():
    """The damage indicators, their groups and the figure rules with the server's messages (any logged-in user;
    clients build their forms from it, cache it for offline use and keep no copy)."""
    return vocabulary()
