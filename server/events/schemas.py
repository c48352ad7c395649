"""Event schemas (Create / Status / Query / Out kept apart)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.api import InputSchema, LocalDateTime, PageQuery
from server.damage.figures import FiguresIn
from server.events.models import EVENT_STATUSES

LIFECYCLE = ("active", "stable", "closed")  # what POST /events/{id}/status moves along
TEXT_MAX = 2000


class EventUnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()


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


class LocalInitialReportIn(InputSchema):
    figures = fields.Nested(FiguresIn, load_default=lambda: FiguresIn().load({}))
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=TEXT_MAX))


class LocalEventCreate(InputSchema):
    """本地事件: a village's own event, opened with its 初报."""

    client_id = fields.UUID(required=True, error_messages={"invalid_uuid": "应为 UUID", "required": "缺少 client_id"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200, error="名称长度应为 1 到 200 个字"))
    disaster_type = fields.String(required=True)
    disaster_subtype = fields.String(load_default=None, allow_none=True)
    started_at = LocalDateTime(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))  # what happened
    initial_report = fields.Nested(LocalInitialReportIn, load_default=lambda: LocalInitialReportIn().load({}))


class EventMergeIn(InputSchema):
    into_event_id = fields.Integer(required=True)


class EventRejectIn(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))


class EventOut(Schema):
    id = fields.Integer()
    name = fields.String()
    disaster_type = fields.String()
    disaster_subtype = fields.String(allow_none=True)
    started_at = LocalDateTime()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(EventUnitOut)
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
