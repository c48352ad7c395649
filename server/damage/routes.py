from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.damage import review, service
from server.damage.schemas import DamageReportCreate, DamageReportOut, DamageReportQuery, DamageReviewIn
from server.extensions import db

bp = Blueprint("damage", __name__)


@bp.post("/events/<int:event_id>/damage-reports")
@doc(body=DamageReportCreate, response=DamageReportOut, status=201, roles=("reporter",))
def create_report(event_id: int):
    """File a village's damage report (初报/续报/核报); a resend of the same client_id and payload answers 200."""
    data = json_body(DamageReportCreate())
    report, created = service.create_report(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return DamageReportOut().dump(report), 201 if created else 200


@bp.get("/damage-reports")
@doc(query=DamageReportQuery, response=page_schema(DamageReportOut))
def list_reports():
    """List damage reports of villages inside the caller's scope, newest first."""
    args = query_args(DamageReportQuery())
    page, per_page = args.pop("page"), args.pop("per_page")
    stmt = service.list_reports(actor=current_actor(), **args)
    return paginate(stmt, DamageReportOut(), page=page, per_page=per_page)


@bp.get("/damage-reports/<int:report_id>")
@doc(response=DamageReportOut)
def get_report(report_id: int):
    """Read one damage report (404 outside the caller's scope)."""
    return DamageReportOut().dump(service.get_report(actor=current_actor(), report_id=report_id))


@bp.post("/damage-reports/<int:report_id>/review")
@doc(body=DamageReviewIn, response=DamageReportOut, roles=("reviewer",))
def review_report(report_id: int):
    """Approve a village's current report or return it with a reason (409 if already reviewed or superseded)."""
    data = json_body(DamageReviewIn())
    report = review.review_report(actor=current_actor(), report_id=report_id, **data)
    db.session.commit()
    return DamageReportOut().dump(report)
