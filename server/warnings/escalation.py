"""Escalation of the silent (``flask warnings escalate``, every minute from cron or a systemd timer).

A run has two steps, each committed on its own:

1. **Escalate**: every target of an active warning whose current revision's window has passed without an answer,
   and that was not escalated for this revision yet, gets one ``WarningEscalation`` row (unique per target and
   revision: two overlapping runs, or a run repeated, escalate it once) with the message for the duty contacts
   above the village: the reviewers of its township and county, with their phones, and the village's officers.
2. **Deliver**: each escalation not delivered yet is handed to the notifier; its tries are recorded. A delivery
   that failed every try is tried again by the next runs, up to ``WARNING_NOTIFY_MAX_ATTEMPTS`` tries in all; when
   the gateway fails, the run stops delivering (the rest wait for the next run instead of each waiting out the
   timeouts). On PostgreSQL a row being delivered is locked (``SKIP LOCKED``), so overlapping runs never send the
   same escalation twice.

Being correct never depends on this job: the status and the dashboard compute overdue from the clock at read
time. The job only tells people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, select

from server.audit_trail import record
from server.clock import now
from server.extensions import db
from server.fields import local_iso, local_short
from server.idempotency import insert_unless_taken
from server.orgunits.models import OrgUnit
from server.users.contacts import village_officers
from server.users.models import User
from server.warnings.models import EarlyWarning, WarningEscalation, WarningTarget
from server.warnings.notifiers import Notifier, notifier_from_config
from server.warnings.status import first_answers

CONTACT_LEVELS = ("township", "county")  # 乡镇、县 duty contacts above a village


@dataclass
class RunResult:
    escalated: int = 0
    delivered: int = 0
    failed: int = 0
    waiting: int = 0  # not delivered in this run (the gateway failed first): the next run tries


def overdue_unescalated() -> list[tuple[WarningTarget, EarlyWarning, OrgUnit]]:
    """Targets of active warnings silent past their window and not escalated for the current revision."""
    at = now()
    first = first_answers(EarlyWarning.status == "active", EarlyWarning.expires_at > at)
    stmt = (
        select(WarningTarget, EarlyWarning, OrgUnit)
        .join(EarlyWarning, EarlyWarning.id == WarningTarget.warning_id)
        .join(OrgUnit, OrgUnit.id == WarningTarget.org_unit_id)
        .outerjoin(first, first.c.target_id == WarningTarget.id)
        .outerjoin(
            WarningEscalation,
            and_(WarningEscalation.target_id == WarningTarget.id, WarningEscalation.revision == EarlyWarning.revision),
        )
        .where(
            EarlyWarning.status == "active",
            EarlyWarning.expires_at > at,
            EarlyWarning.ack_due_at.is_not(None),
            EarlyWarning.ack_due_at < at,
            first.c.first_at.is_(None),
            WarningEscalation.id.is_(None),
        )
        .order_by(EarlyWarning.id, OrgUnit.code)
    )
    return list(db.session.execute(stmt).tuples())


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    codes = [part for part in unit.path.split("/") if part]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes) - 1)]


def duty_contacts(villages: list[OrgUnit]) -> dict[int, list[dict[str, Any]]]:
    """The active reviewers of each village's township and county (值班联系人), nearest first. One query."""
    paths = {path for village in villages for path in _ancestor_paths(village)}
    if not paths:
        return {}
    stmt = (
        select(User.id, User.name, User.phone, OrgUnit)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(
            User.role == "reviewer",
            User.active.is_(True),
            OrgUnit.level.in_(CONTACT_LEVELS),
            OrgUnit.path.in_(paths),
        )
        .order_by(OrgUnit.path.desc(), User.id)
    )
    by_path: dict[str, list[dict[str, Any]]] = {}
    for user_id, name, phone, unit in db.session.execute(stmt):
        by_path.setdefault(unit.path, []).append(
            {
                "id": user_id,
                "name": name,
                "phone": phone,
                "org_unit": {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level},
            }
        )
    return {
        village.id: [c for path in reversed(_ancestor_paths(village)) for c in by_path.get(path, [])]
        for village in villages
    }


