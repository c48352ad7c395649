"""The shelter registry (避难场所): who sees and keeps which shelter, and how full each one is now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import with_expression

from server.audit_trail import changes_between, record, snapshot
from server.errors import NotFound
from server.evacuation.access import EDIT_SHELTERS
from server.evacuation.models import EvacuationReport, Shelter, ShelterAllocation
from server.events.models import Event
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, get_unit_in_scope, statistics_unit, within_scope

if TYPE_CHECKING:
    from server.users.models import User

AUDITED_FIELDS = ("name", "org_unit_id", "kind", "capacity", "area_m2", "lat", "lon", "address", "facilities", "active")


def _township_of(unit: OrgUnit) -> OrgUnit | None:
    while unit is not None and unit.level not in ("township", "county", "city", "province"):
        unit = unit.parent
    return unit if unit is not None and unit.level == "township" else None


def _ancestor_or_self(unit: OrgUnit) -> ColumnElement[bool]:
    """The (joined) OrgUnit is ``unit`` or above it: its path prefixes the unit's path."""
    return literal(unit.path).startswith(OrgUnit.path)


def usable_shelter_clause(village: OrgUnit) -> ColumnElement[bool]:
    """Shelters a village may send people to: its own, its township's villages', its township's and above."""
    township = _township_of(village)
    clauses = [_ancestor_or_self(village)]
    if township is not None:
        clauses.append(OrgUnit.path.startswith(township.path, autoescape=True))
    return or_(*clauses)


def _visible_clause(actor: User) -> ColumnElement[bool]:
    """A user sees the shelters of its subtree and those that serve it (above it, or its township's for a village)."""
    unit = statistics_unit(actor)
    if unit.level == "village":
        return or_(within_scope(actor, scope_unit=unit), usable_shelter_clause(unit))
    return or_(within_scope(actor, scope_unit=unit), _ancestor_or_self(unit))


def occupancy_query(*, include_event_id: int | None = None) -> Select:
    """Persons per shelter on current evacuation reports of open, real events (drills and closed ones left out)."""
    counts = and_(Event.status != "closed", Event.drill.is_(False))
    if include_event_id is not None:
        counts = or_(counts, Event.id == include_event_id)
    return (
        select(ShelterAllocation.shelter_id, func.sum(ShelterAllocation.persons).label("persons"))
        .join(EvacuationReport, ShelterAllocation.evacuation_report_id == EvacuationReport.id)
        .join(Event, EvacuationReport.event_id == Event.id)
        .where(EvacuationReport.current, counts)
        .group_by(ShelterAllocation.shelter_id)
    )


def occupancy_by_shelter(shelter_ids: list[int], *, include_event_id: int | None = None) -> dict[int, int]:
    stmt = occupancy_query(include_event_id=include_event_id).where(ShelterAllocation.shelter_id.in_(shelter_ids))
    return {shelter_id: int(persons) for shelter_id, persons in db.session.execute(stmt)}


def _with_occupancy() -> Select:
    # One grouped subquery joined to the shelters: a page of shelters costs one query, not one per shelter.
    occupancy = occupancy_query().subquery()
    return (
        select(Shelter)
        .join(OrgUnit, Shelter.org_unit_id == OrgUnit.id)
        .outerjoin(occupancy, occupancy.c.shelter_id == Shelter.id)
        .options(with_expression(Shelter.occupancy, func.coalesce(occupancy.c.persons, 0)))
        .execution_options(populate_existing=True)
    )


def list_shelters(*, actor: User, org_unit_id: int | None = None, active: bool | None = None) -> Select:
    stmt = _with_occupancy().where(_visible_clause(actor)).order_by(OrgUnit.path, Shelter.name, Shelter.id)
    if org_unit_id is not None:
        unit = get_statistics_unit_in_scope(actor, org_unit_id)
        stmt = stmt.where(OrgUnit.path.startswith(unit.path, autoescape=True))
    if active is not None:
        stmt = stmt.where(Shelter.active.is_(active))
    return stmt


def get_shelter(*, actor: User, shelter_id: int) -> Shelter:
    shelter = db.session.scalar(_with_occupancy().where(Shelter.id == shelter_id, _visible_clause(actor)))
    if shelter is None:
        raise NotFound("避难场所不存在")
    return shelter


def create_shelter(*, actor: User, org_unit_id: int, **fields: Any) -> Shelter:
    EDIT_SHELTERS.check(actor, message="只有审核员或管理员可以登记避难场所")
    unit = get_unit_in_scope(actor, org_unit_id)
    fields["facilities"] = list(dict.fromkeys(fields.get("facilities") or []))
    shelter = Shelter(org_unit=unit, active=True, **fields)
    db.session.add(shelter)
    db.session.flush()
    record(
        actor=actor,
        action="shelter.create",
        entity_type="shelter",
        entity_id=shelter.id,
        org_unit_id=unit.id,
        changes={name: [None, value] for name, value in snapshot(shelter, AUDITED_FIELDS).items()},
    )
    return shelter


def update_shelter(*, actor: User, shelter_id: int, changes: dict[str, Any]) -> Shelter:
    EDIT_SHELTERS.check(actor, message="只有审核员或管理员可以修改避难场所")
    shelter = db.session.get(Shelter, shelter_id)
    # Editors keep the shelters of their own subtree; those above them are only visible, so "not found".
    if shelter is None or not actor.org_unit.contains(shelter.org_unit):
        raise NotFound("避难场所不存在")
    before = snapshot(shelter, AUDITED_FIELDS)
    if "org_unit_id" in changes:
        shelter.org_unit = get_unit_in_scope(actor, changes.pop("org_unit_id"))
    if "facilities" in changes:
        changes["facilities"] = list(dict.fromkeys(changes["facilities"] or []))
    for name, value in changes.items():
        setattr(shelter, name, value)
    db.session.flush()
    diff = changes_between(before, snapshot(shelter, AUDITED_FIELDS))
    if diff:
        record(
            actor=actor,
            action="shelter.update",
            entity_type="shelter",
            entity_id=shelter.id,
            org_unit_id=shelter.org_unit_id,
            changes=diff,
        )
    return shelter
