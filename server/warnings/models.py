"""Warnings (预警) and their acknowledgement (叫应) by each targeted village, and the escalation of the silent.

A warning's targets are expanded to villages when it is issued and stored (``WarningTarget``): a unit moved or
added later never rewrites whom a warning was sent to. Every update starts a new ``revision`` that each village
must acknowledge again; acknowledgements and escalations belong to the revision they answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

# 预警级别, the four colours, most severe last
LEVELS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
SEVERITY = {level: rank for rank, level in enumerate(LEVELS, start=1)}
STATUSES = {"active": "生效中", "expired": "已过期", "cancelled": "已撤销"}


class EarlyWarning(db.Model):
    """预警. Named so as not to shadow Python's built-in ``Warning``."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(8))
    disaster_type: Mapped[str] = mapped_column(String(20))
    # The issuing unit (the issuer's scope): reviewers whose scope covers it may update or cancel the warning.
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: no acknowledgement window (blue by default): answers are welcome, nobody is ever overdue.
    ack_within_minutes: Mapped[int | None] = mapped_column(Integer)
    # The current revision's deadline for 叫应: revised_at + ack_within_minutes.
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | cancelled (expired is computed)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # The unit ids as the issuer gave them (townships, villages...); the villages they expanded to are the targets.
    target_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Optimistic locking (server/locking.py): a change claims the version it read; of two at once, one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    issuer_unit: Mapped[OrgUnit] = relationship(lazy="joined", foreign_keys=[issuer_unit_id])
    issued_by = relationship("User", lazy="joined", foreign_keys=[issued_by_id])

    __table_args__ = (
        CheckConstraint("ack_within_minutes IS NULL OR ack_within_minutes > 0", name="ack_window_positive"),
        Index("ix_warnings_status_expires", "status", "expires_at"),
    )

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, self.level)

    @property
    def current_status(self) -> str:
        if self.status == "cancelled":
            return "cancelled"
        return "expired" if self.expires_at <= now() else "active"

    @property
    def active(self) -> bool:
        return self.current_status == "active"

    @property
    def status_name(self) -> str:
        return STATUSES[self.current_status]

    def overdue_after(self) -> datetime | None:
        """When silence became overdue for the current revision, if it has: the due time, unless the warning was
        cancelled before it (a cancelled warning asks nothing more)."""
        if self.ack_due_at is None:
            return None
        if self.cancelled_at is not None and self.cancelled_at <= self.ack_due_at:
            return None
        return self.ack_due_at if self.ack_due_at < now() else None


def severity_order():
    """SQL: the level's severity (red 4 … blue 1) for ordering most severe first."""
    return case(SEVERITY, value=EarlyWarning.level, else_=0)


class WarningTarget(db.Model):
    """One village a warning was sent to (到村), as expanded at issue time."""

    __tablename__ = "warning_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # the village
    # The village's township at issue time, for the township roll-up of a county warning.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    # The unit as targeted (the township or county the village was expanded from, or the village itself).
    via_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))

    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])

    __table_args__ = (UniqueConstraint("warning_id", "org_unit_id", name="uq_warning_targets_village"),)


class WarningAck(db.Model):
    """An answer (叫应) by an officer of a targeted village. A village may answer more than once (its A and B
    officers, or one phone twice); the earliest answer to the current revision is the village's acknowledgement."""

    __tablename__ = "warning_acks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("warning_targets.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the village
    revision: Mapped[int] = mapped_column(Integer)
    acknowledged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the revision's deadline when answered
    late: Mapped[bool] = mapped_column(default=False)  # answered after due_at: counts, marked late
    households_notified: Mapped[int | None] = mapped_column(Integer)  # 到户
    persons_notified: Mapped[int | None] = mapped_column(Integer)  # 到人
    note: Mapped[str] = mapped_column(Text, default="")

    acknowledged_by = relationship("User", lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(households_notified IS NULL OR households_notified >= 0) AND "
            "(persons_notified IS NULL OR persons_notified >= 0)",
            name="notified_not_negative",
        ),
        Index("ix_warning_acks_target_revision", "target_id", "revision", "acknowledged_at"),
        Index("ix_warning_acks_warning", "warning_id", "revision"),
    )

    @property
    def by(self):
        return self.acknowledged_by


class WarningEscalation(db.Model):
    """A village silent past the window of a revision, escalated once to the duty contacts above it; the
    notifier's delivery attempts are kept with it."""

    __tablename__ = "warning_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("warning_targets.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notifier: Mapped[str] = mapped_column(String(16))
    # pending (claimed, not yet delivered) | sent | failed (every attempt failed; a later run tries again)
    delivery: Mapped[str] = mapped_column(String(10), default="pending")
    # What the notifier is given: the warning, the village, its officers and the duty contacts above it.
    message: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{at, ok, status, error}]

    __table_args__ = (
        UniqueConstraint("target_id", "revision", name="uq_warning_escalations_target_revision"),
        Index("ix_warning_escalations_delivery", "delivery"),
    )
