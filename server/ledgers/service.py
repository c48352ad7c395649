"""Filing, reading and changing ledger rows (台账), idempotently and within scope.

A village's reporter files rows for its own village; a resend of the same ``client_id`` and payload answers the
same row (200), another payload under it is 409 ``client_id_reused``. Changes (PATCH) are conditional on the
row's ``version`` and audited field by field, the ID number only ever masked in the audit trail.

A row is filed and changed holding its event's row (``locking.hold``): shared for a new row, so a local event's
decision waits for it (a merge moves it, or it sees ``merged`` and follows the event to its target); exclusive for
a change that gives a row an ID number to hold, so two such changes never pass their duplicate checks side by side.
Two new rows with one ID number at once: the partial unique index lets one in (migration 0040), the other is 409
``duplicate``. A duplicate names the row it clashes with only when that row is inside the caller's scope; outside,
the answer names nothing and the probe is audited (a duplicate check must not tell a reporter who is in another
township's ledger).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from server import clock
from server.audit_trail import changes_between, record
from server.errors import Conflict, Duplicate, EventClosed, Forbidden, Invalid, NotFound, StaleVersion
from server.events.models import DISASTER_TYPES, Event
from server.events.service import FUTURE_TOLERANCE, get_event
from server.extensions import db
from server.idempotency import after_lost_race, by_client_id, insert_unless_taken, payload_digest, resend_or_conflict
from server.jsonable import jsonable
from server.ledgers import idnumber
from server.ledgers.access import CHANGE_LEDGER_ROWS, FILE_LEDGER_ROWS, REVEAL_ID_NUMBERS
from server.ledgers.duplicates import DUPLICATE_MESSAGE, check_duplicate
from server.ledgers.models import Casualty, DamagedHouse
from server.locking import claim, hold
from server.orgunits.models import LEVEL_RANK, OrgUnit
from server.orgunits.scope import get_statistics_unit_in_scope, statistics_unit

if TYPE_CHECKING:
    from server.users.models import User

LedgerRow = Casualty | DamagedHouse


class Ledger:
    """What differs between the two ledgers: the model, names for messages and audit, the fields a row holds."""

    def __init__(self, model, entity: str, what: str, fields: tuple[str, ...], counted: tuple[str, ...]):
        self.model = model
        self.entity = entity  # audit entity_type
        self.what = what  # 中文 name of one row
        self.fields = fields  # payload fields besides client_id / org_unit_id
        self.counted = counted  # fields that change the village's counts: frozen once the event is closed


CASUALTIES = Ledger(
    Casualty,
    "casualty",
    "死亡失踪人员登记",
    ("name", "sex", "age", "id_number", "address", "kind", "occurred_at", "place", "cause", "note"),
    ("kind", "found_alive"),
)
HOUSES = Ledger(
    DamagedHouse,
    "damaged_house",
    "倒损住房户登记",
    ("head_name", "id_number", "address", "structure", "damage", "rooms", "transitional_aid_persons", "status", "note"),
    ("damage", "rooms", "transitional_aid_persons"),
)
# Changes by the village's reporter that do not send an approved row back to review: a house's repair progress.
PROGRESS_FIELDS = frozenset({"status"})
CAUSES = frozenset(DISASTER_TYPES) | {sub for subs in DISASTER_TYPES.values() for sub in subs}
TEXT_FIELDS = ("name", "head_name", "address", "place", "cause", "note")


# --- filing -------------------------------------------------------------------------------------------------


def create_casualty(*, actor: User, event_id: int, client_id: uuid.UUID | str, org_unit_id: int | None = None,
                    **values: Any) -> tuple[Casualty, bool]:  # fmt: skip
    """Register a dead or missing person of a village (因灾死亡失踪人口台账). Returns ``(row, created)``."""
    return _create(CASUALTIES, actor=actor, event_id=event_id, client_id=client_id, org_unit_id=org_unit_id,
                   values=values)  # fmt: skip


def create_damaged_house(*, actor: User, event_id: int, client_id: uuid.UUID | str, org_unit_id: int | None = None,
                         **values: Any) -> tuple[DamagedHouse, bool]:  # fmt: skip
    """Register a household whose house collapsed or was damaged (因灾倒塌损坏住房户台账)."""
    return _create(HOUSES, actor=actor, event_id=event_id, client_id=client_id, org_unit_id=org_unit_id,
                   values=values)  # fmt: skip


def _create(
    ledger: Ledger, *, actor: User, event_id: int, client_id, org_unit_id: int | None, values: dict[str, Any]
) -> tuple[LedgerRow, bool]:
    FILE_LEDGER_ROWS.check(actor)
    event = get_event(actor=actor, event_id=event_id)
    # Shared hold of the event's row, and its status as last committed: a decision on a local event waits for this
    # row, or this row sees the decision.
    event = hold(Event, event.id)
    unit = get_statistics_unit_in_scope(actor, org_unit_id if org_unit_id is not None else statistics_unit(actor).id)
    client_id = str(uuid.UUID(str(client_id)))
    clean = _normalized(ledger, event, values)
    digest = payload_digest({"event_id": event.id, "org_unit_id": unit.id, **clean})

    existing = by_client_id(ledger.model, client_id)
    if existing is not None:  # a resend (the phone never saw our answer), even if the event closed since
        if event.status == "merged" and existing.payload_hash != digest:
            # Filed after the merge, the row followed the event: it was filed for the target.
            followed = payload_digest({"event_id": event.merged_into_id, "org_unit_id": unit.id, **clean})
            digest = followed if existing.payload_hash == followed else digest
        return _resend(ledger, existing, digest, actor), False
    if event.status == "merged" and event.merged_into_id is not None:
        # A local event merged into another: a row still queued on a phone for it goes to the event it joined (its
        # village's rows moved there too), as a damage report does. Nothing was written.
        return _create(ledger, actor=actor, event_id=event.merged_into_id, client_id=client_id,
                       org_unit_id=org_unit_id, values=values)  # fmt: skip
    try:
        _check_unit(event, unit)
        _check_open(event)
        _check_values(ledger, clean)
        check_duplicate(ledger, actor, event.id, clean["id_number"], exclude_id=None)
    except (Conflict, Invalid) as refused:
        # An identical request may have committed meanwhile (its row is why the duplicate check failed).
        return after_lost_race(
            lambda: by_client_id(ledger.model, client_id), lambda found: _resend(ledger, found, digest, actor), refused
        ), False

    now = clock.now()
    row = ledger.model(
        client_id=client_id,
        payload_hash=digest,
        event_id=event.id,
        org_unit=unit,
        review_status="submitted",
        version=1,
        submitted_by=actor,
        submitted_at=now,
        updated_at=now,
        review_comment="",
        **clean,
    )
    if not insert_unless_taken(row):
        # Another request committed first (PostgreSQL waited for it): the same client_id (the answer to a resend),
        # or the same ID number (the unique index decided; the check now sees the winner).
        found = by_client_id(ledger.model, client_id)
        if found is not None:
            return _resend(ledger, found, digest, actor), False
        check_duplicate(ledger, actor, event.id, clean["id_number"], exclude_id=None)
        raise Duplicate(DUPLICATE_MESSAGE, details={"fields": {"id_number": ["该身份证号码已登记"]}})
    record(
        actor=actor,
        action=f"{ledger.entity}.create",
        entity_type=ledger.entity,
        entity_id=row.id,
        org_unit_id=unit.id,
        changes={key: [None, value] for key, value in audit_values(clean).items()},
    )
    return row, True


def _check_open(event: Event) -> None:
    if event.status == "closed":
        raise EventClosed("灾害过程已结束，不能再登记台账")
    if event.status == "rejected":
        reason = f"（{event.status_reason}）" if event.status_reason else ""
        raise EventClosed(f"该本地灾害事件已被乡镇退回{reason}，不能再登记台账")


def audit_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the audit trail keeps them: the ID number masked, never whole."""
    out = jsonable(dict(values))
    if "id_number" in out:
        out["id_number"] = idnumber.mask(out["id_number"])
    return out


