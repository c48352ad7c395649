from flask import Blueprint

from server.api import doc, query_args
from server.auth.access import current_actor
from server.exports import service
from server.exports.schemas import ReportExportQuery, RollupExportQuery
from server.exports.writers import XLSX_TYPE
from server.exports.writers import table_response as _send

bp = Blueprint("exports", __name__)


@bp.get("/events/<int:event_id>/rollup.xlsx")
@doc(query=RollupExportQuery, content_type=XLSX_TYPE)
def rollup_xlsx(event_id: int):
    """The event's roll-up at a unit as XLSX: one row per child unit plus 合计."""
    args = query_args(RollupExportQuery())
    table = service.rollup_table(actor=current_actor(), event_id=event_id, extension="xlsx", **args)
    return _send(table, "xlsx")


@bp.get("/events/<int:event_id>/rollup.csv")
@doc(query=RollupExportQuery, content_type="text/csv")
def rollup_csv(event_id: int):
    """The event's roll-up at a unit as CSV (UTF-8 with BOM): one row per child unit plus 合计."""
    args = query_args(RollupExportQuery())
    table = service.rollup_table(actor=current_actor(), event_id=event_id, extension="csv", **args)
    return _send(table, "csv")


@bp.get("/damage-reports.xlsx")
@doc(query=ReportExportQuery, content_type=XLSX_TYPE)
def damage_reports_xlsx():
    """Every damage report in scope as XLSX, one row each, streamed."""
    args = query_args(ReportExportQuery())
    table = service.damage_report_table(actor=current_actor(), extension="xlsx", **args)
    return _send(table, "xlsx")


@bp.get("/damage-reports.csv")
@doc(query=ReportExportQuery, content_type="text/csv")
def damage_reports_csv():
    """Every damage report in scope as CSV (UTF-8 with BOM), one row each, streamed."""
    args = query_args(ReportExportQuery())
    table = service.damage_report_table(actor=current_actor(), extension="csv", **args)
    return _send(table, "csv")
