"""One ID number once per event's ledger (身份证号码查重): a second row holding it is 409 ``duplicate``.

Inside the caller's scope the answer names the row it clashes with; outside it names nothing (no id, number or
village) and the probe is audited: a duplicate check must not tell a reporter who is in another township's ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from server.audit_trail import record
from server.errors import Duplicate
from server.extensions import db
from server.ledgers import idnumber
from server.orgunits.models import OrgUnit
from server.orgunits.scope import statistics_unit

if TYPE_CHECKING:
    from server.ledgers.service import Ledger
    from server.users.models import User

DUPLICATE_MESSAGE = "该身份证号码已在本次灾害过程的台账中登记"


class DuplicateElsewhere(Duplicate):
    """The ID number is held by a row outside the caller's scope: the answer names nothing of it, and the probe is
    written to the audit trail, which stands although the request fails (nothing else was written before it)."""

    keeps_writes = True


def check_duplicate(ledger: Ledger, actor: User, event_id: int, id_number: str, *, exclude_id: int | None) -> None:
    """One person (one household head) once per event's ledger, among the rows that count: a second row with the
    same ID number is 409 ``duplicate``. Inside the caller's scope the answer names the row; outside it names nothing
    (no id, number or village) and the probe is audited."""
    if not id_number:
        return
    model = ledger.model
    stmt = select(model.id, model.org_unit_id).where(
        model.event_id == event_id, model.id_number == id_number, model.holds_id_number()
    )
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    other = db.session.execute(stmt.order_by(model.id).limit(1)).first()
    if other is None:
        return
    fields = {"id_number": ["该身份证号码已登记"]}
    village = db.session.get(OrgUnit, other.org_unit_id)
    if statistics_unit(actor).contains(village):
        raise Duplicate(
            f"{DUPLICATE_MESSAGE}（{ledger.what}编号 {other.id}）", details={"existing_id": other.id, "fields": fields}
        )
    record(
        actor=actor,
        action=f"{ledger.entity}.duplicate_elsewhere",
        entity_type=ledger.entity,
        entity_id=other.id,
        org_unit_id=other.org_unit_id,
        changes={
            "id_number": idnumber.mask(id_number),
            "event_id": event_id,
            "asked_from_org_unit_id": statistics_unit(actor).id,
        },
    )
    raise DuplicateElsewhere(DUPLICATE_MESSAGE, details={"fields": fields})