def _normalized(ledger: Ledger, event: Event, values: dict[str, Any]) -> dict[str, Any]:
    clean = {name: values.get(name) for name in ledger.fields}
    for name in TEXT_FIELDS:
        if name in clean:
            clean[name] = (clean[name] or "").strip()
    clean["id_number"] = idnumber.normalize(clean.get("id_number"))
    if ledger is CASUALTIES:
        clean["cause"] = clean["cause"] or event.disaster_subtype or event.disaster_type
        clean["found_alive"] = False
    else:
        clean["transitional_aid_persons"] = clean.get("transitional_aid_persons") or 0
        clean["status"] = clean.get("status") or "pending"
    return clean


def _check_unit(event: Event, unit: OrgUnit) -> None:
    if unit.level != "village":
        raise Invalid({"org_unit_id": ["台账按村（社区）登记，请选择村级单位"]})
    if not event.org_unit.contains(unit):
        raise Invalid({"org_unit_id": [f"该村不在灾害过程「{event.name}」的范围内"]})


def _check_values(ledger: Ledger, row: dict[str, Any]) -> None:
    """The rules a row must keep, all reported at once (422)."""
    errors: dict[str, list[str]] = {}
    problem = idnumber.problem(row["id_number"])
    if problem:
        errors["id_number"] = [problem]
    if ledger is CASUALTIES:
        if row["cause"] not in CAUSES:
            errors["cause"] = ["致灾原因应为国家灾种目录中的灾种或亚灾种"]
        occurred = row.get("occurred_at")
        if isinstance(occurred, datetime) and occurred > clock.now() + FUTURE_TOLERANCE:
            errors["occurred_at"] = ["死亡（失踪）时间不能晚于当前时间"]
        if row.get("found_alive") and row["kind"] != "missing":
            errors["found_alive"] = ["只有失踪人员可以标记为已找到（生还）"]
    else:
        if row["damage"] == "general" and row["transitional_aid_persons"]:
            errors["transitional_aid_persons"] = ["一般损坏住房的户不计入需过渡期生活救助人口（仅倒塌或严重损坏）"]
    if errors:
        raise Invalid(errors)


