from marshmallow import Schema, fields, validate

from server.api import PageQuery
from server.orgunits.models import LEVELS


class OrgUnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()


class OrgUnitQuery(PageQuery):
    parent_id = fields.Integer(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    q = fields.String(load_default=None, validate=validate.Length(max=50))
