"""The API's vocabulary of fields, in one module: the base of every request schema (unknown fields refused, ASCII
numerals, integers that fit the database), the one local date-time field and its plain-row twins (``local_iso``;
``local_cell`` and ``local_wall`` for export cells; the texts of forms, messages and file names), the shared query
mixins (page, unit filter) and the views of a user and a unit that responses nest (``UNIT_FIELDS``: a unit's as
plain rows carry it).

Local time is formatted here and nowhere else (tests/test_one_way.py): a new shape of local time is a new function
below, beside the others."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.clock import as_utc, local_zone, to_local

INT_MAX = 2**31 - 1  # every integer column is a 32-bit INTEGER
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class InputSchema(Schema):
    """Base of every request schema: unknown fields are an error, not silently dropped, and no integer can
    overflow a database column (a 500 from the driver would otherwise answer a typo)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def ascii_numerals(self, data: Any, **kwargs) -> Any:
        """A number given as text (query strings, or JSON strings) is written with ASCII digits only: Python's
        int() and Decimal() would also take "1_000", "１２" and "٣", which no form field means."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for key, pattern, is_list in self._number_inputs:
            values = data.get(key)
            if isinstance(values, int | float) or values is None:
                continue  # the usual JSON number: nothing written as text
            values = values if isinstance(values, list) and is_list else [values]
            if any(isinstance(v, str) and v and not pattern.fullmatch(v) for v in values):
                errors[key] = ["须为用阿拉伯数字 0-9 书写的数值"]
        if errors:
            raise ValidationError(errors)
        return data

    @validates_schema
    def integers_fit_the_database(self, data: dict, **kwargs) -> None:
        errors = {}
        for name, key, is_list in self._integer_fields:
            values = data.get(name)
            values = (values or []) if is_list else [values]
            if any(isinstance(v, int) and not -INT_MAX - 1 <= v <= INT_MAX for v in values):
                errors[key] = ["数值超出范围"]
        if errors:
            raise ValidationError(errors)

    # The schema's number fields, found once per schema instance (its fields never change after it is built).
    @cached_property
    def _number_inputs(self) -> list[tuple[str, re.Pattern, bool]]:
        found = []
        for name, field in self.fields.items():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Number):
                pattern = _INTEGER_TEXT if isinstance(inner, fields.Integer) else _DECIMAL_TEXT
                found.append((field.data_key or name, pattern, inner is not field))
        return found

    @cached_property
    def _integer_fields(self) -> list[tuple[str, str, bool]]:
        found = []
        for name, field in self.fields.items():
            if isinstance(field, fields.List) and isinstance(field.inner, fields.Integer):
                found.append((name, field.data_key or name, True))
            elif isinstance(field, fields.Integer):
                found.append((name, field.data_key or name, False))
        return found


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # times a request may carry: nothing in this domain is older,
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # and a zone's 1900 rules would show as offsets like +08:05:43
TIME_RANGE_MESSAGE = "时间须在 2000 年至 2100 年之间"


class LocalDateTime(fields.DateTime):
    """The one time field of the API. Dumps an aware UTC time in the deployment's ``TIMEZONE`` with its offset
    (``2026-07-01T08:00:00+08:00``); loads ISO 8601, a time without an offset read as ``TIMEZONE`` local time,
    into aware UTC, between 2000 and 2100."""

    def _serialize(self, value, attr, obj, **kwargs):
        return local_iso(value)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=local_zone())
        try:
            return self.bounded(as_utc(parsed))
        except OverflowError:  # year 1 or 9999 moved by the offset
            raise ValidationError(TIME_RANGE_MESSAGE) from None

    @staticmethod
    def bounded(value: datetime) -> datetime:
        if not EARLIEST <= value < LATEST:
            raise ValidationError(TIME_RANGE_MESSAGE)
        return value


class PageQuery(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=200))


class UnitFilter(InputSchema):
    """Query mixin: only what lies in (or at) this unit."""

    org_unit_id = fields.Integer(load_default=None)


def local_iso(value: datetime | None) -> str | None:
    """A stored (UTC) time as the API sends it: ISO 8601 in the deployment's ``TIMEZONE`` with its offset. The
    one local-time output: ``LocalDateTime`` dumps through it, and the hot paths that build plain rows call it."""
    return None if value is None else to_local(value).isoformat()


def local_cell(value: datetime | None, zone: tzinfo | None = None) -> str:
    """A stored (UTC) time as a CSV cell: ``YYYY-MM-DD HH:MM`` in the deployment's ``TIMEZONE``, "" for none.
    ``zone`` (``clock.local_zone()``) may be read once by a caller writing many rows."""
    if value is None:
        return ""
    t = as_utc(value).astimezone(zone or local_zone())
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def local_wall(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as an XLSX cell: Excel has no time zones, so the cell holds the deployment's local
    wall-clock time (naive)."""
    return None if value is None else to_local(value).replace(tzinfo=None)


def local_day_zh(value: datetime) -> str:
    """A stored (UTC) time's local date as Chinese forms write it: ``2026年7月1日`` (the 快报表's 报出日期)."""
    t = to_local(value)
    return f"{t.year}年{t.month}月{t.day}日"


def local_minute_zh(value: datetime) -> str:
    """A stored (UTC) time as Chinese forms write it, to the minute: ``2026年7月1日08:00`` (the 快报表's 统计时间)."""
    t = to_local(value)
    return f"{t.year}年{t.month}月{t.day}日{t.hour:02d}:{t.minute:02d}"


def local_short(value: datetime) -> str:
    """A stored (UTC) time near now in a short message: ``07-01 08:00`` (local month, day and minute)."""
    t = to_local(value)
    return f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def local_day_stamp(value: datetime) -> str:
    """A stored (UTC) time's local date in a file name: ``20260701``."""
    t = to_local(value)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}"


def local_year(value: datetime) -> str:
    """A stored (UTC) time's local year, ``2026`` (a hazard's 编号 counts within it)."""
    return f"{to_local(value).year:04d}"


class UserBrief(Schema):
    """A user as other objects name it (filed by, reviewed by, acting user of an audit row)."""

    id = fields.Integer()
    username = fields.String()
    name = fields.String()


class PersonOut(UserBrief):
    """Who answered or issued (a warning): with the phone, so the township can call back."""

    phone = fields.String()


class OfficerOut(Schema):
    """A village's officer (灾害信息员 / 网格员): whom to call when the village is silent."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.String()


class UnitBrief(Schema):
    """An org unit as other objects name it."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()


class OrgUnitOut(Schema):
    """An org unit with its place in the tree (the org-unit API, and every answer that lists units)."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()


UNIT_FIELDS: tuple[str, ...] = tuple(OrgUnitOut._declared_fields)  # a unit in a plain row (roll-up, status queries)
