"""The acceptance condition of a damage submit exists twice: as SQL (``_accepted``, the one statement's write happens
only when it holds) and as the Python checks that say why a submit is refused (``_check_unit``, ``_check_stage``,
``_check_figures``). Both are driven here with the same facts, every combination of the stage, event status, stages
on file, current figures, change note, client_id and area, and must agree on each: the SQL must never write what
Python would refuse, nor refuse in silence what Python would accept."""

from __future__ import annotations

import itertools
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from server.damage import figures as fig
from server.damage import reconcile
from server.damage.models import DamageReport
from server.damage.service import _accepted, _check_figures, _check_stage, _check_unit
from server.errors import ApiError

VILLAGE = SimpleNamespace(level="village", path="/36/001/002/")
AREAS = {"in_area": "/36/", "outside": "/37/"}
VALUES = fig.normalize({})  # rule-valid figures (the SQL condition is used only for those)
CURRENT = {
    "none": None,
    "equal": dict(VALUES),
    "higher_int": {**VALUES, "deaths": 1},  # the new report would decrease an integer figure
    "higher_decimal": {**VALUES, "crops_affected_ha": Decimal("0.01")},  # ... or a decimal one
}
CHANGE_NOTES = ("", "水位回落后复核")
# The village's ledger counts (台账): a 核报 must agree with them; 初报 and 续报 are taken with a warning.
LEDGERS = {
    "agree": {key: 0 for key in reconcile.RECONCILED},
    "differ": {**{key: 0 for key in reconcile.RECONCILED}, "deaths": 1},
}


def _facts(
    *, status: str, has_initial: bool, has_final: bool, current: dict | None, seen: bool, area: str, ledger: dict
):
    columns = {
        "event_id": (1, sa.Integer),
        "event_name": ("测试县洪涝", sa.String),
        "event_status": (status, sa.String),
        "event_type": ("flood", sa.String),
        "area_path": (area, sa.String),
        "seen_id": (7 if seen else None, sa.Integer),
        "has_initial": (has_initial, sa.Boolean),
        "has_final": (has_final, sa.Boolean),
        "cur_id": (None if current is None else 3, sa.Integer),
        **{
            key: (None if current is None else current[key], DamageReport.__table__.c[key].type)
            for key in fig.INDICATOR_KEYS
        },
        **{f"ledger_{key}": (ledger[key], sa.Integer) for key in reconcile.RECONCILED},
    }
    row = SimpleNamespace(**{name: value for name, (value, _) in columns.items()})
    return row, {f"f_{name}": value for name, (value, _) in columns.items()}


def _facts_query():
    """The facts row as a subquery of typed parameters (``f_<column>``): one statement per variant, many cases."""
    kinds = {
        "event_id": sa.Integer,
        "event_name": sa.String,
        "event_status": sa.String,
        "event_type": sa.String,
        "area_path": sa.String,
        "seen_id": sa.Integer,
        "has_initial": sa.Boolean,
        "has_final": sa.Boolean,
        "cur_id": sa.Integer,
        **{key: DamageReport.__table__.c[key].type for key in fig.INDICATOR_KEYS},
        **{f"ledger_{key}": sa.Integer for key in reconcile.RECONCILED},
    }
    return sa.select(
        *(sa.cast(sa.bindparam(f"f_{name}", type_=kind), kind).label(name) for name, kind in kinds.items())
    ).subquery("facts")


def _python_accepts(row, stage: str, change_note: str) -> bool:
    """As ``create_report`` decides after reading the facts (a client_id on file is a resend, never a new report)."""
    if row.seen_id is not None:
        return False
    try:
        _check_unit(row, VILLAGE)
        _check_stage(row, stage)
        mismatched = reconcile.mismatches(VALUES, reconcile.counts_of_facts(row))
        _check_figures(
            VALUES,
            row if row.cur_id is not None else None,
            change_note,
            type_errors=fig.type_errors({}, row.event_type),
            refused=mismatched if stage == "final" else None,
        )
    except ApiError:
        return False
    return True


def test_the_sql_condition_and_the_python_checks_agree_on_every_case(db_session):
    parameters = {
        "p_unit_path": VILLAGE.path,
        "p_stated_type": "none",
        **{f"r_{key}": value for key, value in VALUES.items()},
    }
    cases = itertools.product(
        ("initial", "update", "final"),
        ("active", "stable", "closed"),
        (False, True),
        (False, True),
        CURRENT,
        CHANGE_NOTES,
        (False, True),
        AREAS,
        LEDGERS,
    )
    facts = _facts_query()
    statements = {
        (stage, given): sa.select(sa.case((_accepted(facts, stage, given), 1), else_=0)).select_from(facts)
        for stage in ("initial", "update", "final")
        for given in (False, True)
    }
    disagreements, accepted = [], 0
    for stage, status, has_initial, has_final, current, change_note, seen, area, ledger in cases:
        row, values = _facts(
            status=status,
            has_initial=has_initial,
            has_final=has_final,
            current=CURRENT[current],
            seen=seen,
            area=AREAS[area],
            ledger=LEDGERS[ledger],
        )
        statement = statements[stage, bool(change_note.strip())]
        in_sql = bool(db_session.scalar(statement, {**parameters, **values}))
        in_python = _python_accepts(row, stage, change_note)
        accepted += in_python
        if in_sql != in_python:
            disagreements.append(
                (stage, status, has_initial, has_final, current, change_note, seen, area, ledger, in_sql)
            )
    assert not disagreements, disagreements
    assert (
        0 < accepted < 3 * 3 * 2 * 2 * len(CURRENT) * len(CHANGE_NOTES) * 2 * len(AREAS) * len(LEDGERS)
    )  # both answers occur
