"""Evacuation (转移避险) per village and event, and the shelter registry (避难场所)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import Money, UTCDateTime

SHELTER_KINDS = ("school", "square", "park", "stadium", "hall", "other")
SHELTER_KIND_NAMES = {
    "school": "学校",
    "square": "广场",
    "park": "公园",
    "stadium": "体育场馆",
    "hall": "礼堂/活动中心",
    "other": "其他",
}
FACILITIES = ("water", "power", "medical", "toilets", "kitchen", "beds")


class Shelter(db.Model):
    __tablename__ = "shelters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer)  # persons
    area_m2: Mapped[Decimal | None] = mapped_column(Money)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    facilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    # Persons placed here now (current reports of open, real events); filled per query by the service's
    # with_expression so a list computes it in one grouped subquery, never per shelter.
    occupancy: Mapped[int | None] = query_expression()

    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)


class EvacuationReport(db.Model):
    """Cumulative counts for one village and event; the newest report is current (as damage reports)."""

    __tablename__ = "evacuation_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    evacuated: Mapped[int] = mapped_column(Integer, default=0)  # 紧急避险转移
    centralized: Mapped[int] = mapped_column(Integer, default=0)  # 集中安置
    dispersed: Mapped[int] = mapped_column(Integer, default=0)  # 分散安置
    returned: Mapped[int] = mapped_column(Integer, default=0)  # 已返回
    note: Mapped[str] = mapped_column(Text, default="")
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    submitted_by = relationship("User", lazy="joined")
    allocations: Mapped[list[ShelterAllocation]] = relationship(
        back_populates="report", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        Index(
            "uq_evacuation_reports_current",
            "event_id",
            "org_unit_id",
            unique=True,
            sqlite_where=text("current"),
            postgresql_where=text("current"),
        ),
        Index("ix_evacuation_reports_event_unit", "event_id", "org_unit_id", "submitted_at"),
    )


class ShelterAllocation(db.Model):
    """Centralized persons of one evacuation report placed in one shelter."""

    __tablename__ = "shelter_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    evacuation_report_id: Mapped[int] = mapped_column(ForeignKey("evacuation_reports.id"), index=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id"), index=True)
    persons: Mapped[int] = mapped_column(Integer)

    report: Mapped[EvacuationReport] = relationship(back_populates="allocations")
    shelter: Mapped[Shelter] = relationship(lazy="joined")