def _resend(ledger: Ledger, existing: LedgerRow, digest: str, actor: User) -> LedgerRow:
    visible = statistics_unit(actor).contains(existing.org_unit)
    return resend_or_conflict(existing, digest, visible=visible, what=ledger.what)


# --- reading ------------------------------------------------------------------------------------------------


def list_rows(ledger: Ledger, *, actor: User, event_id: int, org_unit_id: int | None = None, **filters: Any) -> Select:
    """Rows of the event's villages inside the caller's scope (or under ``org_unit_id``), by village, oldest
    first. ``filters`` are equality filters on the model's columns; None means no filter."""
    event = get_event(actor=actor, event_id=event_id)
    root = statistics_unit(actor) if org_unit_id is None else get_statistics_unit_in_scope(actor, org_unit_id)
    model = ledger.model
    stmt = (
        select(model)
        .join(OrgUnit, model.org_unit_id == OrgUnit.id)
        .options(contains_eager(model.org_unit))
        .where(model.event_id == event.id, OrgUnit.path.startswith(root.path, autoescape=True))
        .order_by(OrgUnit.code, model.submitted_at, model.id)
    )
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def get_row(ledger: Ledger, *, actor: User, row_id: int) -> LedgerRow:
    """One row if its village is inside the caller's scope (a grid user: its village), else NotFound."""
    row = db.session.get(ledger.model, row_id)
    if row is None or not statistics_unit(actor).contains(row.org_unit):
        raise NotFound(f"{ledger.what}不存在")
    return row


# --- changing -----------------------------------------------------------------------------------------------


