from marshmallow import Schema, fields, validate

from server.fields import InputSchema
from server.users.schemas import UserOut


class LoginIn(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    remember = fields.Boolean(load_default=True)


class SessionOut(Schema):
    user = fields.Nested(UserOut)
    csrf_token = fields.String()
