"""Local events (本地事件, reported from below): a village opens an event with its 初报; the township confirms it,
merges it into an existing event (the village's reports and ledger rows move there) or rejects it with a reason.

A landslide hits one village before anyone upstairs has opened an event: the reporter must not wait for a phone
call to file. The event is ``pending`` over the reporter's village until a reviewer above the village decides.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from server import clock
from server.audit_trail import record, snapshot
from server.damage import figures as fig
from server.damage.service import create_report
from server.errors import AlreadyDecided, EventClosed, Forbidden, Invalid, InvalidTransition, MergeConflict
from server.events.models import Event
from server.events.service import AUDITED_FIELDS, STATUS_NAMES, disaster_type_errors, get_event, started_at_errors
from server.extensions import db
from server.idempotency import after_lost_race, by_client_id, insert_unless_taken, payload_digest, resend_or_conflict
from server.localevents.access import DECIDE_LOCAL_EVENTS, OPEN_LOCAL_EVENTS
from server.localevents.merge import duplicate_id_numbers, move_village_rows, rows_in_target
from server.locking import hold, settle
from server.orgunits.scope import statistics_unit

if TYPE_CHECKING:
    from server.users.models import User

# The 初报 filed with a local event gets a client_id derived from the event's, so a resend finds the same one.
_INITIAL_REPORT_NAMESPACE = uuid.UUID("7d1c3a52-6f0e-4c38-9a51-1b9a0f6c2e11")


def initial_report_client_id(event_client_id: str) -> str:
    return str(uuid.uuid5(_INITIAL_REPORT_NAMESPACE, event_client_id))


def _digest(*, village_id: int, fields: dict[str, Any], figures: dict, note: str) -> str:
    return payload_digest({"org_unit_id": village_id, **fields, "figures": fig.canonical(figures), "note": note})


def _resend(existing: Event, digest: str, village_id: int) -> Event:
    return resend_or_conflict(existing, digest, visible=existing.org_unit_id == village_id, what="本地灾害事件")


def open_local_event(
    *,
    actor: User,
    client_id: uuid.UUID | str,
    name: str,
    disaster_type: str,
    disaster_subtype: str | None = None,
    started_at: datetime | None = None,
    description: str = "",
    initial_report: dict[str, Any] | None = None,
) -> tuple[Event, bool]:
    """Open a pending event over the reporter's village and file its 初报 with it. Returns ``(event, created)``;
    a resend of the same ``client_id`` with the same payload gives the same event (created False)."""
    OPEN_LOCAL_EVENTS.check(actor)
    village = statistics_unit(actor)
    if village.level != "village":
        raise Forbidden("本地灾害事件由村（社区）信息员上报")
    client_id = str(uuid.UUID(str(client_id)))
    report = initial_report or {}
    stated = report.get("figures") or {}
    note = report.get("note") or ""
    started_at, errors = started_at_errors(started_at)
    errors.update(disaster_type_errors(disaster_type, disaster_subtype or None))
    if not name.strip():
        errors["name"] = ["名称不能为空"]
    fields = {
        "name": name.strip(),
        "disaster_type": disaster_type,
        "disaster_subtype": disaster_subtype or None,
        # The time as sent (None: now), so a resend made later hashes the same.
        "started_at": started_at.isoformat() if "started_at" not in errors and started_at else None,
        "description": (description or "").strip(),
    }
    digest = _digest(village_id=village.id, fields=fields, figures=fig.normalize(stated), note=note)
    existing = by_client_id(Event, client_id)
    if existing is not None:
        return _resend(existing, digest, village.id), False
    if errors:
        raise Invalid(errors)

    event = Event(
        name=fields["name"],
        disaster_type=disaster_type,
        disaster_subtype=fields["disaster_subtype"],
        started_at=started_at or clock.now(),
        org_unit=village,
        status="pending",
        drill=False,
        local=True,
        description=fields["description"],
        client_id=client_id,
        payload_hash=digest,
        status_reason="",
        created_by_id=actor.id,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    if not insert_unless_taken(event):
        # An identical request committed first (the unique client_id decided): the answer to a resend.
        return after_lost_race(
            lambda: by_client_id(Event, client_id), lambda found: _resend(found, digest, village.id)
        ), False
    record(
        actor=actor,
        action="event.report_local",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=village.id,
        changes={field: [None, value] for field, value in snapshot(event, (*AUDITED_FIELDS, "description")).items()},
    )
    _file_initial_report(actor=actor, event=event, client_id=client_id, figures=stated, note=note)
    return event, True


def _file_initial_report(*, actor: User, event: Event, client_id: str, figures: dict, note: str) -> None:
    try:
        create_report(
            actor=actor,
            event_id=event.id,
            client_id=initial_report_client_id(client_id),
            stage="initial",
            figures=figures,
            org_unit_id=event.org_unit_id,
            note=note,
        )
    except Invalid as error:
        # The figures are the "initial_report" part of this payload: name the fields as the client sent them.
        raise Invalid({f"initial_report.{key}": messages for key, messages in error.fields.items()}) from None


# --- the township's decision --------------------------------------------------------------------------------


def _pending_for_decision(actor: User, event_id: int, verb: str) -> Event:
    DECIDE_LOCAL_EVENTS.check(actor, message=f"只有审核员可以{verb}本地灾害事件")
    event = get_event(actor=actor, event_id=event_id)
    village = event.org_unit
    if not (actor.org_unit.contains(village) and actor.org_unit.rank < village.rank):
        raise Forbidden(f"只有该村所属乡镇或上级单位的审核员可以{verb}本地灾害事件")
    if not event.local:
        raise InvalidTransition(
            f"灾害过程当前为「{STATUS_NAMES.get(event.status, event.status)}」，不是待确认的本地灾害事件",
            details={"status": event.status},
        )
    if event.status != "pending":
        raise _already_decided(event, verb)
    return event


def _already_decided(event: Event, verb: str) -> AlreadyDecided:
    status = STATUS_NAMES.get(event.status, event.status)
    return AlreadyDecided(
        f"该本地灾害事件已被处理（当前为「{status}」），不能再{verb}，请刷新后查看",
        details={"status": event.status, "merged_into_id": event.merged_into_id},
    )


def _decide(actor: User, event: Event, status: str, verb: str, **values: Any) -> dict[str, list[Any]]:
    """Decide the pending event, once: a conditional UPDATE on its status (``locking.settle``), so of any number of
    decisions sent at once exactly one wins and the others answer 409 ``already_decided``. The UPDATE also takes the
    event's row lock, which the rows filed under the event hold shared (``locking.hold``): a merge's move comes after
    every row committed before it, and a row filed after it sees ``merged``."""
    before = snapshot(event, ("status", "merged_into_id", "status_reason"))
    now = clock.now()
    decided = {"status": status, **values, "decided_by_id": actor.id, "decided_at": now, "updated_at": now}
    if not settle(event, where=(Event.status == "pending",), values=decided):
        db.session.refresh(event)  # what the winner decided (committed: PostgreSQL waited for it)
        raise _already_decided(event, verb)
    after = snapshot(event, ("status", "merged_into_id", "status_reason"))
    return {key: [before[key], after[key]] for key in after if before[key] != after[key]}


def confirm(*, actor: User, event_id: int) -> Event:
    """The township confirms the village's event: it becomes an ordinary active event over the village."""
    event = _pending_for_decision(actor, event_id, "确认")
    changes = _decide(actor, event, "active", "确认")
    record(
        actor=actor,
        action="event.confirm",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=event.org_unit_id,
        changes=changes,
    )
    return event


