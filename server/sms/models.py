"""Inbound SMS (短信报灾): every message the gateway delivered, and the parts of long ones waiting for siblings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import now
from server.extensions import db
from server.types import UTCDateTime

# accepted: a new record; resent: its client_id was on file (same payload), the same record; refused: nothing
# applied (reason says why); waiting: a part whose siblings have not all arrived.
OUTCOMES = ("accepted", "resent", "refused", "waiting")
REPLY_STATUSES = ("", "queued", "sent", "failed")  # "": no reply (a part, an unknown number)


class SmsMessage(db.Model):
    """One delivered SMS: the gateway's health (the last received), the audit of refusals, the reply sent."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    sender: Mapped[str] = mapped_column(String(32))  # the number as the gateway gave it
    text: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40), default="")  # a refusal's code (bad_mac, expired, stage_order…)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the signer, once known
    kind: Mapped[str] = mapped_column(String(16), default="")  # damage / evacuation / ack
    client_id: Mapped[str] = mapped_column(String(36), default="")
    entity_type: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    reply: Mapped[str] = mapped_column(Text, default="")
    reply_status: Mapped[str] = mapped_column(String(10), default="")


class SmsPart(db.Model):
    """A part (``GR1 i/n <mac> …``) kept until its siblings arrive (any order) or it expires (SMS_PART_HOURS)."""

    __tablename__ = "sms_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))  # normalized number: parts of one message come from one phone
    mac: Mapped[str] = mapped_column(String(8))
    total: Mapped[int] = mapped_column(Integer)
    index: Mapped[int] = mapped_column(Integer)
    chunk: Mapped[str] = mapped_column(String(160))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        UniqueConstraint("sender", "mac", "total", "index", name="uq_sms_parts_part"),  # a part delivered twice
        Index("ix_sms_parts_received_at", "received_at"),
    )
