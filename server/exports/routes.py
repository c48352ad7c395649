from server.access import current_actor
from server.api import Blueprint
from server.exports import ledgers, national, service
from server.exports.schemas import ReportExportQuery, RollupExportQuery, RollupXlsxQuery
from server.exports.writers import XLSX_TYPE
from server.exports.writers import table_response as _send
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
