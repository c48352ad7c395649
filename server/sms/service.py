"""短信报灾: a GR1 message delivered by the SMS gateway goes through the same create services as the app's HTTP
requests (same validation, scope and stage rules), signed by its sender's SMS key, and is answered by SMS.

A delivery is read in this order, and nothing is written before the record itself, so that a refusal of the
record (any domain error) rolls back everything it did and the refusal alone is recorded:

1. a part (``GR1 i/n …``) whose siblings have not all arrived is kept (``SmsPart``) and answered by nothing;
2. the whole message is decoded; malformed: refused;
3. the signer: an active user whose registered phone is the sender's number and whose key verifies the MAC
   (no user with that number: ``unknown_sender``; none whose key verifies: ``bad_mac``);
4. a message composed more than SMS_MAX_AGE_DAYS ago is refused (``expired``);
5. the record is created by its feature's service as that user, under ``audit_trail.via("sms")``; a client_id
   already on file with the same payload is the same record (``resent``), so a message delivered twice, or sent
   by SMS and later by the app, makes one record.

Every delivery leaves one ``SmsMessage`` row and one audit row (``sms.accepted`` / ``sms.resent`` /
``sms.refused`` / ``sms.waiting``), and, except for parts and unknown numbers, a reply queued for the gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import delete, func, select

from server import clock
from server.audit_trail import record, via
from server.auth.sms_keys import sms_key
from server.damage import service as damage_service
from server.damage.models import STAGE_NAMES
from server.damage.schemas import DamageReportCreate
from server.errors import ApiError, Invalid, Unauthorized
from server.evacuation import service as evacuation_service
from server.evacuation.schemas import EvacuationCreate
from server.extensions import db
from server.fields import INT_MAX
from server.hazards import service as hazard_service
from server.hazards.schemas import HazardCreate
from server.idempotency import insert_unless_taken
from server.locking import serialize
from server.orgunits.models import OrgUnit
from server.sms import codec, encoding
from server.sms.models import SmsMessage, SmsPart
from server.users.models import User
from server.warnings import acks
from server.warnings.schemas import WarningAckIn

log = logging.getLogger("server.sms")
TEXT_MAX = 1000

# A refusal's reason in a few Chinese words, for the reply.
REASONS = {
    "malformed": "短信格式不对，请用应用生成的短信",
    "unknown_sender": "本号码未登记",
    "bad_mac": "校验码不对，请重新登录应用后再发",
    "expired": "短信已过期，请重新填报",
}
WHAT = {"evacuation": "转移避险情况", "ack": "叫应", "hazard": "隐患报告"}


def check_secret(given: str | None) -> None:
    """The gateway's shared secret, compared in constant time; none configured: nothing is accepted."""
    expected = current_app.config.get("SMS_GATEWAY_SECRET") or ""
    if not expected or not hmac.compare_digest(expected.encode(), (given or "").encode("utf-8", "replace")):
        raise Unauthorized("短信网关密钥不对")


