from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.exports.writers import XLSX_TYPE, table_response
from server.extensions import db
from server.ledgers import exports, review, service
from server.ledgers.schemas import (
    CasualtyChange,
    CasualtyCreate,
    CasualtyOut,
    CasualtyQuery,
    DamagedHouseChange,
    DamagedHouseCreate,
    DamagedHouseOut,
    DamagedHouseQuery,
    LedgerExportQuery,
    LedgerReviewIn,
    RevealOut,
)
from server.ledgers.service import CASUALTIES, HOUSES

bp = Blueprint("ledgers", __name__)


# --- 因灾死亡失踪人口台账 ------------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/casualties")
@doc(body=CasualtyCreate, response=CasualtyOut, status=201, roles=("reporter",))
def create_casualty(event_id: int):
    """Register a dead or missing person of the village; a resend of the same client_id and payload answers 200."""
    data = json_body(CasualtyCreate())
    row, created = service.create_casualty(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return CasualtyOut().dump(row), 201 if created else 200


@bp.get("/events/<int:event_id>/casualties")
@doc(query=CasualtyQuery, response=page_schema(CasualtyOut))
def list_casualties(event_id: int):
    """The event's death and missing persons ledger within the caller's scope, by village (ID numbers masked)."""
    args = query_args(CasualtyQuery())
    page, per_page = args.pop("page"), args.pop("per_page")
    stmt = service.list_rows(CASUALTIES, actor=current_actor(), event_id=event_id, **args)
    return paginate(stmt, CasualtyOut(), page=page, per_page=per_page)


@bp.get("/events/<int:event_id>/casualties.xlsx")
@doc(query=LedgerExportQuery, content_type=XLSX_TYPE)
def casualties_xlsx(event_id: int):
    """The death and missing persons ledger as XLSX (ID numbers masked unless a county reviewer asks: audited)."""
    args = query_args(LedgerExportQuery())
    table = exports.casualty_table(actor=current_actor(), event_id=event_id, **args)
    db.session.commit()  # the audit row of a reveal stands before the first byte leaves
    return table_response(table, "xlsx")


@bp.get("/casualties/<int:row_id>")
@doc(response=CasualtyOut)
def get_casualty(row_id: int):
    """Read one person of the ledger (404 outside the caller's scope)."""
    return CasualtyOut().dump(service.get_row(CASUALTIES, actor=current_actor(), row_id=row_id))


@bp.patch("/casualties/<int:row_id>")
@doc(body=CasualtyChange, response=CasualtyOut, roles=("reporter", "reviewer"))
def change_casualty(row_id: int):
    """Record a status change (missing → found alive or confirmed dead) or a correction; audited."""
    data = json_body(CasualtyChange())
    row = service.change_row(CASUALTIES, actor=current_actor(), row_id=row_id, **data)
    db.session.commit()
    return CasualtyOut().dump(row)


@bp.post("/casualties/<int:row_id>/review")
@doc(body=LedgerReviewIn, response=CasualtyOut, roles=("reviewer",))
def review_casualty(row_id: int):
    """Approve a ledger row or return it with a reason (a returned row stops counting)."""
    data = json_body(LedgerReviewIn())
    row = review.review_row(CASUALTIES, actor=current_actor(), row_id=row_id, **data)
    db.session.commit()
    return CasualtyOut().dump(row)


@bp.post("/casualties/<int:row_id>/reveal")
@doc(response=RevealOut, roles=("reviewer",))
def reveal_casualty(row_id: int):
    """The full ID number, for a county reviewer; the request is written to the audit trail."""
    number = service.reveal_id_number(CASUALTIES, actor=current_actor(), row_id=row_id)
    db.session.commit()
    return RevealOut().dump({"id_number": number})


# --- 因灾倒塌损坏住房户台账 ----------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/damaged-houses")
@doc(body=DamagedHouseCreate, response=DamagedHouseOut, status=201, roles=("reporter",))
def create_damaged_house(event_id: int):
    """Register a household whose house collapsed or was damaged; a resend answers 200."""
    data = json_body(DamagedHouseCreate())
    row, created = service.create_damaged_house(actor=current_actor(), event_id=event_id, **data)
    db.session.commit()
    return DamagedHouseOut().dump(row), 201 if created else 200


@bp.get("/events/<int:event_id>/damaged-houses")
@doc(query=DamagedHouseQuery, response=page_schema(DamagedHouseOut))
def list_damaged_houses(event_id: int):
    """The event's damaged housing ledger within the caller's scope, by village (ID numbers masked)."""
    args = query_args(DamagedHouseQuery())
    page, per_page = args.pop("page"), args.pop("per_page")
    stmt = service.list_rows(HOUSES, actor=current_actor(), event_id=event_id, **args)
    return paginate(stmt, DamagedHouseOut(), page=page, per_page=per_page)


@bp.get("/events/<int:event_id>/damaged-houses.xlsx")
@doc(query=LedgerExportQuery, content_type=XLSX_TYPE)
def damaged_houses_xlsx(event_id: int):
    """The damaged housing ledger as XLSX (ID numbers masked unless a county reviewer asks: audited)."""
    args = query_args(LedgerExportQuery())
    table = exports.house_table(actor=current_actor(), event_id=event_id, **args)
    db.session.commit()
    return table_response(table, "xlsx")


@bp.get("/damaged-houses/<int:row_id>")
@doc(response=DamagedHouseOut)
def get_damaged_house(row_id: int):
    """Read one household of the ledger (404 outside the caller's scope)."""
    return DamagedHouseOut().dump(service.get_row(HOUSES, actor=current_actor(), row_id=row_id))


@bp.patch("/damaged-houses/<int:row_id>")
@doc(body=DamagedHouseChange, response=DamagedHouseOut, roles=("reporter", "reviewer"))
def change_damaged_house(row_id: int):
    """Record repair or rebuild progress, or a correction; audited."""
    data = json_body(DamagedHouseChange())
    row = service.change_row(HOUSES, actor=current_actor(), row_id=row_id, **data)
    db.session.commit()
    return DamagedHouseOut().dump(row)


@bp.post("/damaged-houses/<int:row_id>/review")
@doc(body=LedgerReviewIn, response=DamagedHouseOut, roles=("reviewer",))
def review_damaged_house(row_id: int):
    """Approve a ledger row or return it with a reason (a returned row stops counting)."""
    data = json_body(LedgerReviewIn())
    row = review.review_row(HOUSES, actor=current_actor(), row_id=row_id, **data)
    db.session.commit()
    return DamagedHouseOut().dump(row)


@bp.post("/damaged-houses/<int:row_id>/reveal")
@doc(response=RevealOut, roles=("reviewer",))
def reveal_damaged_house(row_id: int):
    """The full ID number, for a county reviewer; the request is written to the audit trail."""
    number = service.reveal_id_number(HOUSES, actor=current_actor(), row_id=row_id)
    db.session.commit()
    return RevealOut().dump({"id_number": number})
