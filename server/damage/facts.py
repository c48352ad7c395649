"""What a damage submit decides on, read in one statement and one snapshot (``read``): the event, its status and
area, whether the client_id is taken, the stages the village has on file (two index probes), its current report with
its figures, and its ledger counts (台账). The rules (``rules.py``) are checked over this row, in Python only.

Whatever changes between this read and the write (another report filed, the same client_id sent twice) is decided by
the write itself (``idempotency.insert_current``: the conditional flag move and the unique indexes), never by the
facts."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Row, Select, String, and_, bindparam, exists, literal_column, select

from server.damage import figures as fig
from server.damage import reconcile
from server.damage.models import DamageReport
from server.events.models import Event
from server.extensions import db
from server.orgunits.models import OrgUnit

_REPORTS = DamageReport.__table__
_AREA = OrgUnit.__table__.alias("area")
_CURRENT = _REPORTS.alias("cur")


def read(event_id: int, unit_id: int, client_id: str) -> Row:
    """The facts row of a submit of ``client_id`` for the village ``unit_id``: every column None but ``seen_id``,
    ``has_initial`` and ``has_final`` when the event does not exist; the figures None without a current report."""
    # Core, not the ORM's execute: the row is no entity, and the ORM's handling was a tenth of a submit's CPU.
    return db.session.connection().execute(statement(), probe(event_id, unit_id, client_id)).one()


def probe(event_id: int, unit_id: int, client_id: str) -> dict[str, Any]:
    """The parameters of ``statement``."""
    return {"p_event_id": event_id, "p_org_unit_id": unit_id, "p_probe_client_id": client_id}


@cache
def statement() -> Select:
    """The facts as one SELECT, built once (parameters: ``probe``), so SQLAlchemy compiles it once."""
    events = Event.__table__
    one = select(literal_column("1").label("one")).subquery("one")
    return select(
        events.c.id.label("event_id"),
        events.c.name.label("event_name"),
        events.c.status.label("event_status"),
        events.c.disaster_type.label("event_type"),
        events.c.merged_into_id.label("merged_into_id"),
        events.c.status_reason.label("event_status_reason"),
        _AREA.c.path.label("area_path"),
        select(_REPORTS.c.id)
        .where(_REPORTS.c.client_id == bindparam("p_probe_client_id"))
        .scalar_subquery()
        .label("seen_id"),
        _live_stage("initial").label("has_initial"),
        _live_stage("final").label("has_final"),
        _CURRENT.c.id.label("cur_id"),
        *(_CURRENT.c[key] for key in fig.INDICATOR_KEYS),
        *reconcile.fact_columns(),  # the village's ledger counts (台账), for the reconciliation
    ).select_from(
        one.outerjoin(events, events.c.id == bindparam("p_event_id"))
        .outerjoin(_AREA, _AREA.c.id == events.c.org_unit_id)
        .outerjoin(
            _CURRENT,
            and_(
                _CURRENT.c.event_id == bindparam("p_event_id"),
                _CURRENT.c.org_unit_id == bindparam("p_org_unit_id"),
                _CURRENT.c.current,
            ),
        )
    )


def _live_stage(stage: str):
    """Whether the village has a non-returned report of this stage: one probe of ix_damage_reports_stage, however
    long the village's history."""
    return exists().where(
        _REPORTS.c.event_id == bindparam("p_event_id"),
        _REPORTS.c.org_unit_id == bindparam("p_org_unit_id"),
        _REPORTS.c.stage == _constant(stage),
        _REPORTS.c.status != _constant("returned"),
    )


def _constant(word: str):
    """A fixed word written into the SQL (no bind parameter: the planner sees the partial indexes' predicates)."""
    assert word.isalnum()
    return literal_column(f"'{word}'", String)
