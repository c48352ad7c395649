"""Evacuation reports (转移避险): cumulative counts per village and event, the newest one current.

The rules of PRODUCT.md live here: centralized + dispersed = evacuated, returned ≤ evacuated, allocations ≤
centralized, shelters usable by the village; a shelter pushed above its capacity is accepted with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from server.audit_trail import record
from server.errors import EventClosed, Invalid, NotFound, Superseded
from server.evacuation.access import FILE_EVACUATIONS
from server.evacuation.models import EvacuationReport, Shelter, ShelterAllocation
from server.evacuation.shelters import occupancy_by_shelter, usable_shelter_clause
from server.events.models import Event
from server.events.service import get_event
from server.extensions import db
from server.idempotency import after_lost_race, by_client_id, insert_current, payload_digest, resend_or_conflict
from server.locking import hold
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit, within_scope
from server.reads import ReadModel

if TYPE_CHECKING:
    from server.users.models import User

COUNT_FIELDS = ("evacuated", "centralized", "dispersed", "returned")


@dataclass(frozen=True)
class Submission(ReadModel):
    """The submitted report (read model, ``server/reads.py``) with the capacity warnings of this submit."""

    row: EvacuationReport
    created: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _payload_hash(*, event_id: int, org_unit_id: int, counts: dict[str, int], allocations, note: str) -> str:
    allocation_pairs = [[a["shelter_id"], a["persons"]] for a in allocations]
    return payload_digest(
        {"event_id": event_id, "org_unit_id": org_unit_id, **counts, "allocations": allocation_pairs, "note": note}
    )


def _check_counts(counts: dict[str, int], allocations: list[dict]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if counts["centralized"] + counts["dispersed"] != counts["evacuated"]:
        message = "集中安置与分散安置人数之和须等于紧急避险转移人数"
        errors["centralized"] = [message]
        errors["dispersed"] = [message]
    if counts["returned"] > counts["evacuated"]:
        errors["returned"] = ["已返回人数不能超过紧急避险转移人数"]
    if sum(a["persons"] for a in allocations) > counts["centralized"]:
        errors["allocations"] = ["分配到避难场所的人数之和不能超过集中安置人数"]
    return errors


def _check_shelters(village: OrgUnit, allocations: list[dict]) -> tuple[dict[str, list[str]], dict[int, Shelter]]:
    """Each allocated shelter exists, is in use, and serves the village (its own, its township's or above)."""
    errors: dict[str, list[str]] = {}
    ids = {a["shelter_id"] for a in allocations}
    usable = {
        s.id: s
        for s in db.session.scalars(
            select(Shelter)
            .join(OrgUnit, Shelter.org_unit_id == OrgUnit.id)
            .where(Shelter.id.in_(ids), Shelter.active.is_(True), usable_shelter_clause(village))
        )
    }
    seen: set[int] = set()
    for index, allocation in enumerate(allocations):
        shelter_id = allocation["shelter_id"]
        if shelter_id in seen:
            errors[f"allocations.{index}.shelter_id"] = ["同一避难场所不能重复填写"]
        elif shelter_id not in usable:
            errors[f"allocations.{index}.shelter_id"] = ["避难场所不存在、已停用或不在本村所属乡镇范围内"]
        seen.add(shelter_id)
    return errors, usable


def capacity_warnings(*, report: EvacuationReport) -> list[dict[str, Any]]:
    """A warning per allocated shelter now above its capacity (accepted, but the reporter must see it)."""
    shelter_ids = [a.shelter_id for a in report.allocations]
    if not shelter_ids:
        return []
    # A drill's own allocations count for its warnings, though drills never count in real occupancy.
    occupancy = occupancy_by_shelter(shelter_ids, include_event_id=report.event_id)
    warnings = []
    for allocation in report.allocations:
        shelter = allocation.shelter
        persons = occupancy.get(shelter.id, 0)
        if persons > shelter.capacity:
            warnings.append(
                {
                    "shelter_id": shelter.id,
                    "message": f"避难场所“{shelter.name}”现安置 {persons} 人，超出容量（{shelter.capacity} 人）",
                }
            )
    return warnings


def _existing(client_id: str) -> EvacuationReport | None:
    return by_client_id(EvacuationReport, client_id)


def _current_id(event_id: int, village_id: int) -> int | None:
    return db.session.scalar(
        select(EvacuationReport.id).where(
            EvacuationReport.event_id == event_id,
            EvacuationReport.org_unit_id == village_id,
            EvacuationReport.current,
        )
    )


def _same_or_conflict(existing: EvacuationReport, payload_hash: str, actor: User) -> Submission:
    visible = statistics_unit(actor).contains(existing.org_unit)
    resend_or_conflict(existing, payload_hash, visible=visible, what="转移报告")
    return Submission(existing, created=False, warnings=capacity_warnings(report=existing))


def submit_evacuation(
    *,
    actor: User,
    event_id: int,
    client_id: Any,
    org_unit_id: int,
    evacuated: int = 0,
    centralized: int = 0,
    dispersed: int = 0,
    returned: int = 0,
    allocations: list[dict] | None = None,
    note: str = "",
) -> Submission:
    """File a village's cumulative evacuation counts for an event; a resend with the same client_id is harmless."""
    FILE_EVACUATIONS.check(actor)
    event = get_event(actor=actor, event_id=event_id)
    # Shared hold of the event's row, its status as last committed: a local event's merge waits for this report
    # (and moves it), or this report sees the merge and follows the event (locking.hold).
    event = hold(Event, event.id)
    village = get_statistics_unit_in_scope(actor, org_unit_id)
    if village.level != "village":
        raise Invalid({"org_unit_id": ["转移避险情况按村填报，请选择村（社区）"]})
    if not event.org_unit.contains(village):
        raise Invalid({"org_unit_id": ["该村不在此灾害过程的范围内"]})
    client_id = str(client_id)
    allocations = allocations or []
    counts = {"evacuated": evacuated, "centralized": centralized, "dispersed": dispersed, "returned": returned}
    payload_hash = _payload_hash(
        event_id=event.id, org_unit_id=village.id, counts=counts, allocations=allocations, note=note
    )
    # A resend (the phone never saw our answer) gets the same report back, even if the event closed since.
    existing = _existing(client_id)
    if existing is not None:
        if event.status == "merged" and existing.payload_hash != payload_hash:
            # Filed after the merge, the report followed the event: it was filed for the target.
            followed = _payload_hash(event_id=event.merged_into_id, org_unit_id=village.id, counts=counts,
                                     allocations=allocations, note=note)  # fmt: skip
            payload_hash = followed if existing.payload_hash == followed else payload_hash
        return _same_or_conflict(existing, payload_hash, actor)
    if event.status == "merged" and event.merged_into_id is not None:
        # A local event merged into another: a report still queued on a phone for it goes to the event it joined
        # (its village's reports moved there too), as a damage report does. Nothing was written.
        return submit_evacuation(actor=actor, event_id=event.merged_into_id, client_id=client_id,
                                 org_unit_id=org_unit_id, allocations=allocations, note=note, **counts)  # fmt: skip
    if event.status == "closed":
        raise EventClosed("灾害过程已结束，不能再填报")
    if event.status == "rejected":
        raise EventClosed(f"该本地灾害事件已被乡镇退回（{event.status_reason}），不能再填报转移避险情况")

    errors = _check_counts(counts, allocations)
    shelter_errors, shelters = _check_shelters(village, allocations)
    errors.update(shelter_errors)
    if errors:
        raise Invalid(errors)

    row = {
        "client_id": client_id,
        "payload_hash": payload_hash,
        "event_id": event.id,
        "org_unit_id": village.id,
        "note": note,
        "current": True,
        "submitted_by_id": actor.id,
        **counts,
    }
    new_id = insert_current(EvacuationReport, row, current_id=_current_id(event.id, village.id))
    if new_id is None:
        # Either the same client_id raced us (answer as a resend) or another report for this village did.
        return after_lost_race(
            lambda: _existing(client_id),
            lambda found: _same_or_conflict(found, payload_hash, actor),
            Superseded("该村的转移报告正被同时提交，请刷新后重试"),
        )
    report = db.session.get(EvacuationReport, new_id)
    report.allocations = [
        ShelterAllocation(shelter=shelters[a["shelter_id"]], persons=a["persons"]) for a in allocations
    ]
    db.session.flush()

    record(
        actor=actor,
        action="evacuation.create",
        entity_type="evacuation_report",
        entity_id=report.id,
        org_unit_id=village.id,
        changes={
            **{name: [None, value] for name, value in counts.items()},
            "allocations": [None, [[a["shelter_id"], a["persons"]] for a in allocations]],
            "note": [None, note],
        },
    )
    return Submission(report, created=True, warnings=capacity_warnings(report=report))


def list_evacuations(
    *, actor: User, event_id: int, org_unit_id: int | None = None, current: bool | None = None
) -> Select:
    event = get_event(actor=actor, event_id=event_id)
    root = get_statistics_unit_in_scope(actor, org_unit_id) if org_unit_id is not None else statistics_unit(actor)
    stmt = (
        select(EvacuationReport)
        .join(OrgUnit, EvacuationReport.org_unit_id == OrgUnit.id)
        .where(EvacuationReport.event_id == event.id, within_scope(actor, scope_unit=root))
        .order_by(EvacuationReport.submitted_at.desc(), EvacuationReport.id.desc())
    )
    if current is not None:
        stmt = stmt.where(EvacuationReport.current.is_(current))
    return stmt


def get_evacuation(*, actor: User, report_id: int) -> EvacuationReport:
    report = db.session.get(EvacuationReport, report_id)
    if report is None or not statistics_unit(actor).contains(report.org_unit):
        raise NotFound("转移报告不存在")
    return report
