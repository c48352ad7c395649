from flask import Response, stream_with_context

from server.access import current_actor
from server.api import Blueprint
from server.exports import service
from server.exports.schemas import ReportExportQuery, RollupExportQuery
from server.exports.writers import CSV_TYPE, XLSX_TYPE, content_disposition, csv_stream, xlsx_stream

bp = Blueprint("exports", __name__)

FILE = {"type": "string", "format": "binary"}


def _send(table: service.Table, extension: str) -> Response:
    if extension == "xlsx":
        body, mimetype = xlsx_stream(table.sheet_name, table.headers, table.kinds, table.rows), XLSX_TYPE
    else:
        body, mimetype = csv_stream(table.headers, table.kinds, table.rows), CSV_TYPE
    # stream_with_context keeps the request (and its database session) alive while rows are read.
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(table.filename, table.fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/events/<int:event_id>/rollup.xlsx")
@bp.arguments(RollupExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def rollup_xlsx(event_id: int, **args):
    """The event's roll-up at a unit as XLSX: one row per child unit plus 合计."""
    return _send(service.rollup_table(actor=current_actor(), event_id=event_id, extension="xlsx", **args), "xlsx")


@bp.get("/events/<int:event_id>/rollup.csv")
@bp.arguments(RollupExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type="text/csv")
def rollup_csv(event_id: int, **args):
    """The event's roll-up at a unit as CSV (UTF-8 with BOM): one row per child unit plus 合计."""
    return _send(service.rollup_table(actor=current_actor(), event_id=event_id, extension="csv", **args), "csv")


@bp.get("/damage-reports.xlsx")
@bp.arguments(ReportExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def damage_reports_xlsx(**args):
    """Every damage report in scope as XLSX, one row each, streamed."""
    return _send(service.damage_report_table(actor=current_actor(), extension="xlsx", **args), "xlsx")


@bp.get("/damage-reports.csv")
@bp.arguments(ReportExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type="text/csv")
def damage_reports_csv(**args):
    """Every damage report in scope as CSV (UTF-8 with BOM), one row each, streamed."""
    return _send(service.damage_report_table(actor=current_actor(), extension="csv", **args), "csv")
