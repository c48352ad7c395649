from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, request, send_file
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from server.access import current_actor
from server.api import RESENT, Blueprint, reads_first
from server.errors import BadRequest, Invalid, NotFound, PayloadTooLarge
from server.extensions import db, limiter
from server.photos import service
from server.photos.schemas import PhotoOut, PhotoUpload
from server.photos.storage import LocalStore

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
IMAGE = {"type": "string", "format": "binary"}
# Beside the JPEG of bp.response: a PNG stays a PNG, and a Range request gets part of the file.
IMAGE_RESPONSES = {
    200: {"content": {"image/png": {"schema": IMAGE}}},
    206: {
        "description": "Part of the image (a Range request resuming a download)",
        "content": {"image/jpeg": {"schema": IMAGE}, "image/png": {"schema": IMAGE}},
    },
}
CACHE_FOREVER = "private, max-age=31536000, immutable"  # content-addressed: a photo's bytes never change


def _before_the_body(find_parent: Callable) -> Callable:
    """Both upload routes: the parent and the caller's scope first (404), then the declared size (413) and the
    content type (400), before a byte of the body is read or parsed."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs):
            parent = find_parent(actor=current_actor(), **kwargs)
            limits = service.upload_limits()
            if request.content_length is not None and request.content_length > limits["max_bytes"] + ENVELOPE:
                raise PayloadTooLarge(f"照片不能超过 {limits['max_bytes'] // service.MB} MB")
            if request.mimetype != "multipart/form-data":
                raise BadRequest("请以 multipart/form-data 上传照片（字段 file）")
            if any(not name for name in [*request.form, *request.files]):  # werkzeug keys a nameless part None
                raise Invalid({"_schema": ["表单中有未命名的字段（每个部分都须有 name）"]})
            return view(parent=parent, limits=limits)

        return wrapper

    return decorator


def _add_photo(form: dict, *, parent, limits: dict):
    received, existing = service.receive_photo(parent=parent, upload=form["file"].stream, max_bytes=limits["max_bytes"])
    # End the read (scope, parent, resend) before decoding: the image is processed holding no database lock, and on
    # SQLite only the insert's transaction takes the write lock (reads_first), so other writers do not wait for Pillow.
    db.session.commit()  # commits only a read (the insert's transaction is committed by in_transaction)
    if existing is not None:
        return existing, 200
    photo, created = service.add_photo(
        actor=current_actor(),
        parent=parent,
        received=received,
        kind=form["kind"],
        device=service.DeviceFix(
            lat=form["lat"], lon=form["lon"], accuracy_m=form["accuracy_m"], taken_at=form["taken_at"]
        ),
        store=service.media_store(),
        **limits,
    )
    return photo, 201 if created else 200


@bp.post("/hazards/<int:hazard_id>/photos")
@reads_first
@upload_rate_limit
@_before_the_body(service.hazard_for_upload)
@bp.arguments(PhotoUpload, location="files")
@bp.response(201, PhotoOut)
@bp.alt_response(200, schema=PhotoOut, description=RESENT, success=True)
def upload_hazard_photo(form: dict, *, parent, limits: dict):
    """Attach a photo to a hazard (multipart field file; optional kind before|after, lat, lon, accuracy_m, taken_at)."""
    return _add_photo(form, parent=parent, limits=limits)


@bp.post("/damage-reports/<int:report_id>/photos")
@reads_first
@upload_rate_limit
@_before_the_body(service.damage_report_for_upload)
@bp.arguments(PhotoUpload, location="files")
@bp.response(201, PhotoOut)
@bp.alt_response(200, schema=PhotoOut, description=RESENT, success=True)
def upload_damage_report_photo(form: dict, *, parent, limits: dict):
    """Attach a photo to a damage report (multipart field file; optional lat, lon, accuracy_m, taken_at)."""
    return _add_photo(form, parent=parent, limits=limits)


@bp.get("/photos/<int:photo_id>")
@bp.response(200, IMAGE, content_type="image/jpeg")
@bp.doc(responses=IMAGE_RESPONSES)
def get_photo(photo_id: int):
    """The photo's image (upright, without metadata), within scope only."""
    photo = service.get_photo(actor=current_actor(), photo_id=photo_id)
    return _image_response(photo.storage_key, photo.sha256, photo.content_type, photo.bytes)


@bp.get("/photos/<int:photo_id>/thumbnail")
@bp.response(200, IMAGE, content_type="image/jpeg")
@bp.doc(responses=IMAGE_RESPONSES)
def get_thumbnail(photo_id: int):
    """The photo's thumbnail (320 px long side), within scope only."""
    photo = service.get_photo(actor=current_actor(), photo_id=photo_id)
    return _image_response(photo.thumbnail_key, photo.thumbnail_sha256, photo.content_type, photo.thumbnail_bytes)


def _image_response(key: str, etag: str, content_type: str, length: int) -> Response:
    """Flask's ``send_file`` with ``conditional``: ETag and 304, and Range requests (206 with Content-Range; 416 for
    a range outside the file), so a photo half-loaded over a flaky connection resumes instead of starting over. An
    object store answers the same through the same machinery (``_object_response``)."""
    if request.if_none_match.contains_weak(etag):  # the phone has it: no need to open the file (or the bucket)
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_FOREVER
        return response
    store = service.media_store()
    try:
        if isinstance(store, LocalStore):
            response = send_file(store.path(key), mimetype=content_type, etag=etag, conditional=True)
        else:
            response = _object_response(store, key, etag=etag, content_type=content_type, length=length)
    except FileNotFoundError:
        current_app.logger.error("photo file missing from the media store: %s", key)
        raise NotFound("照片文件不存在") from None
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response


def _object_response(store, key: str, *, etag: str, content_type: str, length: int) -> Response:
    """A stored object without a local path, answered by werkzeug's conditional machinery as send_file answers a
    file (Range and If-Range: 206 with Content-Range, 416 when unsatisfiable), knowing the length from the photo's
    row; then only the bytes answered are fetched (the range goes to the store's GetObject)."""
    response = Response(mimetype=content_type, direct_passthrough=True)
    response.set_etag(etag)
    response.content_length = length
    response.make_conditional(request.environ, accept_ranges=True, complete_length=length)
    if response.status_code == 206:
        part = response.content_range
        byte_range = (part.start, part.stop)
    elif response.status_code == 200:
        byte_range = None
    else:  # 412 (If-Match): no body, nothing fetched
        response.response, response.content_length = [], 0
        return response
    response.response = wrap_file(request.environ, store.open(key, byte_range=byte_range))
    return response
