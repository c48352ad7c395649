from marshmallow import Schema, fields

from server.fields import OrgUnitOut
from server.rollup.schemas import DeadlineOut, EvacuationTotalsOut, LevelObligationOut, ReportingOut
from server.warnings.schemas import WarningOut


class DashboardEventInfoOut(Schema):
    id = fields.Integer()
    name = fields.String()
    disaster_type = fields.String()
    disaster_subtype = fields.String(allow_none=True)
    status = fields.String()
    started_at = fields.String()
    org_unit = fields.Nested(OrgUnitOut)


class OwnSignOffOut(Schema):
    id = fields.Integer()
    status = fields.String()
    status_name = fields.String()
    created_at = fields.String()
    review_comment = fields.String()


class DashboardEventOut(Schema):
    event = fields.Nested(DashboardEventInfoOut)
    figures = fields.Dict()
    evacuation = fields.Nested(EvacuationTotalsOut)
    reporting = fields.Nested(ReportingOut)
    deadline = fields.Nested(DeadlineOut)
    levels = fields.List(fields.Nested(LevelObligationOut), metadata={"description": "each level's obligation"})
    signoff_status = fields.String(allow_none=True, metadata={"description": "the caller's unit's own sign-off"})
    last_report_at = fields.String(allow_none=True)
    overdue_signoffs = fields.Integer(metadata={"description": "sign-offs late or missing under the caller"})
    own_signoff = fields.Nested(
        OwnSignOffOut,
        allow_none=True,
        metadata={"description": "the caller's unit's current sign-off (乡镇上报, 县级上报); null: none yet"},
    )
    signoffs_to_review = fields.Integer(
        metadata={"description": "sign-offs of the units right below, submitted and waiting for this level"}
    )
    late_units = fields.List(
        fields.Nested(OrgUnitOut), metadata={"description": "villages late for the current obligation (first 20)"}
    )
    missing_units = fields.List(
        fields.Nested(OrgUnitOut), metadata={"description": "villages with nothing filed past the deadline (first 20)"}
    )


class OverdueHazardOut(Schema):
    id = fields.Integer()
    title = fields.String()
    risk_level = fields.String()
    deadline = fields.String()
    supervised = fields.Boolean()
    org_unit = fields.Nested(OrgUnitOut)


class DashboardWarningOut(WarningOut):
    overdue_units = fields.List(
        fields.Nested(OrgUnitOut),
        metadata={"description": "target villages in scope silent past the window (first 20)"},
    )


class DashboardHazardsOut(Schema):
    open = fields.Integer()
    open_by_risk_level = fields.Dict(keys=fields.String(), values=fields.Integer())
    supervised = fields.Integer(metadata={"description": "挂牌督办 among the open hazards"})
    overdue_rectification = fields.Integer(metadata={"description": "rectifying past their deadline"})
    overdue_rectifications = fields.List(
        fields.Nested(OverdueHazardOut), metadata={"description": "the first 20 of them, oldest deadline first"}
    )


class OverdueEventOut(Schema):
    event_id = fields.Integer()
    late = fields.Integer()
    missing = fields.Integer()
    signoffs = fields.Integer()


class DashboardOverdueOut(Schema):
    late = fields.Integer(metadata={"description": "villages late for their current obligation"})
    missing = fields.Integer(metadata={"description": "villages with nothing filed after the initial deadline"})
    signoffs = fields.Integer(
        metadata={"description": "sign-offs (乡镇上报, 县级上报) late or missing under the caller"}
    )
    hazard_rectification = fields.Integer(metadata={"description": "hazard rectifications past their deadline"})
    warning_targets = fields.Integer(metadata={"description": "target villages silent past an active warning's window"})
    events = fields.List(fields.Nested(OverdueEventOut))


class DashboardOut(Schema):
    org_unit = fields.Nested(OrgUnitOut)
    events = fields.List(fields.Nested(DashboardEventOut))
    pending_local_events = fields.List(
        fields.Dict(), metadata={"description": "本地事件 from villages in scope waiting for the township's decision"}
    )
    hazards = fields.Nested(DashboardHazardsOut, allow_none=True)
    warnings = fields.List(
        fields.Nested(DashboardWarningOut), metadata={"description": "active warnings, most severe and newest first"}
    )
    overdue = fields.Nested(DashboardOverdueOut)
