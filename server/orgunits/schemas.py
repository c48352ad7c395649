from marshmallow import Schema, fields, validate

from server.fields import InputSchema, PageQuery
from server.orgunits.models import LEVELS


class OrgUnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()


CODE_PATTERN = r"\A[0-9]+\Z"  # ASCII digits only: \d also takes ٣ and ３, and $ a trailing newline


class OrgUnitQuery(PageQuery):
    parent_id = fields.Integer(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    q = fields.String(load_default=None, validate=validate.Length(max=50))


class OrgUnitCreate(InputSchema):
    code = fields.String(
        required=True,
        validate=[validate.Length(min=2, max=24), validate.Regexp(CODE_PATTERN, error="代码只能由数字 0-9 组成")],
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(required=True)


class OrgUnitUpdate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
