"""Photos attached to a hazard or a damage report. The file lives in the media store under its content address;
the row keeps where, what it is, and the position and capture time read from its EXIF (or, when the image has
none, as the uploading phone reported them)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import now
from server.extensions import db
from server.types import UTCDateTime

KINDS = ("before", "after")  # 整改前 / 整改后


class Photo(db.Model):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"))
    damage_report_id: Mapped[int | None] = mapped_column(ForeignKey("damage_reports.id", ondelete="CASCADE"))
    kind: Mapped[str | None] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (re-encoded) file: the ETag too
    source_sha256: Mapped[str] = mapped_column(String(64))  # of the upload: a resend is known before decoding
    storage_key: Mapped[str] = mapped_column(String(100), index=True)
    thumbnail_key: Mapped[str] = mapped_column(String(100), index=True)
    thumbnail_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    thumbnail_bytes: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # EXIF DateTimeOriginal
    lat: Mapped[float | None] = mapped_column(Float)  # EXIF GPS
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)  # horizontal accuracy of lat/lon, metres
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        CheckConstraint("(hazard_id IS NULL) <> (damage_report_id IS NULL)", name="one_parent"),  # exactly one parent
        CheckConstraint("kind IS NULL OR kind IN ('before', 'after')", name="kind"),
        # The same picture twice for the same parent is one Photo, even when two uploads race.
        UniqueConstraint("hazard_id", "sha256", name="uq_photos_hazard_sha256"),
        UniqueConstraint("damage_report_id", "sha256", name="uq_photos_damage_report_sha256"),
        Index("ix_photos_hazard_source", "hazard_id", "source_sha256"),
        Index("ix_photos_damage_report_source", "damage_report_id", "source_sha256"),
    )

    @property
    def url(self) -> str:
        return url_for("photos.get_photo", photo_id=self.id)

    @property
    def thumbnail_url(self) -> str:
        return url_for("photos.get_thumbnail", photo_id=self.id)
