from marshmallow import Schema, fields, validate

from server.fields import InputSchema, OrgUnitOut, PageQuery, UnitFilter
from server.users.models import ROLES, normalize_username


class Username(fields.String):
    """A username as stored: surrounding spaces stripped and Unicode NFKC applied before validation, so a
    full-width ``ｃｏｕｎｔｙ_admin`` is checked (and refused as taken) as ``county_admin``."""

    def _deserialize(self, value, attr, data, **kwargs):
        return normalize_username(super()._deserialize(value, attr, data, **kwargs))


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    phone = fields.String()
    role = fields.String()
    org_unit = fields.Nested(OrgUnitOut)
    active = fields.Boolean()


class UserCreate(InputSchema):
    username = Username(
        required=True, validate=[validate.Length(min=3, max=64), validate.Regexp(r"^[A-Za-z0-9_.@-]+$")]
    )
    name = fields.String(load_default="", validate=validate.Length(max=64))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    org_unit_id = fields.Integer(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=128))


class UserUpdate(InputSchema):
    name = fields.String(validate=validate.Length(max=64))
    phone = fields.String(validate=validate.Length(max=32))
    role = fields.String(validate=validate.OneOf(ROLES))
    org_unit_id = fields.Integer()
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=128))


class UserQuery(PageQuery, UnitFilter):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    q = fields.String(load_default=None, validate=validate.Length(max=64))
