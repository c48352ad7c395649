"""Acknowledgement (叫应) of a warning by an officer of a targeted village: idempotent for the offline outbox."""

from __future__ import annotations

from sqlalchemy import select

from server.audit_trail import record
from server.clock import now
from server.errors import Forbidden, InvalidTransition
from server.extensions import db
from server.idempotency import after_lost_race, by_client_id, insert_unless_taken, payload_digest, resend_or_conflict
from server.orgunits.models import OrgUnit
from server.users.models import User
from server.warnings.access import ACKNOWLEDGE
from server.warnings.models import WarningAck, WarningTarget
from server.warnings.service import get_warning, scope_root

ACK_FIELDS = ("households_notified", "persons_notified", "note")


def acknowledge(
    *,
    actor: User,
    warning_id: int,
    client_id=None,
    households_notified: int | None = None,
    persons_notified: int | None = None,
    note: str = "",
) -> tuple[WarningAck, bool]:
    """Record the village's answer. Returns ``(answer, created)``.

    Idempotent: a resend of the same ``client_id`` and payload returns the first answer, another payload under it
    is a 409; without a ``client_id``, an officer who already answered this revision gets that answer back
    unchanged. An answer after the window counts and is marked late.
    """
    warning = get_warning(actor=actor, warning_id=warning_id)
    ACKNOWLEDGE.check(actor)
    village = scope_root(actor)
    target = db.session.scalar(
        select(WarningTarget).where(WarningTarget.warning_id == warning.id, WarningTarget.org_unit_id == village.id)
    )
    if target is None:
        raise Forbidden("只有被预警村（社区）的信息员可以叫应")
    note = (note or "").strip()
    payload = {
        "warning_id": warning.id,
        "households_notified": households_notified,
        "persons_notified": persons_notified,
        "note": note,
    }
    digest = payload_digest(payload)
    client_id = str(client_id) if client_id is not None else None

    if client_id is not None:
        existing = by_client_id(WarningAck, client_id)
        if existing is not None:
            return _resent(existing, digest, village), False
    else:
        existing = db.session.scalar(
            select(WarningAck)
            .where(
                WarningAck.target_id == target.id,
                WarningAck.revision == warning.revision,
                WarningAck.acknowledged_by_id == actor.id,
            )
            .order_by(WarningAck.acknowledged_at, WarningAck.id)
            .limit(1)
        )
        if existing is not None:
            return existing, False
    if warning.status == "cancelled":
        raise InvalidTransition("该预警已撤销，无需叫应", details={"status": "cancelled"})

    at = now()
    ack = WarningAck(
        client_id=client_id,
        payload_hash=digest,
        warning_id=warning.id,
        target_id=target.id,
        org_unit_id=village.id,
        revision=warning.revision,
        acknowledged_by_id=actor.id,
        acknowledged_at=at,
        due_at=warning.ack_due_at,
        late=warning.ack_due_at is not None and at > warning.ack_due_at,
        households_notified=households_notified,
        persons_notified=persons_notified,
        note=note,
    )
    if not insert_unless_taken(ack):
        # Two sends of one client_id raced: the unique client_id let one in; answer the other like a resend.
        # (Without a client_id no unique key can refuse the answer.)
        return after_lost_race(
            lambda: None if client_id is None else by_client_id(WarningAck, client_id),
            lambda found: _resent(found, digest, village),
        ), False
    record(
        actor=actor,
        action="warning.ack",
        entity_type="warning",
        entity_id=warning.id,
        org_unit_id=village.id,
        changes={
            "client_id": [None, client_id],
            "revision": [None, ack.revision],
            "acknowledged_at": [None, at],
            "late": [None, ack.late],
            **{k: [None, payload[k]] for k in ACK_FIELDS},
        },
    )
    db.session.flush()
    return ack, True


def _resent(existing: WarningAck, digest: str, village: OrgUnit) -> WarningAck:
    return resend_or_conflict(existing, digest, visible=existing.org_unit_id == village.id, what="叫应")
