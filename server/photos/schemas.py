"""Photo output, and the time field every feature of this package shows in the deployment's zone."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema
from werkzeug.datastructures import FileStorage

from server.clock import as_utc
from server.fields import EARLIEST, LATEST, InputSchema, LocalDateTime
from server.photos.models import KINDS


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
    accuracy_m = fields.Float(allow_none=True)
    kind = fields.String(allow_none=True)
    url = fields.String()
    thumbnail_url = fields.String()
    created_at = LocalDateTime()


KIND_ERROR = "照片类别只能是 before（整改前）或 after（整改后）"


class PhotoForm(InputSchema):
    """The multipart fields beside ``file``: the photo's kind, and where and when the phone says it was taken.

    The position and time are used only when the image carries none in its EXIF (a phone's shrunk JPEG has none);
    the image's own EXIF wins when present."""

    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS, error=KIND_ERROR))
    lat = fields.Float(
        load_default=None,
        validate=validate.Range(min=-90, max=90, error="纬度须在 -90 到 90 之间"),
        error_messages={"invalid": "纬度须为数字", "special": "纬度须为数字"},
    )
    lon = fields.Float(
        load_default=None,
        validate=validate.Range(min=-180, max=180, error="经度须在 -180 到 180 之间"),
        error_messages={"invalid": "经度须为数字", "special": "经度须为数字"},
    )
    accuracy_m = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, max=1_000_000, error="定位精度须为不小于 0 的米数"),
        error_messages={"invalid": "定位精度须为数字（米）", "special": "定位精度须为数字（米）"},
    )
    taken_at = fields.AwareDateTime(
        load_default=None,
        validate=validate.Range(min=EARLIEST, max=LATEST, error="拍摄时间超出合理范围"),
        error_messages={
            "invalid": "拍摄时间须为带时区的 ISO 8601 时间，如 2026-07-01T08:30:00+08:00",
            "invalid_awareness": "拍摄时间须带时区偏移，如 +08:00",
        },
    )

    @pre_load
    def empty_is_absent(self, data: dict, **kwargs) -> dict:
        return {key: value for key, value in data.items() if value != ""}

    @validates_schema
    def position_is_a_pair(self, data: dict, **kwargs) -> None:
        if (data.get("lat") is None) != (data.get("lon") is None):
            missing = "lon" if data.get("lon") is None else "lat"
            raise ValidationError({missing: ["纬度 lat 和经度 lon 须同时提供"]})
        if data.get("accuracy_m") is not None and data.get("lat") is None:
            raise ValidationError({"accuracy_m": ["提供定位精度时须同时提供 lat 和 lon"]})

    @post_load
    def to_utc(self, data: dict, **kwargs) -> dict:
        if data.get("taken_at") is not None:
            data["taken_at"] = as_utc(data["taken_at"])
        return data


class PhotoUpload(PhotoForm):
    """A photo upload: the image in the multipart part ``file`` and the optional fields of ``PhotoForm`` beside it."""

    file = Upload(required=True, error_messages={"required": "请选择要上传的照片"})

    @validates_schema
    def file_is_a_file(self, data: dict, **kwargs) -> None:
        if "file" in data and not isinstance(data["file"], FileStorage):
            raise ValidationError({"file": ["请以文件上传照片（字段 file）"]})
