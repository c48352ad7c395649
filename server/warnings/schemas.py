"""Warning request and response shapes: Create, Update, Cancel, Ack and Query in; Out, AckOut and StatusOut."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.fields import InputSchema, LocalDateTime, OfficerOut, OrgUnitOut, PageQuery, PersonOut
from server.warnings.models import LEVELS

_LEVEL = validate.OneOf(tuple(LEVELS), error="预警级别应为 blue、yellow、orange 或 red")
_WINDOW = validate.Range(min=1, max=7 * 24 * 60, error="叫应时限应为 1 到 10080 分钟")
_NOT_NEGATIVE = validate.Range(min=0, error="不能为负数")
MAX_TARGETS = 500


class WarningCreate(InputSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="标题应为 1-200 个字"))
    body = fields.String(load_default="", validate=validate.Length(max=5000))
    level = fields.String(required=True, validate=_LEVEL)
    disaster_type = fields.String(required=True)  # checked against the national list by the service
    target_org_unit_ids = fields.List(
        fields.Integer(),
        required=True,
        validate=validate.Length(min=1, max=MAX_TARGETS, error=f"请选择 1 到 {MAX_TARGETS} 个预警对象"),
    )
    # Default by level (config WARNING_ACK_MINUTES_*); given, it overrides the level's window.
    ack_within_minutes = fields.Integer(load_default=None, allow_none=True, validate=_WINDOW)
    expires_at = LocalDateTime(load_default=None, allow_none=True)  # default: WARNING_DEFAULT_HOURS from now


class WarningUpdate(InputSchema):
    title = fields.String(validate=validate.Length(min=1, max=200, error="标题应为 1-200 个字"))
    body = fields.String(validate=validate.Length(max=5000))
    level = fields.String(validate=_LEVEL)
    disaster_type = fields.String()
    ack_within_minutes = fields.Integer(validate=_WINDOW)
    expires_at = LocalDateTime()
    # The version the caller saw; when given, a warning changed since is a 409 rather than a silent overwrite.
    version = fields.Integer(load_default=None)


class WarningCancel(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000, error="请填写撤销原因"))
    version = fields.Integer(load_default=None)


class WarningAckIn(InputSchema):
    client_id = fields.UUID(load_default=None, allow_none=True)  # for the offline outbox
    households_notified = fields.Integer(load_default=None, allow_none=True, validate=_NOT_NEGATIVE)  # 到户
    persons_notified = fields.Integer(load_default=None, allow_none=True, validate=_NOT_NEGATIVE)  # 到人
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class WarningQuery(PageQuery):
    active = fields.Boolean(load_default=None)


class AnswerOut(Schema):
    id = fields.Integer()
    acknowledged_at = LocalDateTime()
    by = fields.Nested(PersonOut)
    late = fields.Boolean()


class WarningAckOut(Schema):
    id = fields.Integer()
    client_id = fields.String(allow_none=True)
    warning_id = fields.Integer()
    revision = fields.Integer()
    org_unit = fields.Nested(OrgUnitOut)
    acknowledged_at = LocalDateTime()
    by = fields.Nested(PersonOut)
    due_at = LocalDateTime(allow_none=True)
    late = fields.Boolean()
    households_notified = fields.Integer(allow_none=True)
    persons_notified = fields.Integer(allow_none=True)
    note = fields.String()


class SummaryOut(Schema):
    targets = fields.Integer(metadata={"description": "target villages inside the caller's scope"})
    acknowledged = fields.Integer(metadata={"description": "answered the current revision (on time or late)"})
    on_time = fields.Integer()
    late = fields.Integer()
    overdue = fields.Integer(metadata={"description": "window passed, no answer"})
    pending = fields.Integer(metadata={"description": "no answer yet, still in time"})
    rate = fields.Float(metadata={"description": "acknowledged / targets, 0..1"})


class WarningOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    level = fields.String()
    level_name = fields.String()  # 中文: 红色
    disaster_type = fields.String()
    issuer_unit = fields.Nested(OrgUnitOut)
    issued_by = fields.Nested(PersonOut)
    issued_at = LocalDateTime()
    ack_within_minutes = fields.Integer(allow_none=True)
    ack_due_at = LocalDateTime(allow_none=True)
    expires_at = LocalDateTime()
    status = fields.String(attribute="current_status", metadata={"description": "active | expired | cancelled"})
    status_name = fields.String()
    active = fields.Boolean()
    revision = fields.Integer()
    revised_at = LocalDateTime()
    cancelled_at = LocalDateTime(allow_none=True)
    cancel_reason = fields.String()
    target_org_unit_ids = fields.List(fields.Integer(), attribute="target_unit_ids")
    version = fields.Integer()
    summary = fields.Nested(SummaryOut, metadata={"description": "counts over the targets inside the caller's scope"})
    # For a village's people: their village's acknowledgement of the current revision (null: not yet).
    targets_me = fields.Boolean()
    acknowledgement = fields.Nested(WarningAckOut, allow_none=True)
    overdue = fields.Boolean(metadata={"description": "the caller's village is overdue"})


class StatusUnitOut(Schema):
    org_unit = fields.Nested(OrgUnitOut)
    township = fields.Nested(OrgUnitOut, allow_none=True)
    acknowledged = fields.Boolean()
    acknowledged_at = LocalDateTime(allow_none=True)
    by = fields.Nested(PersonOut, allow_none=True)
    late = fields.Boolean()
    overdue = fields.Boolean()
    households_notified = fields.Integer(allow_none=True)
    persons_notified = fields.Integer(allow_none=True)
    note = fields.String()
    answers = fields.List(fields.Nested(AnswerOut))
    officers = fields.List(fields.Nested(OfficerOut))
    escalated_at = LocalDateTime(allow_none=True)


class TownshipStatusOut(SummaryOut):
    org_unit = fields.Nested(OrgUnitOut, allow_none=True)


class WarningStatusOut(SummaryOut):
    warning_id = fields.Integer()
    revision = fields.Integer()
    ack_due_at = LocalDateTime(allow_none=True)
    status = fields.String()
    units = fields.List(fields.Nested(StatusUnitOut))
    townships = fields.List(fields.Nested(TownshipStatusOut))
