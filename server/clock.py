"""The one clock of the app. Deadlines and timestamps read ``now()``; tests set it with ``set_now``."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

_fixed: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(value: datetime | None) -> None:
    """Freeze the clock at ``value`` (aware) or release it with ``None``. For tests and scripted runs."""
    global _fixed
    if value is not None and value.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _fixed = value.astimezone(UTC) if value is not None else None


def local_zone() -> tzinfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value (SQLite drops the offset) is taken as UTC, which is how we store it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value).astimezone(local_zone())
