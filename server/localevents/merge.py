"""What moves when a local event is merged into another: every row filed for the local event by its village.

Each kind of row is a ``VillageRows``: a model with ``event_id`` and ``org_unit_id`` columns, the audit's entity
type for it, and whether the village keeps one series of it per event (a current flag guarded by a unique index:
then the village holding such rows in the target too is a conflict, never a silent double count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from server.audit_trail import record
from server.damage.models import DamageReport
from server.evacuation.models import EvacuationReport
from server.extensions import db
from server.ledgers.models import Casualty, DamagedHouse

if TYPE_CHECKING:
    from server.events.models import Event
    from server.users.models import User


@dataclass(frozen=True)
class VillageRows:
    name: str  # key in the audit's "moved" map: "damage_reports"
    model: Any
    entity_type: str  # the audit's entity type of one row
    exclusive: bool  # one current series per (event, village): rows in both events cannot be merged


def _reports() -> list[VillageRows]:
    return [
        VillageRows("damage_reports", DamageReport, "damage_report", exclusive=True),
        VillageRows("evacuation_reports", EvacuationReport, "evacuation_report", exclusive=True),
    ]


def _ledgers() -> list[VillageRows]:
    # The named ledgers (台账) move with the village's reports; rows in both events are different people or
    # households, so they never clash.
    return [
        VillageRows("casualties", Casualty, "casualty", exclusive=False),
        VillageRows("damaged_houses", DamagedHouse, "damaged_house", exclusive=False),
    ]


def village_rows() -> list[VillageRows]:
    return _reports() + _ledgers()


def rows_in_target(*, source: Event, target: Event) -> dict[str, list[int]]:
    """Rows the village already has in ``target`` of the kinds it keeps one series of (ids by kind)."""
    village_id = source.org_unit_id
    clashes = {}
    for kind in village_rows():
        if not kind.exclusive:
            continue
        model = kind.model
        ids = list(
            db.session.scalars(
                select(model.id).where(model.event_id == target.id, model.org_unit_id == village_id).order_by(model.id)
            )
        )
        if ids:
            clashes[kind.name] = ids
    return clashes


def duplicate_id_numbers(*, source: Event, target: Event) -> dict[str, list[int]]:
    """The source's ledger rows whose ID number a counting row of the target already has (ids by kind): moved, the
    same person or household would count twice (and the unique index would refuse the move)."""
    found = {}
    for kind in _ledgers():
        model = kind.model
        taken = select(model.id_number).where(model.event_id == target.id, model.holds_id_number())
        ids = list(
            db.session.scalars(
                select(model.id)
                .where(model.event_id == source.id, model.holds_id_number(), model.id_number.in_(taken))
                .order_by(model.id)
            )
        )
        if ids:
            found[kind.name] = ids
    return found


def move_village_rows(*, actor: User, source: Event, target: Event) -> dict[str, list[int]]:
    """Move every row of ``source`` to ``target``; an audit row per moved row; returns the ids moved by kind. Each
    kind moves in one UPDATE … RETURNING: what it moved is what it audits, whatever committed meanwhile."""
    moved: dict[str, list[int]] = {}
    for kind in village_rows():
        model = kind.model
        rows = sorted(
            db.session.execute(
                update(model)
                .where(model.event_id == source.id)
                .values(event_id=target.id)
                .returning(model.id, model.org_unit_id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        if not rows:
            continue
        for row in rows:
            loaded = db.session.identity_map.get(identity_key(model, row.id))
            if loaded is not None:
                set_committed_value(loaded, "event_id", target.id)
        moved[kind.name] = [row.id for row in rows]
        for row in rows:
            record(
                actor=actor,
                action=f"{kind.entity_type}.move",
                entity_type=kind.entity_type,
                entity_id=row.id,
                org_unit_id=row.org_unit_id,
                changes={"event_id": [source.id, target.id]},
            )
    return moved
