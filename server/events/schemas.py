"""Event schemas (Create / Status / Query / Out kept apart)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.events.models import EVENT_STATUSES
from server.fields import InputSchema, LocalDateTime, PageQuery, UnitBrief

LIFECYCLE = ("active", "stable", "closed")  # what POST /events/{id}/status moves along


class EventCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200, error="名称长度应为 1 到 200 个字"))
    disaster_type = fields.String(required=True)  # checked against the national list by the service
    disaster_subtype = fields.String(load_default=None, allow_none=True)
    # Without an offset the time is taken in the deployment's TIMEZONE; default: now.
    started_at = LocalDateTime(load_default=None, allow_none=True)
    org_unit_id = fields.Integer(required=True)
    drill = fields.Boolean(load_default=False)


class EventStatusIn(InputSchema):
    status = fields.String(required=True, validate=validate.OneOf(LIFECYCLE, error="状态应为 active、stable 或 closed"))


class EventQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(EVENT_STATUSES))
    drill = fields.Boolean(load_default=None)
    local = fields.Boolean(load_default=None, metadata={"description": "only events reported from below"})


class EventOut(Schema):
    id = fields.Integer()
    name = fields.String()
    disaster_type = fields.String()
    disaster_subtype = fields.String(allow_none=True)
    started_at = LocalDateTime()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(UnitBrief)
    status = fields.String()
    drill = fields.Boolean()
    stable_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    local = fields.Boolean(metadata={"description": "reported from below by a village (本地事件)"})
    description = fields.String()
    merged_into_id = fields.Integer(allow_none=True)
    status_reason = fields.String(metadata={"description": "why the township rejected a local event"})
    decided_at = LocalDateTime(allow_none=True)


class DisasterTypeOut(Schema):
    name = fields.String(metadata={"description": "灾种, e.g. 洪涝"})
    subtypes = fields.List(fields.String(), metadata={"description": "its 亚灾种 in national order; empty: none"})


class DisasterTypesOut(Schema):
    items = fields.List(fields.Nested(DisasterTypeOut))
