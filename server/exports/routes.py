"""Every export (download) of the API, whatever its feature: the roll-up, the damage reports, the named ledgers
(台账) and the hazard ledger. The files are made in this package (service.py, national.py, ledgers.py, hazards.py)
over the features' scope and filters, and written by its streaming writers (writers.py, xlsx.py); a new export
goes here too, at the URL under its feature's resource."""

from flask import Response, stream_with_context

from server.access import current_actor
from server.api import Blueprint
from server.clock import now
from server.exports import hazards, ledgers, national, service
from server.exports.schemas import ReportExportQuery, RollupExportQuery, RollupXlsxQuery
from server.exports.writers import XLSX_TYPE, content_disposition
from server.exports.writers import table_response as _send
from server.fields import local_day_stamp
from server.hazards.schemas import HazardExportQuery
from server.ledgers.schemas import LedgerExportQuery

bp = Blueprint("exports", __name__)

FILE = {"type": "string", "format": "binary"}


@bp.get("/events/<int:event_id>/rollup.xlsx")
@bp.arguments(RollupXlsxQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def rollup_xlsx(event_id: int, layout: str, **args):
    """The event's roll-up at a unit as XLSX: one row per child unit plus 合计 (layout=national: the 快报表)."""
    if layout == "national":
        return _send(national.national_rollup_table(actor=current_actor(), event_id=event_id, **args), "xlsx")
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


# --- the named ledgers (台账), in their own layouts ---


@bp.get("/events/<int:event_id>/casualties.xlsx")
@bp.arguments(LedgerExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def casualties_xlsx(event_id: int, **args):
    """The death and missing persons ledger as XLSX (ID numbers masked unless a county reviewer asks: audited)."""
    table = ledgers.casualty_table(actor=current_actor(), event_id=event_id, **args)
    # The audit row of a reveal is committed (server/api.py in_transaction) before the first byte leaves.
    return _send(table, "xlsx")


@bp.get("/events/<int:event_id>/damaged-houses.xlsx")
@bp.arguments(LedgerExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def damaged_houses_xlsx(event_id: int, **args):
    """The damaged housing ledger as XLSX (ID numbers masked unless a county reviewer asks: audited)."""
    table = ledgers.house_table(actor=current_actor(), event_id=event_id, **args)
    return _send(table, "xlsx")


# --- the hazard ledger (隐患台账) ---


@bp.get("/hazards/export.xlsx")
@bp.arguments(HazardExportQuery, location="query", as_kwargs=True)
@bp.response(200, FILE, content_type=XLSX_TYPE)
def hazard_ledger_xlsx(**filters):
    """The hazard ledger (隐患台账) as XLSX, streamed."""
    body = hazards.ledger_stream(actor=current_actor(), **filters)
    # stream_with_context keeps the request (and its database session) alive while rows are read.
    response = Response(stream_with_context(body), mimetype=XLSX_TYPE)
    day = local_day_stamp(now())
    response.headers["Content-Disposition"] = content_disposition(f"隐患台账-{day}.xlsx", f"hazard-ledger-{day}.xlsx")
    return response