def change_row(ledger: Ledger, *, actor: User, row_id: int, version: int | None = None, **changes: Any) -> LedgerRow:
    """A status change or correction by the village's reporter or a reviewer above it, audited field by field.

    A row's counted fields (a casualty's kind and found-alive, a house's class, rooms and aid persons) are frozen
    once the event is closed; a house's repair or rebuild status goes on changing for months after.
    """
    CHANGE_LEDGER_ROWS.check(actor)
    row = get_row(ledger, actor=actor, row_id=row_id)
    if actor.role == "reviewer" and actor.org_unit.id == row.org_unit_id:
        raise Forbidden("台账应由村信息员更改，或由上级审核员更正")
    if version is not None and version != row.version:
        raise StaleVersion(f"该{ledger.what}已被他人更改，请刷新后重试", details={"version": row.version})
    fields = (*ledger.fields, "found_alive") if ledger is CASUALTIES else ledger.fields
    before = {name: getattr(row, name) for name in fields}
    after = dict(before)
    for name, value in changes.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        elif name == "id_number":
            value = idnumber.normalize(value)
        after[name] = value
    if ledger is CASUALTIES and changes.get("kind") == "dead" and "found_alive" not in changes:
        after["found_alive"] = False  # confirmed dead: no longer a missing person found alive
    diff = {name for name in fields if after[name] != before[name]}
    if not diff:
        return row
    # Back to review (待审核) when the village's reporter changes what a reviewer decided on: a returned row
    # corrected counts again, an approved row changed is checked again (a house's repair progress excepted).
    resubmitted = actor.role == "reporter" and (
        row.review_status == "returned" or (row.review_status == "approved" and bool(diff - PROGRESS_FIELDS))
    )
    status_after = "submitted" if resubmitted else row.review_status
    model = ledger.model
    holds_before = model.would_hold_id_number({**before, "review_status": row.review_status})
    holds_after = model.would_hold_id_number({**after, "review_status": status_after})
    claims_id = holds_after and (not holds_before or "id_number" in diff)
    # The event's row, held: shared for any change (a closed event's counts are frozen, read as last committed),
    # exclusive when the row takes an ID number to hold, so the duplicate check below is never passed side by side.
    event = hold(Event, row.event_id, exclusive=claims_id)
    if event.status == "merged":  # the row was read before a merge moved it (every row of a merged event moves)
        raise StaleVersion(f"该{ledger.what}已随本地灾害事件合并到其他灾害过程，请刷新后重试")
    if event.status == "closed" and diff & set(ledger.counted):
        raise EventClosed("灾害过程已结束，台账的统计项不能再更改")
    _check_values(ledger, after)
    if claims_id:
        check_duplicate(ledger, actor, row.event_id, after["id_number"], exclude_id=row.id)

    seen, values = row.version, {name: after[name] for name in diff}
    previous_status = row.review_status
    if resubmitted:
        values["review_status"] = "submitted"
    if not claim(row, seen_version=seen, values={**values, "updated_at": clock.now()}):
        raise StaleVersion(f"该{ledger.what}已被他人更改，请刷新后重试")
    db.session.refresh(row)
    record(
        actor=actor,
        action=f"{ledger.entity}.{_change_action(ledger, before, after)}",
        entity_type=ledger.entity,
        entity_id=row.id,
        org_unit_id=row.org_unit_id,
        changes={
            **changes_between(audit_values(before), audit_values(after)),
            **({"review_status": [previous_status, "submitted"]} if resubmitted else {}),
            "version": [seen, row.version],
        },
    )
    return row


def _change_action(ledger: Ledger, before: dict[str, Any], after: dict[str, Any]) -> str:
    """The audit action a person reads: 找到生还 and 确认死亡 are events of their own, not mere edits."""
    if ledger is CASUALTIES:
        if after["found_alive"] and not before["found_alive"]:
            return "found_alive"
        if before["kind"] == "missing" and after["kind"] == "dead":
            return "confirmed_dead"
    if ledger is HOUSES and after["status"] != before["status"]:
        return "status"
    return "update"


# --- the full ID number -------------------------------------------------------------------------------------


def reveal_id_number(ledger: Ledger, *, actor: User, row_id: int, reason: str = "") -> str:
    """The full ID number, for a county (or higher) reviewer, with an audit row saying who asked for whose, and
    why when the reviewer said (the desk asks)."""
    REVEAL_ID_NUMBERS.check(actor)
    row = get_row(ledger, actor=actor, row_id=row_id)
    if not may_reveal(actor):
        raise Forbidden("只有县级及以上审核员可以查看完整身份证号码")
    record(
        actor=actor,
        action=f"{ledger.entity}.reveal_id_number",
        entity_type=ledger.entity,
        entity_id=row.id,
        org_unit_id=row.org_unit_id,
        changes={"id_number": idnumber.mask(row.id_number), "reason": (reason or "").strip()},
    )
    return row.id_number


def may_reveal(actor: User) -> bool:
    """County reviewers (and reviewers above a county) may see full ID numbers."""
    return actor.role == "reviewer" and LEVEL_RANK[actor.org_unit.level] <= LEVEL_RANK["county"]