def _message(warning: EarlyWarning, village: OrgUnit, township: OrgUnit | None, officers, contacts) -> dict:
    due = local_short(warning.ack_due_at)
    calls = "、".join(f"{o['name']} {o['phone']}".strip() for o in officers) or "（无登记信息员）"
    return {
        "event": "warning.overdue",
        "escalation_id": None,  # set once the row has its id
        "warning": {
            "id": warning.id,
            "title": warning.title,
            "level": warning.level,
            "level_name": warning.level_name,
            "disaster_type": warning.disaster_type,
            "revision": warning.revision,
            "issued_at": local_iso(warning.issued_at),
            "ack_due_at": local_iso(warning.ack_due_at),
        },
        "village": {"id": village.id, "code": village.code, "name": village.name},
        "township": None if township is None else {"id": township.id, "code": township.code, "name": township.name},
        "officers": officers,
        "contacts": contacts,
        "text": (
            f"【叫应逾期】{township.name + ' ' if township else ''}{village.name} 未在 {due} 前叫应"
            f"{warning.level_name}预警「{warning.title}」，请立即联系村信息员：{calls}"
        ),
    }


def escalate_overdue(notifier_name: str) -> int:
    """Step 1: one escalation row per newly overdue target (flushed, not committed). Returns how many."""
    found = overdue_unescalated()
    if not found:
        return 0
    villages = [village for _, _, village in found]
    contacts = duty_contacts(villages)
    officers = village_officers({v.id for v in villages}, "/")
    township_ids = {target.township_id for target, _, _ in found if target.township_id is not None}
    townships = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(township_ids)))}
    at = now()
    count = 0
    for target, warning, village in found:
        township = townships.get(target.township_id)
        message = _message(warning, village, township, officers.get(village.id, []), contacts.get(village.id, []))
        escalation = WarningEscalation(
            warning_id=warning.id,
            target_id=target.id,
            revision=warning.revision,
            escalated_at=at,
            notifier=notifier_name,
            delivery="pending",
            message=message,
            attempts=[],
        )
        if not insert_unless_taken(escalation):  # another run escalated it meanwhile: the unique key says so
            continue
        escalation.message = {**message, "escalation_id": escalation.id}
        record(
            actor=None,
            action="warning.escalate",
            entity_type="warning",
            entity_id=warning.id,
            org_unit_id=village.id,
            changes={
                "village": [None, village.name],
                "revision": [None, warning.revision],
                "ack_due_at": [None, warning.ack_due_at],
                "contacts": [None, [c["name"] for c in message["contacts"]]],
            },
        )
        count += 1
    db.session.flush()
    return count


def deliver_pending(notifier: Notifier, result: RunResult) -> None:
    """Step 2: hand every undelivered escalation to the notifier, one transaction each."""
    max_attempts = int(current_app.config["WARNING_NOTIFY_MAX_ATTEMPTS"])
    ids = db.session.scalars(
        select(WarningEscalation.id)
        .where(WarningEscalation.delivery.in_(("pending", "failed")))
        .order_by(WarningEscalation.id)
    ).all()
    db.session.commit()  # a CLI run, not a request: ends the read before the first (slow) delivery
    for position, escalation_id in enumerate(ids):
        escalation = db.session.scalar(
            select(WarningEscalation)
            .where(WarningEscalation.id == escalation_id, WarningEscalation.delivery.in_(("pending", "failed")))
            .with_for_update(skip_locked=True)
        )
        if escalation is None or len(escalation.attempts) >= max_attempts:
            db.session.rollback()
            continue
        delivery = notifier.send(escalation.message)
        escalation.attempts = [*escalation.attempts, *delivery.attempts]
        escalation.delivery = "sent" if delivery.ok else "failed"
        escalation.notifier = notifier.name
        db.session.commit()  # one transaction per delivery: a sent message stays recorded if a later one fails
        if delivery.ok:
            result.delivered += 1
        else:
            result.failed += 1
            result.waiting = len(ids) - position - 1
            return  # the gateway is failing: the rest wait for the next run


def run(notifier: Notifier | None = None) -> RunResult:
    """One run of ``flask warnings escalate``: escalate the newly silent, then deliver what waits."""
    notifier = notifier or notifier_from_config(current_app.config)
    result = RunResult()
    result.escalated = escalate_overdue(notifier.name)
    db.session.commit()  # the escalations stand before any is handed to the notifier
    deliver_pending(notifier, result)
    return result
