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
    sms_key = fields.String(
        metadata={
            "description": "the user's key for signing reports sent by SMS (短信报灾); a new one after a password "
            "change or reset, so the phone keeps the one of its latest login"
        }
    )
    sms_number = fields.String(metadata={"description": "the county's inbound SMS number (SMS_INBOUND_NUMBER)"})