def reject(*, actor: User, event_id: int, reason: str) -> Event:
    """The township rejects the village's event with a reason the reporter sees; its reports stop counting."""
    reason = (reason or "").strip()
    event = _pending_for_decision(actor, event_id, "退回")
    if not reason:
        raise Invalid({"reason": ["退回本地灾害事件时必须填写原因"]})
    changes = _decide(actor, event, "rejected", "退回", status_reason=reason)
    record(
        actor=actor,
        action="event.reject",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=event.org_unit_id,
        changes=changes,
    )
    return event


def merge(*, actor: User, event_id: int, into_event_id: int) -> Event:
    """Merge the village's event into an existing one that covers the village: its reports (and ledger rows) move
    to that event, each move audited; the local event stays as ``merged`` pointing at it, so a report still queued
    on the phone for it is filed to the event it joined."""
    event = _pending_for_decision(actor, event_id, "合并")
    village = event.org_unit
    if into_event_id == event.id:
        raise Invalid({"into_event_id": ["不能合并到自身"]})
    target = get_event(actor=actor, event_id=into_event_id)
    _check_target(target, village)
    changes = _decide(actor, event, "merged", "合并", merged_into_id=target.id)
    # The target's row, held exclusively: its ledgers take no new row (nor a changed ID number) until the rows
    # below have moved, so the ID-number check is exact and the move never meets the unique index. Re-checked: the
    # target may have closed before the lock.
    target = hold(Event, target.id, exclusive=True)
    _check_target(target, village)
    clashes = rows_in_target(source=event, target=target)
    if clashes:
        raise MergeConflict(
            f"{village.name}在「{target.name}」中已有报告，合并会重复计数；请退回本地事件并说明已在该过程中报送",
            details={"into_event_id": target.id, "existing": clashes},
        )
    duplicates = duplicate_id_numbers(source=event, target=target)
    if duplicates:
        raise MergeConflict(
            f"{village.name}台账中有身份证号码已在「{target.name}」的台账中登记，合并会重复计数；请先更正或退回这些登记",
            details={"into_event_id": target.id, "duplicates": duplicates},
        )

    moved = move_village_rows(actor=actor, source=event, target=target)
    record(
        actor=actor,
        action="event.merge",
        entity_type="event",
        entity_id=event.id,
        org_unit_id=village.id,
        changes={**changes, "moved": [None, moved]},
    )
    record(
        actor=actor,
        action="event.merge_in",
        entity_type="event",
        entity_id=target.id,
        org_unit_id=village.id,
        changes={"merged_from": [None, event.id], "moved": [None, moved]},
    )
    return event


def _check_target(target: Event, village) -> None:
    if target.status == "closed":
        raise EventClosed("目标灾害过程已结束，不能合并")
    errors = []
    if target.status not in ("active", "stable"):
        errors.append(
            f"目标灾害过程为「{STATUS_NAMES.get(target.status, target.status)}」，只能合并到进行中或稳定的灾害过程"
        )
    if target.drill:
        errors.append("不能合并到演练")
    if not target.org_unit.contains(village):
        errors.append(f"目标灾害过程「{target.name}」的范围不包括{village.name}")
    if errors:
        raise Invalid({"into_event_id": errors})
