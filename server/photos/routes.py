from datetime import timedelta

import click
from flask import Blueprint, Response, current_app, request
from flask_login import current_user

from server.api import doc
from server.auth.access import current_actor
from server.errors import BadRequest, Invalid, NotFound, PayloadTooLarge
from server.extensions import db, limiter
from server.photos import service
from server.photos.schemas import PhotoForm, PhotoOut

bp = Blueprint("photos", __name__)

# Per user, shared by both upload routes (UPLOAD_RATE_LIMIT, Flask-Limiter syntax): decoding photos is the costliest
# thing the API does, so one account (or a stolen session) cannot take the server's CPU from everyone else.
upload_rate_limit = limiter.shared_limit(
    lambda: current_app.config["UPLOAD_RATE_LIMIT"],
    scope="photo-upload",
    key_func=lambda: f"user:{current_user.get_id()}",
    exempt_when=lambda: not current_user.is_authenticated,  # anonymous: 401 from the login check
)

# Room for the multipart envelope (boundaries, part headers, the kind field) around a file of MAX_UPLOAD_MB.
ENVELOPE = 64 * 1024
CACHE_FOREVER = "private, max-age=31536000, immutable"  # content-addressed: a photo's bytes never change


def photo_upload_response(*, hazard_id: int | None = None, report_id: int | None = None):
    """Shared by both upload routes: parent and scope first, then the size, then the body."""
    actor = current_actor()
    if hazard_id is not None:
        parent = service.hazard_for_upload(actor=actor, hazard_id=hazard_id)
    else:
        parent = service.damage_report_for_upload(actor=actor, report_id=report_id)
    limits = service.upload_limits()
    # Refuse by the declared length before a byte of the body is read.
    if request.content_length is not None and request.content_length > limits["max_bytes"] + ENVELOPE:
        raise PayloadTooLarge(f"照片不能超过 {limits['max_bytes'] // service.MB} MB")
    if request.mimetype != "multipart/form-data":
        raise BadRequest("请以 multipart/form-data 上传照片（字段 file）")
    names = [*request.form, *request.files]
    if any(not name for name in names):  # werkzeug keys a part without a name as None
        raise Invalid({"_schema": ["表单中有未命名的字段（每个部分都须有 name）"]})
    unknown = set(request.files) - {"file"}
    if unknown:
        raise Invalid({name: ["未知字段"] for name in sorted(unknown)})
    form = PhotoForm().load(request.form.to_dict())
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": ["请选择要上传的照片"]})
    photo, created = service.add_photo(
        actor=actor,
        parent=parent,
        upload=upload.stream,
        kind=form["kind"],
        device=service.DeviceFix(
            lat=form["lat"], lon=form["lon"], accuracy_m=form["accuracy_m"], taken_at=form["taken_at"]
        ),
        store=service.media_store(),
        **limits,
    )
    db.session.commit()
    return PhotoOut().dump(photo), 201 if created else 200


@bp.post("/damage-reports/<int:report_id>/photos")
@doc(response=PhotoOut, status=201, content_type="multipart/form-data", form=PhotoForm)
@upload_rate_limit
def upload_damage_report_photo(report_id: int):
    """Attach a photo to a damage report (multipart field file; optional lat, lon, accuracy_m, taken_at)."""
    return photo_upload_response(report_id=report_id)


@bp.get("/photos/<int:photo_id>")
@doc(content_type="image/jpeg")
def get_photo(photo_id: int):
    """The photo's image (upright, without metadata), within scope only."""
    photo = service.get_photo(actor=current_actor(), photo_id=photo_id)
    return _image_response(photo.storage_key, photo.sha256, photo.content_type, photo.bytes)


@bp.get("/photos/<int:photo_id>/thumbnail")
@doc(content_type="image/jpeg")
def get_thumbnail(photo_id: int):
    """The photo's thumbnail (320 px long side), within scope only."""
    photo = service.get_photo(actor=current_actor(), photo_id=photo_id)
    return _image_response(photo.thumbnail_key, photo.thumbnail_sha256, photo.content_type, photo.thumbnail_bytes)


def _image_response(key: str, etag: str, content_type: str, length: int) -> Response:
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        try:
            stream = service.media_store().open(key)
        except FileNotFoundError:
            current_app.logger.error("photo file missing from the media store: %s", key)
            raise NotFound("照片文件不存在") from None
        response = Response(_chunks(stream), mimetype=content_type)
        response.call_on_close(stream.close)  # also when the body is never read (HEAD)
        response.headers["Content-Length"] = str(length)
        response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response


def _chunks(stream, size: int = 64 * 1024):
    while data := stream.read(size):
        yield data


@bp.cli.command("gc")
@click.option("--grace-hours", default=1.0, show_default=True, help="Spare files younger than this.")
def collect_garbage(grace_hours: float) -> None:
    """Delete stored photo files that no photo row refers to."""
    removed = service.collect_orphan_files(grace=timedelta(hours=grace_hours))
    click.echo(f"removed {len(removed)} orphan file(s)")


@bp.cli.command("thumbnails")
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every thumbnail, not only missing ones.")
def rebuild_thumbnails(rebuild_all: bool) -> None:
    """Make photo thumbnails again from the stored photos."""
    count = service.rebuild_thumbnails(only_missing=not rebuild_all)
    db.session.commit()
    click.echo(f"rebuilt {count} thumbnail(s)")
