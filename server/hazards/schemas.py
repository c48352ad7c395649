"""Hazard request and response shapes: Create, Transition and Query in; Out."""

from __future__ import annotations

from datetime import datetime, time

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.clock import as_utc, local_zone
from server.fields import InputSchema, LocalDateTime, PageQuery, UnitBrief, UnitFilter, UserBrief
from server.hazards.models import ACTIONS, CATEGORIES, RISK_LEVELS, STATUSES

_CATEGORY_BY_NAME = {name: key for key, name in CATEGORIES.items()}
_NOT_NEGATIVE = validate.Range(min=0, error="不能为负数")


class Deadline(LocalDateTime):
    """时限: a date means the end of that day (local time); a date-time is taken as given."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, str) and len(value) == 10:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 (a date, zoned just below)
            except ValueError as exc:
                raise ValidationError("日期格式应为 YYYY-MM-DD") from exc
            return self.bounded(as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())))
        return super()._deserialize(value, attr, data, **kwargs)


class HazardCreate(InputSchema):
    client_id = fields.UUID(required=True)
    org_unit_id = fields.Integer(load_default=None)  # default: the reporter's own village or grid
    category = fields.String(required=True, validate=validate.OneOf(tuple(CATEGORIES), error="未知的隐患类型"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="名称应为 1-200 个字"))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=_NOT_NEGATIVE)
    address = fields.String(load_default="", validate=validate.Length(max=255))
    threatened_households = fields.Integer(load_default=0, validate=_NOT_NEGATIVE)
    threatened_persons = fields.Integer(load_default=0, validate=_NOT_NEGATIVE)
    risk_level = fields.String(required=True, validate=validate.OneOf(tuple(RISK_LEVELS), error="风险等级无效"))
    found_at = LocalDateTime(required=True)

    @pre_load
    def category_by_chinese_name(self, data, **kwargs):
        # Integrations and hand-made spreadsheets say "滑坡", the PWA says "landslide": both are fine.
        if isinstance(data, dict) and isinstance(data.get("category"), str) and data["category"] in _CATEGORY_BY_NAME:
            data = {**data, "category": _CATEGORY_BY_NAME[data["category"]]}
        return data

    @validates_schema
    def location(self, data, **kwargs):
        has_lat, has_lon = data.get("lat") is not None, data.get("lon") is not None
        if has_lat != has_lon:
            raise ValidationError("经纬度须同时填写", field_name="lat" if not has_lat else "lon")
        if not has_lat and not (data.get("address") or "").strip():
            raise ValidationError("请提供 GPS 位置或地址", field_name="address")


class HazardTransition(InputSchema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(a for a in ACTIONS if a != "report")))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    measures = fields.String(load_default=None, validate=validate.Length(max=5000))
    responsible_person = fields.String(load_default=None, validate=validate.Length(max=64))
    monitor_person = fields.String(load_default=None, validate=validate.Length(max=64))
    deadline = Deadline(load_default=None, allow_none=True)
    # A reviewer may re-grade the risk when verifying (a major hazard becomes supervised).
    risk_level = fields.String(load_default=None, validate=validate.OneOf(tuple(RISK_LEVELS)))
    # The version the caller saw; when given, a hazard changed since is a 409 rather than a silent overwrite.
    version = fields.Integer(load_default=None)


class HazardQuery(PageQuery, UnitFilter):
    status = fields.String(load_default=None, validate=validate.OneOf(tuple(STATUSES)))
    category = fields.String(load_default=None, validate=validate.OneOf(tuple(CATEGORIES)))
    risk_level = fields.String(load_default=None, validate=validate.OneOf(tuple(RISK_LEVELS)))
    overdue = fields.Boolean(load_default=None)
    supervised = fields.Boolean(load_default=None)


class HazardExportQuery(UnitFilter):
    status = fields.String(load_default=None, validate=validate.OneOf(tuple(STATUSES)))
    category = fields.String(load_default=None, validate=validate.OneOf(tuple(CATEGORIES)))
    risk_level = fields.String(load_default=None, validate=validate.OneOf(tuple(RISK_LEVELS)))
    overdue = fields.Boolean(load_default=None)
    supervised = fields.Boolean(load_default=None)


class HazardStepOut(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    by = fields.Nested(UserBrief, attribute="actor")
    at = LocalDateTime()
    comment = fields.String()
    details = fields.Dict()


class HazardOut(Schema):
    id = fields.Integer()
    number = fields.String()  # 编号
    client_id = fields.String()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(UnitBrief, metadata={"description": "the village or grid, named"})
    category = fields.String()
    category_name = fields.String()  # 中文
    title = fields.String()
    description = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    address = fields.String()
    threatened_households = fields.Integer()
    threatened_persons = fields.Integer()
    risk_level = fields.String()
    risk_level_name = fields.String()
    found_at = LocalDateTime()
    status = fields.String()
    status_name = fields.String()
    responsible_person = fields.String()
    monitor_person = fields.String()
    measures = fields.String()
    deadline = LocalDateTime(allow_none=True)
    overdue = fields.Boolean()
    supervised = fields.Boolean()
    rectified_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    version = fields.Integer()
    reported_by = fields.Nested(UserBrief)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    # By name (marshmallow's class registry): photos sits above hazards, so hazards does not import it.
    photos = fields.List(fields.Nested("PhotoOut"))
    history = fields.List(fields.Nested(HazardStepOut))
