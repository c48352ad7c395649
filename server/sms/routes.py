"""短信报灾: the SMS gateway's webhook, the inbound number for the phones, and the gateway's health for the desk."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from server.access import current_actor
from server.api import Blueprint, request_json
from server.errors import Invalid
from server.extensions import db
from server.sms import service
from server.sms.access import READ_GATEWAY
from server.sms.schemas import SmsGatewayOut, SmsInboundOut, SmsSettingsOut

bp = Blueprint("sms", __name__)

# Where each gateway puts the sender, the text and its shared secret: SMSSync (form: from, message, secret),
# SMS Gateway for Android (JSON, the message under "payload": phoneNumber, message), a carrier's 上行 callback
# (Tencent Cloud SMS: JSON mobile, text). A secret may also come as the X-SMS-Gateway-Secret header or ?secret=.
SENDER_FIELDS = ("from", "mobile", "phoneNumber", "phone")
TEXT_FIELDS = ("message", "text", "content")


def _delivery() -> tuple[dict[str, Any], str | None]:
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields: dict[str, Any] = request.form.to_dict()
    else:
        body = request_json()
        fields = body if isinstance(body, dict) else {}
        if isinstance(fields.get("payload"), dict):
            fields = {**fields, **fields["payload"]}
    secret = request.headers.get("X-SMS-Gateway-Secret") or fields.get("secret") or request.args.get("secret")
    return fields, secret if isinstance(secret, str) else None


def _first(fields: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = fields.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


@bp.post("/sms/inbound")
@bp.public
@bp.response(200, SmsInboundOut)
def inbound():
    """The SMS gateway's webhook (短信报灾): one delivered SMS (form or JSON, see README), authenticated by the
    gateway's shared secret. Answers 200 for every delivery it read, whatever the message's outcome (the gateway
    must not retry a refused message); 401 for a wrong secret, 422 without a sender or a text."""
    fields, secret = _delivery()
    service.check_secret(secret)
    sender, text = _first(fields, SENDER_FIELDS), _first(fields, TEXT_FIELDS)
    missing = {name: ["必填"] for name, value in (("from", sender), ("message", text)) if value is None}
    if missing:
        raise Invalid(missing)
    message = service.receive(sender=sender, text=text)
    db.session.commit()  # the message and its record stand before the reply tells the phone (the reply may fail)
    outgoing = service.deliver_reply(message)
    payload: dict[str, Any] = {"success": True, "error": None}
    if outgoing:
        payload.update(task="send", messages=outgoing)
    return {
        "payload": payload,
        "id": message.id,
        "outcome": message.outcome,
        "reason": message.reason,
        "reply": message.reply,
        "record": {"type": message.entity_type, "id": message.entity_id} if message.entity_id is not None else None,
    }


@bp.get("/sms/settings")
@bp.response(200, SmsSettingsOut)
def settings():
    """The county's inbound SMS number (the PWA caches it for sending reports by SMS when there is no data)."""
    return {"inbound_number": current_app.config.get("SMS_INBOUND_NUMBER") or ""}


@bp.get("/sms/gateway")
@bp.roles(READ_GATEWAY)
@bp.response(200, SmsGatewayOut)
def gateway():
    """The inbound number and the gateway's health: the last message received, the last 24 hours by outcome, and
    the recent deliveries of users inside the caller's scope."""
    return service.gateway_status(actor=current_actor())
