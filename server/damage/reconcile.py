"""Reconciliation of a village's report figures with its ledgers (数字与台账一致).

The village's ``deaths`` and ``missing`` equal its casualty ledger's counts, and households and rooms per house
class equal its housing ledger. A mismatch is a warning on 初报 and 续报 (the ledger may lag the first count by
hours) and refused on 核报 (the final figures must be backed name by name). ``transitional_aid``
(需过渡期生活救助人口) is not filed in reports: it is the housing ledger's sum.

A row counts unless it was returned; a missing person found alive no longer counts. This lives in the damage
feature (above the ledgers) because it names the figures: their 指标 and units come from indicators.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, and_, bindparam, case, func, literal_column, or_, select

from server.damage.indicators import BY_KEY, HOUSE_CLASSES
from server.extensions import db
from server.ledgers.models import Casualty, DamagedHouse

# The report figures a ledger backs, in the order messages name them (their 指标 and units: damage/indicators.py).
RECONCILED = (
    "deaths",
    "missing",
    *(f"houses_{cls}_{part}" for cls in HOUSE_CLASSES for part in ("households", "rooms")),
)
LEDGER_KEYS = (*RECONCILED, "transitional_aid")
TRANSITIONAL_AID_LABEL = "需过渡期生活救助人口(人)"  # not a report figure: the housing ledger's sum


def counted_casualty():
    return and_(Casualty.review_status != "returned", Casualty.found_alive.is_(False))


def counted_house():
    return DamagedHouse.review_status != "returned"


def casualty_columns() -> dict[str, Any]:
    """Aggregates over counted casualty rows: deaths, missing."""
    return {
        "deaths": func.count().filter(Casualty.kind == "dead"),
        "missing": func.count().filter(Casualty.kind == "missing"),
    }


def house_columns() -> dict[str, Any]:
    """Aggregates over counted house rows: households and rooms per class, and transitional aid persons."""
    columns: dict[str, Any] = {}
    for cls in HOUSE_CLASSES:
        columns[f"houses_{cls}_households"] = func.count().filter(DamagedHouse.damage == cls)
        columns[f"houses_{cls}_rooms"] = func.coalesce(
            func.sum(DamagedHouse.rooms).filter(DamagedHouse.damage == cls), 0
        )
    columns["transitional_aid"] = func.coalesce(func.sum(DamagedHouse.transitional_aid_persons), 0)
    return columns


def ledger_counts(event_id: int, org_unit_id: int) -> dict[str, int]:
    """The village's ledger counts for the event in one round trip (two scalar subqueries of one SELECT)."""
    people = casualty_columns()
    houses = house_columns()
    where_people = and_(Casualty.event_id == event_id, Casualty.org_unit_id == org_unit_id, counted_casualty())
    where_houses = and_(DamagedHouse.event_id == event_id, DamagedHouse.org_unit_id == org_unit_id, counted_house())
    columns = [
        select(column).select_from(Casualty).where(where_people).scalar_subquery().label(key)
        for key, column in people.items()
    ] + [
        select(column).select_from(DamagedHouse).where(where_houses).scalar_subquery().label(key)
        for key, column in houses.items()
    ]
    row = db.session.execute(select(*columns)).mappings().one()
    return {key: int(row[key] or 0) for key in LEDGER_KEYS}


def mismatches(figures: Mapping[str, Any], counts: Mapping[str, int]) -> dict[str, str]:
    """``{"figures.deaths": "中文说明"}`` for every reconciled figure that differs from the ledger."""
    out: dict[str, str] = {}
    for key in RECONCILED:
        filed, listed = int(figures.get(key) or 0), int(counts.get(key) or 0)
        if filed == listed:
            continue
        indicator = BY_KEY[key]
        ledger = "死亡失踪人口台账" if key in ("deaths", "missing") else "倒塌损坏住房户台账"
        out[f"figures.{key}"] = (
            f"{indicator.header}填报 {filed} {indicator.unit}，与{ledger}登记的 {listed} {indicator.unit}不一致，"
            "请补录台账或更正数字"
        )
    return out


