from marshmallow import fields

from server.api import InputSchema


class RollupExportQuery(InputSchema):
    org_unit_id = fields.Integer(load_default=None)


class ReportExportQuery(InputSchema):
    event_id = fields.Integer(load_default=None)  # none: every real (non-drill) event in scope
    org_unit_id = fields.Integer(load_default=None)
