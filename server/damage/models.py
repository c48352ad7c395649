"""Damage reports (灾情报告): 初报 / 续报 / 核报 per village and event, append-only, one current per village."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import Money, UTCDateTime

STAGES = ("initial", "update", "final")
STAGE_NAMES = {"initial": "初报", "update": "续报", "final": "核报"}
REPORT_STATUSES = ("submitted", "approved", "returned")
STATUS_NAMES = {"submitted": "待审核", "approved": "已通过", "returned": "已退回"}


class DamageReport(db.Model):
    __tablename__ = "damage_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    # sha256 of the canonical submitted payload: a resend is compared by it (same → 200, other → 409).
    payload_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    stage: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    # The village's newest non-returned report; only current rows count in roll-ups.
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    is_zero: Mapped[bool] = mapped_column(Boolean, default=False)  # 零报告
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking of reviews
    note: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str] = mapped_column(Text, default="")
    # How it arrived: "http" (the app, the API) or "sms" (短信报灾, server/sms); a later resend does not change it.
    channel: Mapped[str] = mapped_column(String(8), default="http", server_default="http")

    affected_population: Mapped[int] = mapped_column(Integer, default=0)  # 受灾人口
    deaths: Mapped[int] = mapped_column(Integer, default=0)  # 因灾死亡人口
    missing: Mapped[int] = mapped_column(Integer, default=0)  # 因灾失踪人口
    injured: Mapped[int] = mapped_column(Integer, default=0)  # 因灾受伤人口
    relocated: Mapped[int] = mapped_column(Integer, default=0)  # 紧急转移安置人口
    relocated_centralized: Mapped[int] = mapped_column(Integer, default=0)  # 其中集中安置
    relocated_dispersed: Mapped[int] = mapped_column(Integer, default=0)  # 其中分散安置
    needing_aid: Mapped[int] = mapped_column(Integer, default=0)  # 需紧急生活救助人口
    houses_collapsed_households: Mapped[int] = mapped_column(Integer, default=0)  # 倒塌房屋 户
    houses_collapsed_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 倒塌房屋 间
    houses_severe_households: Mapped[int] = mapped_column(Integer, default=0)  # 严重损坏房屋 户
    houses_severe_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 严重损坏房屋 间
    houses_general_households: Mapped[int] = mapped_column(Integer, default=0)  # 一般损坏房屋 户
    houses_general_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 一般损坏房屋 间
    crops_affected_ha: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # 农作物受灾面积
    crops_damaged_ha: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # 农作物成灾面积
    crops_lost_ha: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # 农作物绝收面积
    direct_loss_10k_yuan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # 直接经济损失 万元
    # 干旱 only (0 for every other type): 因旱饮水困难需救助人口 / 因旱饮水困难需救助大牲畜 (头)
    drought_drinking_people: Mapped[int] = mapped_column(Integer, default=0)
    drought_drinking_livestock: Mapped[int] = mapped_column(Integer, default=0)

    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    # Read from the identity map on the write path (the service loaded the event); the type decides which
    # indicators the report shows.
    event = relationship("Event", lazy="select", viewonly=True)
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="joined")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="joined")
    # By name: photos sits above damage (an upload looks its report up). Read by the single read only, in one
    # statement whatever their number (``review.read_report``); lists and writes never touch it.
    photos = relationship("Photo", order_by="Photo.id", lazy="select", viewonly=True)

    __table_args__ = (
        # At most one current report per (event, village), whatever races happen.
        Index(
            "uq_damage_reports_current",
            "event_id",
            "org_unit_id",
            unique=True,
            sqlite_where=text("current"),
            postgresql_where=text("current"),
        ),
        Index("ix_damage_reports_event_unit", "event_id", "org_unit_id", "submitted_at"),
        # The stage check probes for a live initial / final of the village: one index probe, whatever its history.
        Index("ix_damage_reports_stage", "event_id", "org_unit_id", "stage"),
    )
