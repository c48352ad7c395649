"""Damage report schemas: Create / Review / Query / Out kept apart."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate
from marshmallow.utils import missing

from server.damage.figures import FiguresIn, FiguresOut
from server.damage.indicators import TYPE_SPECIFIC
from server.damage.models import REPORT_STATUSES, STAGES
from server.damage.reads import ReportRead
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
    # By name (marshmallow's class registry): photos sits above damage, so damage does not import it.
    photos = fields.List(
        fields.Nested("PhotoOut"),
        attribute="photo_list",
        metadata={
            "x-optional": True,
            "description": "in a single read: the report's photos, oldest first (thumbnail_url for a list, url for the "
            "full size; both served within the caller's scope)",
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
        """干旱's indicators only on a drought event's reports (the type a read model says, or the row's event)."""
        figures = data.get("figures")
        kind = report.disaster_type if isinstance(report, ReportRead) else report.event.disaster_type
        if figures is not None:
            for indicator in TYPE_SPECIFIC:
                if indicator.only_for != kind:
                    figures.pop(indicator.key, None)
        return data


class DamageReportRowOut(DamageReportOut):
    """A report in a list: no ledger warnings (one query per row; the roll-up flags each village's mismatch), no
    ``can_review`` and no photos (the single read says them)."""

    class Meta:
        exclude = ("warnings", "can_review", "photos")


# ---- GET /indicators (server/damage/vocabulary.py) ----------------------------------------------------------------
_SOME_KINDS = {"x-optional": True}


class IndicatorGroupOut(Schema):
    key = fields.String(metadata={"description": "people | drought | houses | crops | loss"})
    label = fields.String(metadata={"description": "the heading a form shows, e.g. 人员"})


class IndicatorOut(Schema):
    key = fields.String(metadata={"description": "the key in figures, e.g. affected_population"})
    label = fields.String(metadata={"description": "指标, e.g. 受灾人口"})
    unit = fields.String(metadata={"description": "人 / 户 / 间 / 公顷 / 万元 / 头"})
    group = fields.String(metadata={"description": "the key of its group in groups"})
    decimal = fields.Boolean(metadata={"description": "an amount with two places sent as a string (公顷, 万元)"})
    only_for = fields.String(
        allow_none=True,
        metadata={"description": "the only disaster type whose events hold it (null: every type); not sent elsewhere"},
    )
    required_for = fields.List(
        fields.String(), metadata={"description": "the disaster types whose reports must state it, even as 0"}
    )
    hint = fields.String(metadata={"description": "words a form may show under the label, or empty"})


class FigureRuleOut(Schema):
    """One rule the server checks on a report's figures. ``message`` is the server's error message as a template:
    ``{<key>}`` is that figure as the API shows it (``12``, ``8.20``), ``{sum}`` the sum of ``right``/``parts``,
    ``{names}`` the names (``受灾人口(人)``) of the figures that went down, joined by ``separator``."""

    kind = fields.String(
        metadata={
            "description": "gte: left ≥ sum(right); sum: total = sum(parts); stated: a report of disaster_type must "
            "state field; decrease: figures below the previous report need a change note (field change_note)"
        }
    )
    field = fields.String(metadata={"description": "the figure (or change_note) the message is reported on"})
    message = fields.String()
    left = fields.String(metadata=_SOME_KINDS)
    right = fields.List(fields.String(), metadata=_SOME_KINDS)
    total = fields.String(metadata=_SOME_KINDS)
    parts = fields.List(fields.String(), metadata=_SOME_KINDS)
    disaster_type = fields.String(metadata=_SOME_KINDS)
    separator = fields.String(metadata=_SOME_KINDS)


class ValueKindOut(Schema):
    max = fields.Raw(metadata={"description": "the largest value taken (an integer; an amount as a string)"})
    places = fields.Integer(metadata=_SOME_KINDS)
    messages = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "invalid, null, negative, too_large (and places for amounts)"},
    )


class ValueKindsOut(Schema):
    whole = fields.Nested(ValueKindOut)
    amount = fields.Nested(ValueKindOut)


class IndicatorsOut(Schema):
    groups = fields.List(fields.Nested(IndicatorGroupOut))
    indicators = fields.List(fields.Nested(IndicatorOut), metadata={"description": "in national order"})
    rules = fields.List(fields.Nested(FigureRuleOut), metadata={"description": "in the order the server reports"})
    values = fields.Nested(ValueKindsOut, metadata={"description": "what a value that is not a figure is told"})