def warnings(messages: Mapping[str, str]) -> list[dict[str, str]]:
    """Mismatches as the ``warnings`` of a report accepted anyway (初报/续报)."""
    return [{"code": "ledger_mismatch", "field": field, "message": message} for field, message in messages.items()]


# --- in the damage submit's facts ---------------------------------------------------------------------------


def _word(word: str):
    """A fixed word written into the SQL: the submit statement is compiled once to text and run with its own
    parameters only (server/damage/service.py), so nothing here may be a bound value."""
    assert word.isalnum()
    return literal_column(f"'{word}'", String)


def fact_columns() -> list[Any]:
    """``ledger_<key>`` for each reconciled figure: scalar subqueries over the village's counted ledger rows,
    parameterized by the submit's ``p_event_id`` and ``p_org_unit_id``, for the facts row of a damage submit."""
    zero = literal_column("0")
    people = and_(
        Casualty.event_id == bindparam("p_event_id"),
        Casualty.org_unit_id == bindparam("p_org_unit_id"),
        Casualty.review_status != _word("returned"),
        Casualty.found_alive.is_(False),
    )
    houses = and_(
        DamagedHouse.event_id == bindparam("p_event_id"),
        DamagedHouse.org_unit_id == bindparam("p_org_unit_id"),
        DamagedHouse.review_status != _word("returned"),
    )
    columns = [
        select(func.count()).where(people, Casualty.kind == _word("dead")).scalar_subquery().label("ledger_deaths"),
        select(func.count()).where(people, Casualty.kind == _word("missing")).scalar_subquery().label("ledger_missing"),
    ]
    for cls in HOUSE_CLASSES:
        of_class = and_(houses, DamagedHouse.damage == _word(cls))
        columns.append(select(func.count()).where(of_class).scalar_subquery().label(f"ledger_houses_{cls}_households"))
        columns.append(
            select(func.coalesce(func.sum(DamagedHouse.rooms), zero))
            .where(of_class)
            .scalar_subquery()
            .label(f"ledger_houses_{cls}_rooms")
        )
    return columns


def counts_of_facts(facts) -> dict[str, int]:
    """The ledger counts of a facts row (``fact_columns``)."""
    return {key: int(getattr(facts, f"ledger_{key}") or 0) for key in RECONCILED}


# --- in the roll-up -----------------------------------------------------------------------------------------


def village_ledgers(event_id: int):
    """Per-village ledger aggregates of the event, as two subqueries keyed by ``unit_id`` (one row per village at
    most, so outer-joining them to the villages never fans out)."""
    people = (
        select(Casualty.org_unit_id.label("unit_id"), *(c.label(k) for k, c in casualty_columns().items()))
        .where(Casualty.event_id == event_id, counted_casualty())
        .group_by(Casualty.org_unit_id)
        .subquery("ledger_people")
    )
    houses = (
        select(DamagedHouse.org_unit_id.label("unit_id"), *(c.label(k) for k, c in house_columns().items()))
        .where(DamagedHouse.event_id == event_id, counted_house())
        .group_by(DamagedHouse.org_unit_id)
        .subquery("ledger_houses")
    )
    return people, houses


def _value(people, houses, key: str):
    source = people if key in ("deaths", "missing") else houses
    return func.coalesce(source.c[key], 0)


def rollup_columns(people, houses, report) -> list[Any]:
    """Grouped columns for the roll-up: ``ledger_<key>`` sums, and ``ledger_mismatch``, the number of villages
    whose current report (or its absence: all zero) disagrees with their ledgers."""
    columns = [func.sum(_value(people, houses, key)).label(f"ledger_{key}") for key in LEDGER_KEYS]
    differs = or_(*(func.coalesce(getattr(report, key), 0) != _value(people, houses, key) for key in RECONCILED))
    columns.append(func.sum(case((differs, 1), else_=0)).label("ledger_mismatch"))
    return columns
