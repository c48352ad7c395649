"""Sign-off (乡镇上报, 县级上报, 市级上报): a unit's roll-up frozen; the level above accepts or returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

SIGNOFF_STATUSES = ("submitted", "accepted", "returned")
SIGNOFF_STATUS_NAMES = {"submitted": "待上级审核", "accepted": "已接收", "returned": "已退回"}


class SignOff(db.Model):
    __tablename__ = "signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the township, county or city that signs
    # The roll-up as the township saw it when signing, in the API's JSON form (decimals as strings).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    evacuation: Mapped[dict[str, Any]] = mapped_column(JSON)
    reporting: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    # A newer sign-off of the same township supersedes this one; only the current one is shown to the county.
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking of reviews
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="joined")

    __table_args__ = (
        Index("ix_signoffs_event_unit", "event_id", "org_unit_id", "current"),
        # At most one current sign-off per (event, township), whatever races happen (as for damage reports).
        Index(
            "uq_signoffs_current",
            "event_id",
            "org_unit_id",
            unique=True,
            sqlite_where=text("current"),
            postgresql_where=text("current"),
        ),
    )
