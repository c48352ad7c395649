from marshmallow import fields

from server.fields import UnitFilter


class RollupExportQuery(UnitFilter):
    """At this unit (default: the caller's)."""


class ReportExportQuery(UnitFilter):
    event_id = fields.Integer(load_default=None)  # none: every real (non-drill) event in scope
