"""Photo output, and the time field every feature of this package shows in the deployment's zone."""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate

from server.clock import as_utc, local_zone, to_local
from server.photos.models import KINDS


class LocalDateTime(fields.DateTime):
    """ISO 8601 with offset, shown in ``TIMEZONE``; input without an offset is read as ``TIMEZONE`` local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=local_zone())
        return as_utc(parsed)


class PhotoOut(Schema):
    id = fields.Integer()
    hazard_id = fields.Integer(allow_none=True)
    damage_report_id = fields.Integer(allow_none=True)
    sha256 = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    bytes = fields.Integer()
    taken_at = LocalDateTime(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    kind = fields.String(allow_none=True)
    url = fields.String()
    thumbnail_url = fields.String()
    created_at = LocalDateTime()


def load_kind(value: str | None) -> str | None:
    """The multipart ``kind`` field (forms carry no schema of their own)."""
    if value in (None, ""):
        return None
    try:
        validate.OneOf(KINDS, error="照片类别只能是 before（整改前）或 after（整改后）")(value)
    except ValidationError as exc:
        raise ValidationError({"kind": exc.messages}) from exc
    return value
