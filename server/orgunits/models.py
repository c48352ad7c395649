"""The administrative tree (行政区划): province → city → county → township → village → grid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import now
from server.extensions import db
from server.fields import UNIT_FIELDS
from server.types import UTCDateTime

LEVELS = ("province", "city", "county", "township", "village", "grid")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
# 统计用区划代码 lengths by level; a grid code is its village's code plus a suffix.
CODE_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
LEVEL_NAMES = {
    "province": "省",
    "city": "市",
    "county": "县",
    "township": "乡镇",
    "village": "村",
    "grid": "网格",
}


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Materialized path of codes, "/361130/361130100/361130100201/": a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    __table_args__ = (
        # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' whatever the collation.
        Index("ix_org_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        Index("ix_org_units_level", "level"),
    )

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def contains(self, other: OrgUnit) -> bool:
        """True when ``other`` is this unit or lies in its subtree."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name}>"


# OrgUnitOut's fields as columns: a unit in a plain-row query (the roll-up's children, a warning's silent villages).
UNIT_COLUMNS = tuple(getattr(OrgUnit, name) for name in UNIT_FIELDS)
