from marshmallow import fields, validate

from server.fields import UnitFilter


class RollupExportQuery(UnitFilter):
    """At this unit (default: the caller's)."""


class RollupXlsxQuery(RollupExportQuery):
    layout = fields.String(
        load_default="default",
        validate=validate.OneOf(("default", "national"), error="版式应为 default 或 national（快报表）"),
        metadata={"description": "national: the 快报表 (national column order and header block)"},
    )


class ReportExportQuery(UnitFilter):
    event_id = fields.Integer(load_default=None)  # none: every real (non-drill) event in scope
