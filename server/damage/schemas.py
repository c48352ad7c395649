"""Damage report schemas: Create / Review / Query / Out kept apart."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate
from marshmallow.utils import missing

from server.damage.figures import FiguresIn, FiguresOut
from server.damage.indicators import TYPE_SPECIFIC
from server.damage.models import REPORT_STATUSES, STAGES
from server.fields import InputSchema, LocalDateTime, PageQuery, UnitBrief, UnitFilter, UserBrief

NOTE_MAX = 2000


class DamageReportCreate(InputSchema):
    client_id = fields.UUID(required=True, error_messages={"invalid_uuid": "应为 UUID", "required": "缺少 client_id"})
    # Omitted: the reporter's own village (a grid reporter's village).
    org_unit_id = fields.Integer(load_default=None, allow_none=True)
    stage = fields.String(
        required=True, validate=validate.OneOf(STAGES, error="阶段应为 initial（初报）、update（续报）或 final（核报）")
    )
    # omitted: every general figure 0 (a type-specific indicator, such as 干旱's, is still to be stated)
    figures = fields.Nested(FiguresIn, load_default=dict)
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=NOTE_MAX))
    change_note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=NOTE_MAX))


class DamageReviewIn(InputSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(("approve", "return"), error="审核结论应为 approve（通过）或 return（退回）"),
    )
    comment = fields.String(load_default="", allow_none=True, validate=validate.Length(max=NOTE_MAX))
    # The version the reviewer saw; a different one now is a 409 (someone acted meanwhile).
    version = fields.Integer(load_default=None, allow_none=True)


class DamageReportQuery(PageQuery, UnitFilter):
    event_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(REPORT_STATUSES))
    current = fields.Boolean(load_default=None)
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))


class _Columns(fields.Nested):
    """Nests fields that are columns of the parent object itself (a report's figures)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj


class LedgerWarning(Schema):
    """A figure that disagrees with the village's ledger (台账): the report is taken, the desk sees why."""

    code = fields.String(metadata={"description": "ledger_mismatch"})
    field = fields.String(metadata={"description": "the figure, e.g. figures.deaths"})
    message = fields.String()


class DamageReportOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    event_id = fields.Integer()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(UnitBrief)
    stage = fields.String()
    figures = _Columns(FiguresOut)
    is_zero = fields.Boolean()
    note = fields.String()
    change_note = fields.String()
    channel = fields.String(metadata={"description": "how the report arrived: http (the app, the API) or sms"})
    status = fields.String()
    current = fields.Boolean()
    version = fields.Integer()
    submitted_by = fields.Nested(UserBrief)
    submitted_at = LocalDateTime()
    reviewed_by = fields.Nested(UserBrief, allow_none=True)
    reviewed_at = LocalDateTime(allow_none=True)
    review_comment = fields.String()
    can_review = fields.Boolean(
        metadata={
            "x-optional": True,
            "description": "in a single read: whether the caller may approve or return this report now (a reviewer "
            "above the village who did not file it, the report current and not yet reviewed)",
        },
    )
    warnings = fields.List(
        fields.Nested(LedgerWarning),
        dump_default=list,
        metadata={
            "description": "figures of a current 初报/续报 that disagree with the village's ledgers (in the answer to "
            "a filing and a single read, not in lists); a 核报 that disagrees is refused with 422"
        },
    )

    @post_dump(pass_original=True)
    def _indicators_of_the_type(self, data, report, **kwargs):
        """干旱's indicators only on a drought event's reports (the type as the submit read it, or the event)."""
        figures = data.get("figures")
        kind = getattr(report, "disaster_type", None) or report.event.disaster_type
        if figures is not None:
            for indicator in TYPE_SPECIFIC:
                if indicator.only_for != kind:
                    figures.pop(indicator.key, None)
        return data


class DamageReportRowOut(DamageReportOut):
    """A report in a list: no ledger warnings (one query per row; the roll-up flags each village's mismatch) and no
    ``can_review`` (the single read says it)."""

    class Meta:
        exclude = ("warnings", "can_review")
