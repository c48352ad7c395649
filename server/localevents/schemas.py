"""Local event schemas: the village's event with its 初报, and the township's decisions."""

from __future__ import annotations

from marshmallow import fields, validate

from server.damage.figures import FiguresIn
from server.fields import InputSchema, LocalDateTime

TEXT_MAX = 2000


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
