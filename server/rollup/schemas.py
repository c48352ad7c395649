from marshmallow import Schema, fields, validate

from server import clock
from server.api import InputSchema, PageQuery
from server.orgunits.schemas import OrgUnitOut
from server.rollup.deadlines import OBLIGATIONS, STATUSES
from server.rollup.models import SIGNOFF_STATUS_NAMES


def _local(value):
    return clock.to_local(value).isoformat() if value is not None else None


def _user(user):
    return None if user is None else {"id": user.id, "username": user.username, "name": user.name}


class RollupQuery(InputSchema):
    org_unit_id = fields.Integer(load_default=None)


class DeadlinesQuery(RollupQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


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
    missing_units = fields.List(fields.Nested(OrgUnitOut), metadata={"description": "top node only"})
    ledger_mismatch = fields.Integer(metadata={"description": "villages whose figures and ledgers (台账) disagree"})


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


class RollupOut(Schema):
    event_id = fields.Integer()
    drill = fields.Boolean()
    org_unit = fields.Nested(OrgUnitOut)
    figures = fields.Dict()
    evacuation = fields.Nested(EvacuationTotalsOut)
    reporting = fields.Nested(ReportingOut)
    ledger = fields.Nested(LedgerCountsOut)
    last_report_at = fields.String(allow_none=True)
    deadline = fields.Nested(DeadlineOut)
    children = fields.List(fields.Nested(RollupChildOut))


class UnitDeadlineOut(Schema):
    org_unit = fields.Nested(OrgUnitOut)
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_name = fields.String()
    last_report_at = fields.String(allow_none=True)


class DeadlinesOut(DeadlineOut):
    event_id = fields.Integer()
    org_unit = fields.Nested(OrgUnitOut)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    units = fields.List(fields.Nested(UnitDeadlineOut))


class SignOffIn(InputSchema):
    org_unit_id = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SignOffReviewIn(InputSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "return")))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    version = fields.Integer(load_default=None, metadata={"description": "the version the reviewer saw"})


class SignOffQuery(PageQuery):
    org_unit_id = fields.Integer(load_default=None)
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
    created_by = fields.Function(lambda s: _user(s.created_by))
    created_at = fields.Function(lambda s: _local(s.created_at))
    reviewed_by = fields.Function(lambda s: _user(s.reviewed_by))
    reviewed_at = fields.Function(lambda s: _local(s.reviewed_at))
    review_comment = fields.String()
