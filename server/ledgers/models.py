"""Ledger rows: one per dead or missing person, one per damaged household, per event and village.

Rows are filed by the village's reporter (idempotent by ``client_id``, like reports), reviewed by the level above
with the village's reports, and changed later only through audited PATCHes (a missing person found alive or
confirmed dead, a house repaired). A returned row stops counting, as a returned report does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Integer, String, Text, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

SEXES = {"male": "男", "female": "女"}
CASUALTY_KINDS = {"dead": "死亡", "missing": "失踪"}
DAMAGE_CLASSES = {"collapsed": "倒塌", "severe": "严重损坏", "general": "一般损坏"}
# 房屋结构, as the national housing ledger lists them.
STRUCTURES = ("钢混", "砖混", "砖木", "土木", "石木", "其他")
# 恢复重建 / 维修 progress of a damaged house.
HOUSE_STATUSES = {
    "pending": "待处置",
    "repairing": "维修中",
    "repaired": "已维修",
    "rebuilding": "重建中",
    "rebuilt": "已重建",
}
REVIEW_STATUSES = {"submitted": "待审核", "approved": "已通过", "returned": "已退回"}

# One row per ID number and event among the rows that count (the partial unique indexes below, migration 0040): a
# returned row, and a missing person found alive, no longer count and leave the number free. The same condition as
# SQL text (the indexes) and as an expression (``holds_id_number``, the service's check): keep them in step.
CASUALTY_ID_HELD = "id_number <> '' AND review_status <> 'returned' AND NOT found_alive"
HOUSE_ID_HELD = "id_number <> '' AND review_status <> 'returned'"


class _LedgerRow:
    """Columns both ledgers share: idempotency, the event and village, review, who filed it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    # sha256 of the canonical submitted payload: a resend is compared by it (same → 200, other → 409).
    payload_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    # 公民身份号码 (GB 11643), "" when unknown. Personal data: masked in every response, export and audit row.
    id_number: Mapped[str] = mapped_column(String(18), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    review_status: Mapped[str] = mapped_column(String(10), default="submitted")
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking of changes and reviews
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")


class Casualty(_LedgerRow, db.Model):
    """因灾死亡失踪人口台账: one dead or missing person."""

    __tablename__ = "casualties"

    name: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(6))
    age: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # dead | missing
    found_alive: Mapped[bool] = mapped_column(Boolean, default=False)  # a missing person found alive: no longer counted
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 死亡（失踪）时间
    place: Mapped[str] = mapped_column(String(200), default="")  # 死亡（失踪）地点
    cause: Mapped[str] = mapped_column(String(20), default="")  # 致灾原因: a disaster type or sub-type

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    submitted_by = relationship("User", foreign_keys="Casualty.submitted_by_id", lazy="joined")
    reviewed_by = relationship("User", foreign_keys="Casualty.reviewed_by_id", lazy="joined")

    __table_args__ = (
        Index("ix_casualties_event_unit", "event_id", "org_unit_id"),
        Index(
            "uq_casualties_event_id_number",
            "event_id",
            "id_number",
            unique=True,
            sqlite_where=text(CASUALTY_ID_HELD),
            postgresql_where=text(CASUALTY_ID_HELD),
        ),
    )

    @classmethod
    def holds_id_number(cls) -> ColumnElement[bool]:
        """The rows whose ID number no other row of the event may have (``CASUALTY_ID_HELD``)."""
        return and_(cls.id_number != "", cls.review_status != "returned", cls.found_alive.is_(False))

    @staticmethod
    def would_hold_id_number(values: dict) -> bool:
        return bool(values["id_number"]) and values["review_status"] != "returned" and not values.get("found_alive")


class DamagedHouse(_LedgerRow, db.Model):
    """因灾倒塌损坏住房户台账: one household whose house collapsed or was damaged."""

    __tablename__ = "damaged_houses"

    head_name: Mapped[str] = mapped_column(String(50))  # 户主姓名
    structure: Mapped[str] = mapped_column(String(10))  # 房屋结构
    damage: Mapped[str] = mapped_column(String(10))  # collapsed | severe | general
    rooms: Mapped[int] = mapped_column(Integer)  # 间数
    transitional_aid_persons: Mapped[int] = mapped_column(Integer, default=0)  # 需过渡期生活救助人数
    status: Mapped[str] = mapped_column(String(12), default="pending")  # 恢复重建 / 维修进度

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    submitted_by = relationship("User", foreign_keys="DamagedHouse.submitted_by_id", lazy="joined")
    reviewed_by = relationship("User", foreign_keys="DamagedHouse.reviewed_by_id", lazy="joined")

    __table_args__ = (
        Index("ix_damaged_houses_event_unit", "event_id", "org_unit_id"),
        Index(
            "uq_damaged_houses_event_id_number",
            "event_id",
            "id_number",
            unique=True,
            sqlite_where=text(HOUSE_ID_HELD),
            postgresql_where=text(HOUSE_ID_HELD),
        ),
    )

    @classmethod
    def holds_id_number(cls) -> ColumnElement[bool]:
        """The rows whose ID number no other row of the event may have (``HOUSE_ID_HELD``)."""
        return and_(cls.id_number != "", cls.review_status != "returned")

    @staticmethod
    def would_hold_id_number(values: dict) -> bool:
        return bool(values["id_number"]) and values["review_status"] != "returned"
