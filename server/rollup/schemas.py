from marshmallow import Schema, fields, validate

from server.fields import InputSchema, LocalDateTime, OfficerOut, OrgUnitOut, PageQuery, UnitFilter, UserBrief
from server.rollup.deadlines import LEVELS, OBLIGATIONS, STATUSES
from server.rollup.models import SIGNOFF_STATUS_NAMES


class RollupQuery(UnitFilter):
    """At this unit (default: the caller's)."""


class DeadlinesQuery(RollupQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    level = fields.String(
        load_default="village",
        validate=validate.OneOf(LEVELS, error="层级应为 village、township、county 或 city"),
        metadata={"description": "whose obligations: villages' reports (default) or a level's sign-offs"},
    )


class EvacuationTotalsOut(Schema):
    evacuated = fields.Integer()
    centralized = fields.Integer()
    dispersed = fields.Integer()
    returned = fields.Integer()
    displaced_now = fields.Integer(metadata={"description": "evacuated − returned"})


class ReportingOut(Schema):
    expected = fields.Integer()
    reported = fields.Integer()
    zero = fields.Integer()
    missing = fields.Integer()
    unreviewed = fields.Integer()
    late = fields.Integer()
    overdue_missing = fields.Integer(metadata={"description": "no report although the initial deadline passed"})
    ledger_mismatch = fields.Integer(metadata={"description": "villages whose figures and ledgers (台账) disagree"})


class NodeReportingOut(ReportingOut):
    """The roll-up's own node also names its missing villages (its children and the dashboard do not)."""

    missing_units = fields.List(fields.Nested(OrgUnitOut))


class LedgerCountsOut(Schema):
    """What the named ledgers hold under a node (counted rows only), beside the filed figures."""

    deaths = fields.Integer()
    missing = fields.Integer()
    houses_collapsed_households = fields.Integer()
    houses_collapsed_rooms = fields.Integer()
    houses_severe_households = fields.Integer()
    houses_severe_rooms = fields.Integer()
    houses_general_households = fields.Integer()
    houses_general_rooms = fields.Integer()
    transitional_aid = fields.Integer(metadata={"description": "需过渡期生活救助人口"})


class DeadlineOut(Schema):
    obligation = fields.String(validate=validate.OneOf(OBLIGATIONS))
    obligation_name = fields.String()
    due_at = fields.String(allow_none=True)
    window_start = fields.String(allow_none=True)


class StatusCountsOut(Schema):
    on_time = fields.Integer()
    pending = fields.Integer()
    late = fields.Integer()
    missing = fields.Integer()


class LevelObligationOut(DeadlineOut):
    """One level's obligation under a roll-up node: villages report, townships, counties and cities sign off."""

    level = fields.String(validate=validate.OneOf(LEVELS))
    counts = fields.Nested(StatusCountsOut)


class SignOffBriefOut(Schema):
    id = fields.Integer()
    status = fields.String()
    figures = fields.Dict()
    evacuation = fields.Dict()
    created_at = fields.String()


class RollupChildOut(Schema):
    org_unit = fields.Nested(OrgUnitOut)
    figures = fields.Dict(metadata={"description": "indicator → int, or string with two places for 公顷/万元"})
    evacuation = fields.Nested(EvacuationTotalsOut)
    reporting = fields.Nested(ReportingOut)
    last_report_at = fields.String(allow_none=True)
    signoff = fields.Nested(SignOffBriefOut, allow_none=True)
    differs = fields.Boolean(metadata={"description": "live figures differ from the signed-off figures"})
    ledger = fields.Nested(LedgerCountsOut)
    ledger_mismatch = fields.Boolean(metadata={"description": "a village under it disagrees with its ledgers"})
    deadline_status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "the child's own obligation: a village's report, a township's or county's sign-off"},
    )


class RollupOut(Schema):
    event_id = fields.Integer()
    drill = fields.Boolean()
    org_unit = fields.Nested(OrgUnitOut)
    figures = fields.Dict()
    evacuation = fields.Nested(EvacuationTotalsOut)
    reporting = fields.Nested(NodeReportingOut)
    ledger = fields.Nested(LedgerCountsOut)
    last_report_at = fields.String(allow_none=True)
    deadline = fields.Nested(DeadlineOut)
    levels = fields.List(
        fields.Nested(LevelObligationOut), metadata={"description": "from the villages up to the node"}
    )
    signoff_status = fields.String(
        allow_none=True, metadata={"description": "the node's own sign-off obligation (null for a village)"}
    )
    children = fields.List(fields.Nested(RollupChildOut))


class UnitDeadlineOut(Schema):
    org_unit = fields.Nested(OrgUnitOut)
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_name = fields.String()
    last_report_at = fields.String(allow_none=True)
    officers = fields.List(
        fields.Nested(OfficerOut),
        metadata={
            "x-optional": True,
            "description": "on a missing village only (its report is overdue): its active officers "
            "(灾害信息员 / 网格员, its grids' included) with their phones, whom to call",
        },
    )


class DeadlinesOut(DeadlineOut):
    event_id = fields.Integer()
    level = fields.String(validate=validate.OneOf(LEVELS))
    org_unit = fields.Nested(OrgUnitOut)
    counts = fields.Nested(StatusCountsOut)
    units = fields.List(fields.Nested(UnitDeadlineOut))


class SignOffIn(InputSchema):
    org_unit_id = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SignOffReviewIn(InputSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "return")))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    version = fields.Integer(load_default=None, metadata={"description": "the version the reviewer saw"})


class SignOffQuery(PageQuery, UnitFilter):
    current = fields.Boolean(load_default=None)


class SignOffOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(OrgUnitOut)
    figures = fields.Dict()
    evacuation = fields.Dict()
    reporting = fields.Dict()
    note = fields.String()
    status = fields.String()
    status_name = fields.Function(lambda s: SIGNOFF_STATUS_NAMES[s.status])
    current = fields.Boolean()
    version = fields.Integer()
    created_by = fields.Nested(UserBrief)
    created_at = LocalDateTime()
    reviewed_by = fields.Nested(UserBrief, allow_none=True)
    reviewed_at = LocalDateTime(allow_none=True)
    review_comment = fields.String()
