"""The audit trail's write side: who did what to which entity, with the before/after of changed fields.

A core module (it imports no feature), so every feature records audit rows without depending on the audit feature,
which only reads them (server/audit). ``record`` adds to the caller's transaction: the change and its audit row
commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.access import Actor
from server.clock import now
from server.extensions import db
from server.jsonable import jsonable
from server.types import UTCDateTime


class AuditLog(db.Model):
    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column()
    # The unit the entity belongs to: audit reads are scoped like everything else.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_audit_logs_entity", "entity_type", "entity_id"),)


# The channel a change came by: "http" (the API), or "sms" while the SMS webhook applies a message (``via``). Audit
# rows written meanwhile say so (``changes["channel"]``), and records with a channel column take it.
CHANNELS = ("http", "sms")
_channel: ContextVar[str] = ContextVar("channel", default="http")


@contextmanager
def via(channel: str) -> Iterator[None]:
    """Everything recorded inside came by ``channel`` (one of CHANNELS)."""
    assert channel in CHANNELS
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)


def current_channel() -> str:
    return _channel.get()


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {field: jsonable(getattr(obj, field)) for field in fields}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int,
    org_unit_id: int | None,
    changes: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction (flushed with it, committed by the request)."""
    changes = changes or {}
    if current_channel() != "http":
        changes = {**changes, "channel": current_channel()}
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        changes=jsonable(changes or {}),
    )
    db.session.add(entry)
    return entry


def record_many(
    *, actor: Actor | None, action: str, entity_type: str, rows: list[tuple[int, int | None, dict]]
) -> None:
    """``record`` for a stream (a national import's 600,000 creations): ``rows`` of ``(entity_id, org_unit_id,
    changes)`` inserted in one statement, without an ORM object each."""
    if rows:
        at = now()
        db.session.execute(
            AuditLog.__table__.insert(),
            [
                {
                    "at": at,
                    "actor_id": getattr(actor, "id", None),
                    "action": action,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "org_unit_id": org_unit_id,
                    "changes": jsonable(changes),
                }
                for entity_id, org_unit_id, changes in rows
            ],
        )
