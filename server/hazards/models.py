"""Hazards (隐患) and the ledger (台账): a hazard found in a village or grid and driven to closure (销号)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.fields import local_year
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

# 隐患类型 (PRODUCT.md), key → 中文
CATEGORIES = {
    "landslide": "滑坡",
    "collapse": "崩塌",
    "debris_flow": "泥石流",
    "ground_subsidence": "地面塌陷",
    "flash_flood": "山洪",
    "waterlogging": "内涝",
    "embankment": "河道堤防",
    "reservoir": "水库山塘",
    "dangerous_house": "危房",
    "forest_fire": "森林火险",
    "road_bridge": "道路桥梁",
    "work_safety": "安全生产",
    "other": "其他",
}
# 风险等级: four colours
RISK_LEVELS = {"low": "低（蓝）", "medium": "一般（黄）", "high": "较大（橙）", "major": "重大（红）"}
STATUSES = {
    "reported": "已上报",
    "verified": "已核实",
    "rejected": "已排除",
    "rectifying": "整改中",
    "rectified": "已整改",
    "closed": "已销号",
}
ACTIONS = {
    "report": "上报",
    "verify": "核实",
    "reject": "排除",
    "start_rectification": "开始整改",
    "report_rectified": "报告整改完成",
    "close": "销号",
    "reopen": "重新打开",
}


def hazard_number(found_at: datetime, hazard_id: int) -> str:
    """编号 in the ledger: YH + year found (local) + id; the model and the ledger's plain rows both call it."""
    return f"YH{local_year(found_at)}-{hazard_id:06d}"


class Hazard(db.Model):
    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    # sha256 of the canonical created payload: a resend is compared by it (same → 200, other → 409).
    payload_hash: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # village or grid
    category: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Location: GPS (with the phone's accuracy) or an address, or both.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(255), default="")
    threatened_households: Mapped[int] = mapped_column(Integer, default=0)  # 威胁户数
    threatened_persons: Mapped[int] = mapped_column(Integer, default=0)  # 威胁人数
    risk_level: Mapped[str] = mapped_column(String(8))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 挂牌督办: every major (red) hazard
    # Rectification (整改), set by start_rectification
    measures: Mapped[str] = mapped_column(Text, default="")  # 措施
    responsible_person: Mapped[str] = mapped_column(String(64), default="")  # 责任人
    monitor_person: Mapped[str] = mapped_column(String(64), default="")  # 监测人
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 时限
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 销号日期
    # Optimistic locking: two reviewers acting on the same hazard, one wins, the other gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    reported_by = relationship("User", lazy="joined")
    steps: Mapped[list[HazardStep]] = relationship(back_populates="hazard", order_by="HazardStep.id", lazy="selectin")
    photos = relationship("Photo", order_by="Photo.id", lazy="selectin", viewonly=True)

    __table_args__ = (
        CheckConstraint("threatened_households >= 0 AND threatened_persons >= 0", name="threatened_not_negative"),
        Index("ix_hazards_status_deadline", "status", "deadline"),
        Index("ix_hazards_found_at", "found_at"),
    )

    @property
    def overdue(self) -> bool:
        """整改逾期: still being rectified after its deadline."""
        return self.status == "rectifying" and self.deadline is not None and self.deadline < now()

    @property
    def number(self) -> str:
        """编号 in the ledger: YH + year found (local) + id."""
        return hazard_number(self.found_at, self.id)

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def risk_level_name(self) -> str:
        return RISK_LEVELS.get(self.risk_level, self.risk_level)

    @property
    def status_name(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def history(self) -> list[HazardStep]:
        return self.steps


def overdue_clause():
    """SQL twin of ``Hazard.overdue``."""
    return and_(Hazard.status == "rectifying", Hazard.deadline.is_not(None), Hazard.deadline < now())


class HazardStep(db.Model):
    """One step of a hazard's life: who did what, when and why (the history shown with the hazard)."""

    __tablename__ = "hazard_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    hazard: Mapped[Hazard] = relationship(back_populates="steps")
    actor = relationship("User", lazy="joined")
