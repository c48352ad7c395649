"""Disaster events (灾害过程): the frame every statistic belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

# pending: opened from below by a village (本地事件), waiting for its township; it ends confirmed (active), merged
# into another event (merged) or rejected. active → stable → closed is the life of every real event.
EVENT_STATUSES = ("pending", "active", "stable", "closed", "merged", "rejected")

# 灾种 / 亚灾种: the national list of the 2020 自然灾害情况统计调查制度 (PRODUCT.md), published at
# GET /disaster-types so no client keeps a copy. A type without sub-types takes none. 海洋灾害 is the 制度's too
# (a coastal county needs it).
DISASTER_TYPES: dict[str, tuple[str, ...]] = {
    "洪涝": ("江河洪水", "山区洪水", "城镇内涝"),
    "干旱": (),
    "台风": (),
    "风雹": ("大风", "冰雹", "龙卷风", "雷电"),
    "低温冷冻": (),
    "雪灾": (),
    "沙尘暴": (),
    "地震": (),
    "地质灾害": ("崩塌", "滑坡", "泥石流", "地面塌陷"),
    "海洋灾害": ("风暴潮", "海浪", "海冰", "海啸"),
    "森林草原火灾": (),
    "生物灾害": (),
    "其他": (),
}


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    disaster_type: Mapped[str] = mapped_column(String(20))
    disaster_subtype: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The area: the villages under this unit are expected to report.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    drill: Mapped[bool] = mapped_column(Boolean, default=False)  # 演练: kept out of every real total
    stable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    # Local events (reported from below): what the village says happened, the phone's id for the resend check,
    # and how the township decided (merged into which event, or why it was rejected).
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __table_args__ = (Index("ix_events_status", "status"),)