def normalize_number(raw: str | None) -> str:
    """A phone number as digits, without China's country code: "+86 138-0013-8000" → "13800138000"."""
    digits = re.sub(r"\D", "", raw or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


@dataclass
class _Refused(Exception):
    reason: str
    message: str
    user: User | None = None
    decoded: codec.Message | None = None


def receive(*, sender: str, text: str) -> SmsMessage:
    """Handle one delivered SMS; returns its ``SmsMessage`` (outcome, reply). Flushes, never commits."""
    number = normalize_number(sender)
    text = (text or "").strip()[:TEXT_MAX]
    now = clock.now()
    part = None
    try:
        part = codec.read_part(text)
        if part is not None:
            whole = _assemble(number, part, now)
            if whole is None:
                _forget_parts(number, None, now)
                return _logged(sender, text, "waiting", now=now)
        else:
            whole = text
        message = codec.decode(whole)
        if part is not None and message.mac != part.mac:
            raise codec.Malformed("the parts do not make the message they say")
        if max(message.context_id, message.unit_id or 0) > INT_MAX:
            raise codec.Malformed("an id beyond the id columns")
    except codec.Malformed:
        return _refused(sender, text, _Refused("malformed", REASONS["malformed"]), part, number, now)
    try:
        user = _signer(number, message)
        if _expired(message, now):
            raise _Refused("expired", REASONS["expired"], user, message)
        try:
            with via("sms"):
                entity_type, entity, created, what = _apply(message, user)
        except ApiError as error:
            db.session.rollback()  # nothing of the refused record remains
            raise _Refused(error.code, _short(error), user, message) from None
    except _Refused as refusal:
        return _refused(sender, text, refusal, part, number, now)
    _forget_parts(number, part, now)
    outcome = "accepted" if created else "resent"
    reply = f"已收到{what}，编号{entity.id}。" if created else f"已收到{what}（此前已收到），编号{entity.id}。"
    return _logged(
        sender,
        text,
        outcome,
        now=now,
        user=user,
        message=message,
        entity_type=entity_type,
        entity_id=entity.id,
        reply=reply,
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _expired(message: codec.Message, now: datetime) -> bool:
    """Composed (by the phone's clock) more than SMS_MAX_AGE_DAYS ago."""
    composed = EPOCH + timedelta(minutes=message.minute)
    return now - composed > timedelta(days=float(current_app.config["SMS_MAX_AGE_DAYS"]))


def _assemble(number: str, part: codec.Part, now) -> str | None:
    """The whole message once every part is here (this one included), else None (this part kept)."""
    serialize(f"sms-parts:{number}:{part.mac}:{part.total}")  # two parts at once: the second sees the first
    rows = db.session.scalars(
        select(SmsPart).where(SmsPart.sender == number, SmsPart.mac == part.mac, SmsPart.total == part.total)
    ).all()
    chunks = {row.index: row.chunk for row in rows}
    if part.index not in chunks:
        chunks[part.index] = part.chunk
        if len(chunks) < part.total:
            kept = SmsPart(
                sender=number, mac=part.mac, total=part.total, index=part.index, chunk=part.chunk, received_at=now
            )
            insert_unless_taken(kept)  # the same part delivered twice at once: one is kept
    if len(chunks) < part.total:
        return None
    return codec.join([chunks[i] for i in range(1, part.total + 1)])


def _forget_parts(number: str, part: codec.Part | None, now) -> None:
    """Parts of a message that was read (whatever its outcome), and parts that waited too long."""
    hours = float(current_app.config["SMS_PART_HOURS"])
    expired = SmsPart.received_at < now - timedelta(hours=hours)
    if part is not None:
        this = (SmsPart.sender == number) & (SmsPart.mac == part.mac) & (SmsPart.total == part.total)
        expired = expired | this
    db.session.execute(delete(SmsPart).where(expired).execution_options(synchronize_session=False))


def _signer(number: str, message: codec.Message) -> User:
    if not number:
        raise _Refused("unknown_sender", REASONS["unknown_sender"], None, message)
    candidates = [
        user
        for user in db.session.scalars(
            select(User).where(User.active.is_(True), User.phone.contains(number[-4:], autoescape=True))
        )
        if normalize_number(user.phone) == number
    ]
    if not candidates:
        raise _Refused("unknown_sender", REASONS["unknown_sender"], None, message)
    for user in candidates:
        if encoding.mac_valid(sms_key(user), message.signed, message.mac):
            return user
    raise _Refused("bad_mac", REASONS["bad_mac"], candidates[0] if len(candidates) == 1 else None, message)


def _loaded(schema, data: dict[str, Any]) -> dict[str, Any]:
    """The body through the HTTP route's own input schema: the same validation, the same 422 messages."""
    try:
        return schema().load(data)
    except ValidationError as error:
        raise Invalid(_flat(error.messages)) from None


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix or "_schema": [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]}


def _apply(message: codec.Message, user: User) -> tuple[str, Any, bool, str]:
    """Create the record through its feature's service: (entity type, record, created, what it is in Chinese)."""
    body = message.body
    if message.kind == "damage":
        data = _loaded(DamageReportCreate, {**body, "client_id": message.client_id, "org_unit_id": message.unit_id})
        report, created = damage_service.create_report(actor=user, event_id=message.context_id, **data)
        return "damage_report", report, created, f"灾情{STAGE_NAMES[report.stage]}"
    if message.kind == "evacuation":
        data = _loaded(EvacuationCreate, {**body, "client_id": message.client_id, "org_unit_id": message.unit_id})
        submission = evacuation_service.submit_evacuation(actor=user, event_id=message.context_id, **data)
        return "evacuation_report", submission.row, submission.created, WHAT["evacuation"]
    if message.kind == "hazard":
        unit = {"org_unit_id": message.unit_id} if message.unit_id is not None else {}
        data = _loaded(HazardCreate, {**body, "client_id": message.client_id, **unit})
        hazard, created = hazard_service.create_hazard(actor=user, **data)
        return "hazard", hazard, created, WHAT["hazard"]
    data = _loaded(WarningAckIn, {**body, "client_id": message.client_id})
    ack, created = acks.acknowledge(actor=user, warning_id=message.context_id, **data)
    return "warning_ack", ack, created, WHAT["ack"]


def _short(error: ApiError) -> str:
    """A domain error in a few words: its first field message when it has fields, else its message."""
    fields = error.details.get("fields") if isinstance(error.details, dict) else None
    if fields:
        first = next(iter(fields.values()))
        text = first[0] if isinstance(first, list) and first else str(first)
    else:
        text = error.message
    return text if len(text) <= 40 else text[:39] + "…"


def _refused(sender: str, text: str, refusal: _Refused, part, number: str, now) -> SmsMessage:
    _forget_parts(number, part, now)
    # No reply to a number nobody registered: the gateway must not become a relay for strangers.
    reply = "" if refusal.reason == "unknown_sender" else f"未收下：{refusal.message}"
    return _logged(
        sender,
        text,
        "refused",
        now=now,
        reason=refusal.reason,
        user=refusal.user,
        message=refusal.decoded,
        reply=reply,
    )


def _logged(
    sender: str,
    text: str,
    outcome: str,
    *,
    now,
    reason: str = "",
    user: User | None = None,
    message: codec.Message | None = None,
    entity_type: str = "",
    entity_id: int | None = None,
    reply: str = "",
) -> SmsMessage:
    row = SmsMessage(
        received_at=now,
        sender=(sender or "")[:32],
        text=text,
        outcome=outcome,
        reason=reason[:40],
        user_id=user.id if user is not None else None,
        kind=message.kind if message is not None else "",
        client_id=message.client_id if message is not None else "",
        entity_type=entity_type,
        entity_id=entity_id,
        reply=reply,
        reply_status="queued" if reply else "",
    )
    db.session.add(row)
    db.session.flush()
    changes: dict[str, Any] = {"channel": "sms", "outcome": outcome}
    if reason:
        changes["reason"] = reason
    if message is not None:
        changes.update(kind=message.kind, client_id=message.client_id)
    if entity_id is not None:
        changes["record"] = [entity_type, entity_id]
    record(
        actor=user,
        action=f"sms.{outcome}",
        entity_type="sms_message",
        entity_id=row.id,
        org_unit_id=user.org_unit_id if user is not None else None,
        changes=changes,
    )
    return row


# --- replies ----------------------------------------------------------------------------------------------------


def deliver_reply(row: SmsMessage) -> list[dict[str, str]]:
    """Send a queued reply by SMS_REPLY_NOTIFIER. ``response`` (SMSSync's task): the reply goes back in the webhook's
    answer for the gateway phone to send; returned here as that answer's ``messages``."""
    if row.reply_status != "queued":
        return []
    kind = current_app.config.get("SMS_REPLY_NOTIFIER") or "log"
    outgoing = {"to": row.sender, "message": row.reply, "uuid": f"gridreport-sms-{row.id}"}
    if kind == "response":
        row.reply_status = "sent"
        return [outgoing]
    if kind == "log":
        log.info("SMS reply to %s: %s", row.sender, row.reply)
        row.reply_status = "sent"
        return []
    if kind == "webhook":
        row.reply_status = "sent" if _post_reply(outgoing) else "failed"
        return []
    raise RuntimeError(f"SMS_REPLY_NOTIFIER must be log, webhook or response, not {kind!r}")


def _post_reply(outgoing: dict[str, str]) -> bool:
    config = current_app.config
    url = config.get("SMS_REPLY_WEBHOOK_URL")
    if not url:
        raise RuntimeError("SMS_REPLY_NOTIFIER=webhook needs SMS_REPLY_WEBHOOK_URL")
    body = json.dumps({"to": outgoing["to"], "message": outgoing["message"], "id": outgoing["uuid"]}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": outgoing["uuid"]}
    if config.get("SMS_REPLY_WEBHOOK_SECRET"):
        digest = hmac.new(config["SMS_REPLY_WEBHOOK_SECRET"].encode(), body, hashlib.sha256).hexdigest()
        headers["X-GridReport-Signature"] = f"sha256={digest}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=float(config["SMS_REPLY_WEBHOOK_TIMEOUT"])) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        log.warning("SMS reply %s not delivered: %s", outgoing["uuid"], error)
        return False


# --- the desk's view --------------------------------------------------------------------------------------------


def gateway_status(*, actor: User) -> dict[str, Any]:
    """The inbound number and the gateway's health: the last message received (from anyone) and counts of the last
    24 hours; the recent messages listed are those of users inside the caller's scope."""
    since = clock.now() - timedelta(hours=24)
    last = db.session.scalar(select(func.max(SmsMessage.received_at)))
    counts = dict(
        db.session.execute(
            select(SmsMessage.outcome, func.count()).where(SmsMessage.received_at >= since).group_by(SmsMessage.outcome)
        ).all()
    )
    recent = db.session.execute(
        select(SmsMessage, User.name, OrgUnit.name)
        .join(User, User.id == SmsMessage.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(OrgUnit.path.startswith(actor.org_unit.path, autoescape=True))
        .order_by(SmsMessage.received_at.desc(), SmsMessage.id.desc())
        .limit(20)
    ).all()
    return {
        "inbound_number": current_app.config.get("SMS_INBOUND_NUMBER") or "",
        "gateway_configured": bool(current_app.config.get("SMS_GATEWAY_SECRET")),
        "reply_notifier": current_app.config.get("SMS_REPLY_NOTIFIER") or "log",
        "last_received_at": last,
        "last_24h": {outcome: counts.get(outcome, 0) for outcome in ("accepted", "resent", "refused", "waiting")},
        "recent": [
            {
                "id": row.id,
                "received_at": row.received_at,
                "user_name": user_name,
                "unit_name": unit_name,
                "outcome": row.outcome,
                "reason": row.reason,
                "kind": row.kind,
                "entity_type": row.entity_type,
                "entity_id": row.entity_id,
                "reply": row.reply,
                "reply_status": row.reply_status,
            }
            for row, user_name, unit_name in recent
        ],
    }
