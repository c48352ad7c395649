"""短信报灾: the gateway webhook's answer and the desk's view of the gateway."""

from marshmallow import Schema, fields

from server.fields import LocalDateTime


class OutgoingSms(Schema):
    to = fields.String()
    message = fields.String()
    uuid = fields.String()


class GatewayPayload(Schema):
    """The answer SMSSync (and compatible gateway apps) expect; with SMS_REPLY_NOTIFIER=response it carries the
    reply as a send task for the gateway phone."""

    success = fields.Boolean()
    error = fields.String(allow_none=True)
    task = fields.String(metadata={"x-optional": True, "description": "send: the gateway sends ``messages``"})
    messages = fields.List(fields.Nested(OutgoingSms), metadata={"x-optional": True})


class RecordRef(Schema):
    type = fields.String(metadata={"description": "damage_report, evacuation_report, warning_ack or hazard"})
    id = fields.Integer()


class SmsInboundOut(Schema):
    payload = fields.Nested(GatewayPayload)
    id = fields.Integer(metadata={"description": "the delivery's row (sms_messages)"})
    outcome = fields.String(metadata={"description": "accepted, resent, refused, or waiting (a part)"})
    reason = fields.String(
        metadata={
            "description": "a refusal's code: malformed, unknown_sender, bad_mac, "
            "expired, or the create's error code (stage_order, not_found…)"
        }
    )
    reply = fields.String(metadata={"description": "the reply queued for the sender (empty: none)"})
    record = fields.Nested(RecordRef, allow_none=True)


class SmsSettingsOut(Schema):
    inbound_number = fields.String(metadata={"description": "the county's number the phones text GR1 messages to"})


class SmsRecentOut(Schema):
    id = fields.Integer()
    received_at = LocalDateTime()
    user_name = fields.String()
    unit_name = fields.String()
    outcome = fields.String()
    reason = fields.String()
    kind = fields.String()
    entity_type = fields.String()
    entity_id = fields.Integer(allow_none=True)
    reply = fields.String()
    reply_status = fields.String()


class SmsCounts(Schema):
    accepted = fields.Integer()
    resent = fields.Integer()
    refused = fields.Integer()
    waiting = fields.Integer()


class SmsGatewayOut(SmsSettingsOut):
    gateway_configured = fields.Boolean(metadata={"description": "SMS_GATEWAY_SECRET is set"})
    reply_notifier = fields.String()
    last_received_at = LocalDateTime(allow_none=True, metadata={"description": "the gateway's last delivery"})
    last_24h = fields.Nested(SmsCounts)
    recent = fields.List(fields.Nested(SmsRecentOut), metadata={"description": "deliveries of users in scope"})
