from flask import current_app
from flask_login import current_user

from server.access import current_actor
from server.api import RESENT, Blueprint
from server.extensions import limiter
from server.ledgers import review, service
from server.ledgers.access import CHANGE_LEDGER_ROWS, FILE_LEDGER_ROWS, REVEAL_ID_NUMBERS, REVIEW_LEDGER_ROWS
from server.ledgers.schemas import (
    CasualtyChange,
    CasualtyCreate,
    CasualtyOut,
    CasualtyQuery,
    DamagedHouseChange,
    DamagedHouseCreate,
    DamagedHouseOut,
    DamagedHouseQuery,
    LedgerReviewIn,
    RevealIn,
    RevealOut,
)
from server.ledgers.service import CASUALTIES, HOUSES

bp = Blueprint("ledgers", __name__)

# Per user, the filing and changing routes of both ledgers together (LEDGER_WRITE_RATE_LIMIT, Flask-Limiter syntax):
# a duplicate answer says whether an ID number is registered, so one account cannot try numbers by the thousand.
ledger_write_limit = limiter.shared_limit(
    lambda: current_app.config["LEDGER_WRITE_RATE_LIMIT"],
    scope="ledger-write",
    key_func=lambda: f"user:{current_user.get_id()}",
    exempt_when=lambda: not current_user.is_authenticated,  # anonymous: 401 from the login check
)


# --- 因灾死亡失踪人口台账 ------------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/casualties")
@bp.roles(FILE_LEDGER_ROWS)
@ledger_write_limit
@bp.arguments(CasualtyCreate)
@bp.response(201, CasualtyOut)
@bp.alt_response(200, schema=CasualtyOut, description=RESENT, success=True)
def create_casualty(data: dict, event_id: int):
    """Register a dead or missing person of the village; a resend of the same client_id and payload answers 200."""
    row, created = service.create_casualty(actor=current_actor(), event_id=event_id, **data)
    return row, 201 if created else 200


@bp.get("/events/<int:event_id>/casualties")
@bp.arguments(CasualtyQuery, location="query", as_kwargs=True)
@bp.paginated(CasualtyOut)
def list_casualties(event_id: int, **filters):
    """The event's death and missing persons ledger within the caller's scope, by village (ID numbers masked)."""
    return service.list_rows(CASUALTIES, actor=current_actor(), event_id=event_id, **filters)


@bp.get("/casualties/<int:casualty_id>")
@bp.response(200, CasualtyOut)
def get_casualty(casualty_id: int):
    """Read one person of the ledger (404 outside the caller's scope)."""
    return service.get_row(CASUALTIES, actor=current_actor(), row_id=casualty_id)


@bp.patch("/casualties/<int:casualty_id>")
@bp.roles(CHANGE_LEDGER_ROWS)
@ledger_write_limit
@bp.arguments(CasualtyChange)
@bp.response(200, CasualtyOut)
def change_casualty(data: dict, casualty_id: int):
    """Record a status change (missing → found alive or confirmed dead) or a correction; audited."""
    row = service.change_row(CASUALTIES, actor=current_actor(), row_id=casualty_id, **data)
    return row


@bp.post("/casualties/<int:casualty_id>/review")
@bp.roles(REVIEW_LEDGER_ROWS)
@bp.arguments(LedgerReviewIn)
@bp.response(200, CasualtyOut)
def review_casualty(data: dict, casualty_id: int):
    """Approve a ledger row or return it with a reason (a returned row stops counting)."""
    row = review.review_row(CASUALTIES, actor=current_actor(), row_id=casualty_id, **data)
    return row


@bp.post("/casualties/<int:casualty_id>/reveal")
@bp.roles(REVEAL_ID_NUMBERS)
@bp.arguments(RevealIn, required=False)
@bp.response(200, RevealOut)
def reveal_casualty(data: dict, casualty_id: int):
    """The full ID number, for a county reviewer; the request (with its reason, when given) is audited."""
    number = service.reveal_id_number(CASUALTIES, actor=current_actor(), row_id=casualty_id, **data)
    return {"id_number": number}


# --- 因灾倒塌损坏住房户台账 ----------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/damaged-houses")
@bp.roles(FILE_LEDGER_ROWS)
@ledger_write_limit
@bp.arguments(DamagedHouseCreate)
@bp.response(201, DamagedHouseOut)
@bp.alt_response(200, schema=DamagedHouseOut, description=RESENT, success=True)
def create_damaged_house(data: dict, event_id: int):
    """Register a household whose house collapsed or was damaged; a resend answers 200."""
    row, created = service.create_damaged_house(actor=current_actor(), event_id=event_id, **data)
    return row, 201 if created else 200


@bp.get("/events/<int:event_id>/damaged-houses")
@bp.arguments(DamagedHouseQuery, location="query", as_kwargs=True)
@bp.paginated(DamagedHouseOut)
def list_damaged_houses(event_id: int, **filters):
    """The event's damaged housing ledger within the caller's scope, by village (ID numbers masked)."""
    return service.list_rows(HOUSES, actor=current_actor(), event_id=event_id, **filters)


@bp.get("/damaged-houses/<int:house_id>")
@bp.response(200, DamagedHouseOut)
def get_damaged_house(house_id: int):
    """Read one household of the ledger (404 outside the caller's scope)."""
    return service.get_row(HOUSES, actor=current_actor(), row_id=house_id)


@bp.patch("/damaged-houses/<int:house_id>")
@bp.roles(CHANGE_LEDGER_ROWS)
@ledger_write_limit
@bp.arguments(DamagedHouseChange)
@bp.response(200, DamagedHouseOut)
def change_damaged_house(data: dict, house_id: int):
    """Record repair or rebuild progress, or a correction; audited."""
    row = service.change_row(HOUSES, actor=current_actor(), row_id=house_id, **data)
    return row


@bp.post("/damaged-houses/<int:house_id>/review")
@bp.roles(REVIEW_LEDGER_ROWS)
@bp.arguments(LedgerReviewIn)
@bp.response(200, DamagedHouseOut)
def review_damaged_house(data: dict, house_id: int):
    """Approve a ledger row or return it with a reason (a returned row stops counting)."""
    row = review.review_row(HOUSES, actor=current_actor(), row_id=house_id, **data)
    return row


@bp.post("/damaged-houses/<int:house_id>/reveal")
@bp.roles(REVEAL_ID_NUMBERS)
@bp.arguments(RevealIn, required=False)
@bp.response(200, RevealOut)
def reveal_damaged_house(data: dict, house_id: int):
    """The full ID number, for a county reviewer; the request (with its reason, when given) is audited."""
    number = service.reveal_id_number(HOUSES, actor=current_actor(), row_id=house_id, **data)
    return {"id_number": number}
