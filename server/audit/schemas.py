from marshmallow import Schema, fields

from server.fields import LocalDateTime, PageQuery, UserBrief


class AuditOut(Schema):
    id = fields.Integer()
    at = LocalDateTime()
    actor = fields.Nested(UserBrief, allow_none=True)
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.Integer()
    org_unit_id = fields.Integer(allow_none=True)
    changes = fields.Dict()


class AuditQuery(PageQuery):
    entity_type = fields.String(load_default=None)
    entity_id = fields.Integer(load_default=None)
