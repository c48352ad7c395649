"""Ledger schemas: Create / Change / Review / Query / Out kept apart. ``id_number`` leaves only masked."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.fields import InputSchema, LocalDateTime, PageQuery, UnitBrief, UnitFilter, UserBrief
from server.ledgers import idnumber
from server.ledgers.models import (
    CASUALTY_KINDS,
    DAMAGE_CLASSES,
    HOUSE_STATUSES,
    REVIEW_STATUSES,
    SEXES,
    STRUCTURES,
)

NOTE_MAX = 2000
WHOLE = {"invalid": "应为整数", "required": "必填", "null": "不能为空"}
UUID_ERRORS = {"invalid_uuid": "应为 UUID", "required": "缺少 client_id"}


def _text(max_length: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length, error=f"不能超过 {max_length} 个字"), **kw)


def _name(**kw) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(min=1, error="不能为空"),
            validate.Length(max=50, error="不能超过 50 个字"),
        ],
        error_messages={"required": "必填", "null": "不能为空"},
        **kw,
    )


def _count(**kw) -> fields.Integer:
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=10_000, error="应在 0 到 10000 之间"),
        error_messages=WHOLE,
        **kw,
    )


def _one_of(choices, names: dict[str, str] | None = None, **kw) -> fields.String:
    shown = "、".join(f"{c}（{names[c]}）" if names else c for c in choices)
    return fields.String(validate=validate.OneOf(tuple(choices), error=f"应为 {shown}"), **kw)


_ID_NUMBER = {"metadata": {"description": "公民身份号码 (GB 11643, 18 位); '' when unknown. Answered masked."}}


class CasualtyCreate(InputSchema):
    client_id = fields.UUID(required=True, error_messages=UUID_ERRORS)
    org_unit_id = fields.Integer(load_default=None, allow_none=True)  # omitted: the reporter's own village
    name = _name(required=True)
    sex = _one_of(SEXES, SEXES, required=True, error_messages={"required": "必填"})
    age = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=150, error="年龄应在 0 到 150 之间"),
        error_messages=WHOLE,
    )
    id_number = _text(30, load_default="", allow_none=True, **_ID_NUMBER)
    address = _text(200, load_default="", allow_none=True)
    kind = _one_of(CASUALTY_KINDS, CASUALTY_KINDS, required=True, error_messages={"required": "必填"})
    occurred_at = LocalDateTime(load_default=None, allow_none=True)
    place = _text(200, load_default="", allow_none=True)
    cause = _text(20, load_default="", allow_none=True, metadata={"description": "a disaster type or sub-type"})
    note = _text(NOTE_MAX, load_default="", allow_none=True)


class CasualtyChange(InputSchema):
    """A status change (missing → confirmed dead, found alive) or a correction; every field optional."""

    kind = _one_of(CASUALTY_KINDS, CASUALTY_KINDS)
    found_alive = fields.Boolean()
    name = _name()
    sex = _one_of(SEXES, SEXES)
    age = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=0, max=150, error="年龄应在 0 到 150 之间")
    )
    id_number = _text(30, allow_none=True, **_ID_NUMBER)
    address = _text(200, allow_none=True)
    occurred_at = LocalDateTime(allow_none=True)
    place = _text(200, allow_none=True)
    cause = _text(20, allow_none=True)
    note = _text(NOTE_MAX, allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True, metadata={"description": "the version seen"})


class DamagedHouseCreate(InputSchema):
    client_id = fields.UUID(required=True, error_messages=UUID_ERRORS)
    org_unit_id = fields.Integer(load_default=None, allow_none=True)
    head_name = _name(required=True)
    id_number = _text(30, load_default="", allow_none=True, **_ID_NUMBER)
    address = _text(200, load_default="", allow_none=True)
    structure = _one_of(STRUCTURES, required=True, error_messages={"required": "必填"})
    damage = _one_of(DAMAGE_CLASSES, DAMAGE_CLASSES, required=True, error_messages={"required": "必填"})
    rooms = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=1000, error="间数应在 1 到 1000 之间"),
        error_messages=WHOLE,
    )
    transitional_aid_persons = _count(load_default=0)
    status = _one_of(HOUSE_STATUSES, HOUSE_STATUSES, load_default="pending")
    note = _text(NOTE_MAX, load_default="", allow_none=True)


class DamagedHouseChange(InputSchema):
    head_name = _name()
    id_number = _text(30, allow_none=True, **_ID_NUMBER)
    address = _text(200, allow_none=True)
    structure = _one_of(STRUCTURES)
    damage = _one_of(DAMAGE_CLASSES, DAMAGE_CLASSES)
    rooms = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=1000, error="间数应在 1 到 1000 之间"), error_messages=WHOLE
    )
    transitional_aid_persons = _count()
    status = _one_of(HOUSE_STATUSES, HOUSE_STATUSES)
    note = _text(NOTE_MAX, allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True, metadata={"description": "the version seen"})


class LedgerReviewIn(InputSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(("approve", "return"), error="审核结论应为 approve（通过）或 return（退回）"),
    )
    comment = _text(NOTE_MAX, load_default="", allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)


class _LedgerQuery(PageQuery, UnitFilter):
    review_status = _one_of(REVIEW_STATUSES, REVIEW_STATUSES, load_default=None)


class CasualtyQuery(_LedgerQuery):
    kind = _one_of(CASUALTY_KINDS, CASUALTY_KINDS, load_default=None)
    found_alive = fields.Boolean(load_default=None)


class DamagedHouseQuery(_LedgerQuery):
    damage = _one_of(DAMAGE_CLASSES, DAMAGE_CLASSES, load_default=None)
    status = _one_of(HOUSE_STATUSES, HOUSE_STATUSES, load_default=None)


class LedgerExportQuery(UnitFilter):
    reveal = fields.Boolean(
        load_default=False,
        metadata={"description": "full ID numbers (county reviewers only; written to the audit trail)"},
    )


class _LedgerOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    event_id = fields.Integer()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(UnitBrief)
    id_number = fields.Function(lambda row: idnumber.mask(row.id_number), metadata={"description": "masked"})
    has_id_number = fields.Function(lambda row: bool(row.id_number))
    address = fields.String()
    note = fields.String()
    review_status = fields.String()
    review_status_name = fields.Function(lambda row: REVIEW_STATUSES[row.review_status])
    version = fields.Integer()
    submitted_by = fields.Nested(UserBrief)
    submitted_at = LocalDateTime()
    updated_at = LocalDateTime()
    reviewed_by = fields.Nested(UserBrief, allow_none=True)
    reviewed_at = LocalDateTime(allow_none=True)
    review_comment = fields.String()


class CasualtyOut(_LedgerOut):
    name = fields.String()
    sex = fields.String()
    age = fields.Integer(allow_none=True)
    kind = fields.String()
    kind_name = fields.Function(lambda row: CASUALTY_KINDS[row.kind])
    found_alive = fields.Boolean()
    counted_as = fields.Function(
        lambda row: None if row.found_alive or row.review_status == "returned" else row.kind,
        metadata={"description": "dead | missing: which count of the village's report this person is in"},
    )
    occurred_at = LocalDateTime(allow_none=True)
    place = fields.String()
    cause = fields.String()


class DamagedHouseOut(_LedgerOut):
    head_name = fields.String()
    structure = fields.String()
    damage = fields.String()
    damage_name = fields.Function(lambda row: DAMAGE_CLASSES[row.damage])
    rooms = fields.Integer()
    transitional_aid_persons = fields.Integer()
    status = fields.String()
    status_name = fields.Function(lambda row: HOUSE_STATUSES[row.status])


class RevealIn(InputSchema):
    """Why the full number is needed (optional; written to the audit trail with the request)."""

    BODY_OPTIONAL = True

    reason = fields.String(load_default="", validate=validate.Length(max=500, error="原因不能超过 500 个字"))


class RevealOut(Schema):
    id_number = fields.String(metadata={"description": "the full number; the request is in the audit trail"})
