"""Photos of hazards and damage reports: upload (deduplicated), read within scope, and garbage collection.

The file goes into the content-addressed store first, then the row is inserted: a crash in between leaves a file
without a row, which ``collect_orphan_files`` removes; a row without a file cannot happen.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from sqlalchemy import select

from server.audit_trail import record
from server.clock import now
from server.damage.models import DamageReport
from server.damage.service import get_report
from server.errors import InvalidTransition, NotFound, Unavailable
from server.extensions import db
from server.hazards.models import Hazard
from server.hazards.service import get_hazard
from server.idempotency import after_lost_race, insert_unless_taken
from server.photos.access import UPLOAD_PHOTOS
from server.photos.imaging import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_PNG_PIXELS,
    jpeg_thumbnail,
    process_upload,
    read_upload,
)
from server.photos.models import Photo
from server.photos.storage import GC_GRACE, MediaStore, collect_garbage, store_from_config

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from server.users.models import User

CLOSED_HAZARD_STATUSES = ("closed", "rejected")
MB = 1024 * 1024


def media_store() -> MediaStore:
    """The app's store, made once per app from its configuration."""
    store = current_app.extensions.get("media_store")
    if store is None:
        store = store_from_config(current_app.config, instance_path=current_app.instance_path)
        current_app.extensions["media_store"] = store
    return store


def upload_limits() -> dict[str, Any]:
    config = current_app.config
    return {
        "max_bytes": int(config["MAX_UPLOAD_MB"]) * MB,
        "max_pixels": int(config.get("MAX_IMAGE_PIXELS") or DEFAULT_MAX_PIXELS),
        "max_png_pixels": int(config.get("MAX_PNG_PIXELS") or DEFAULT_MAX_PNG_PIXELS),
        "tz": config["TIMEZONE"],
        # "pixels" (default) or "draft": how ingest makes a JPEG's thumbnail (server/photos/imaging.py)
        "thumbnail_from": config.get("PHOTO_THUMBNAILS_FROM") or "pixels",
    }


# --- parents and scope


def hazard_for_upload(*, actor: User, hazard_id: int) -> Hazard:
    hazard = get_hazard(actor=actor, hazard_id=hazard_id)
    UPLOAD_PHOTOS.check(actor)
    if hazard.status in CLOSED_HAZARD_STATUSES:
        raise InvalidTransition("已销号或已排除的隐患不能再添加照片", details={"status": hazard.status})
    return hazard


def damage_report_for_upload(*, actor: User, report_id: int) -> DamageReport:
    report = get_report(actor=actor, report_id=report_id)
    UPLOAD_PHOTOS.check(actor)
    return report


def get_photo(*, actor: User, photo_id: int) -> Photo:
    """The photo if the user's scope covers its hazard or report, else NotFound."""
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        raise NotFound("照片不存在")
    try:
        if photo.hazard_id is not None:
            get_hazard(actor=actor, hazard_id=photo.hazard_id)
        else:
            get_report(actor=actor, report_id=photo.damage_report_id)
    except NotFound:
        raise NotFound("照片不存在") from None
    return photo


# --- upload


@dataclass(frozen=True)
class DeviceFix:
    """Where and when the uploading phone says the photo was taken (multipart fields beside the file).

    Used only for what the image's own EXIF lacks: EXIF wins when present."""

    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    taken_at: datetime | None = None  # aware


@dataclass(frozen=True)
class Received:
    """An upload's bytes, read within the size limit, and their digest (how a resend is known)."""

    raw: bytes
    source_sha256: str


def receive_photo(
    *, parent: Hazard | DamageReport, upload: IO[bytes] | bytes, max_bytes: int
) -> tuple[Received, Photo | None]:
    """Read the upload and find a resend of the same bytes to ``parent`` (a read: nothing decoded yet). Returns the
    received bytes and the photo they already made, if any (the phone's outbox resends freely)."""
    raw = read_upload(upload, max_bytes=max_bytes)
    source_sha256 = hashlib.sha256(raw).hexdigest()
    existing = db.session.scalar(
        select(Photo).where(_parent_column(parent) == parent.id, Photo.source_sha256 == source_sha256).limit(1)
    )
    return Received(raw, source_sha256), existing


def _parent_column(parent: Hazard | DamageReport):
    return Photo.hazard_id if isinstance(parent, Hazard) else Photo.damage_report_id


def add_photo(
    *,
    actor: User,
    parent: Hazard | DamageReport,
    received: Received,
    kind: str | None,
    store: MediaStore,
    device: DeviceFix | None = None,
    max_bytes: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    tz: str = "Asia/Shanghai",
    thumbnail_from: str = "pixels",
    max_png_pixels: int = DEFAULT_MAX_PNG_PIXELS,
) -> tuple[Photo, bool]:
    """Attach a received picture (not a resend: ``receive_photo``) to ``parent``. Returns ``(photo, created)``; the
    same picture again gives the same photo. Raises PayloadTooLarge / UnsupportedMediaType / Invalid from the
    pipeline.

    The image is processed and its files stored before the first statement, so a caller that ended its read
    transaction first (the upload routes) decodes holding no database lock; the write transaction is the last part."""
    is_hazard = isinstance(parent, Hazard)
    parent_column = _parent_column(parent)
    if kind is None and is_hazard:
        kind = "before"
    processed = process_upload(
        received.raw,
        max_bytes=max_bytes,
        max_pixels=max_pixels,
        tz=tz,
        thumbnail_from=thumbnail_from,
        max_png_pixels=max_png_pixels,
    )
    # File first, row second (see the module docstring): content-addressed, so storing a picture already on file
    # rewrites nothing that differs.
    thumbnail_sha256 = hashlib.sha256(processed.thumbnail).hexdigest()
    storage_key = _put(store, processed.sha256, processed.data, processed.ext)
    thumbnail_key = _put(store, thumbnail_sha256, processed.thumbnail, processed.ext)
    device = device or DeviceFix()
    if processed.lat is not None:
        lat, lon, accuracy_m = processed.lat, processed.lon, processed.accuracy_m
    else:
        lat, lon, accuracy_m = device.lat, device.lon, device.accuracy_m
    taken_at = processed.taken_at if processed.taken_at is not None else device.taken_at
    existing = _same_picture(parent_column, parent.id, processed.sha256)  # the write transaction's first statement
    if existing is not None:
        return existing, False

    photo = Photo(
        hazard_id=parent.id if is_hazard else None,
        damage_report_id=None if is_hazard else parent.id,
        kind=kind,
        sha256=processed.sha256,
        source_sha256=received.source_sha256,
        storage_key=storage_key,
        thumbnail_key=thumbnail_key,
        thumbnail_sha256=thumbnail_sha256,
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        bytes=processed.size,
        thumbnail_bytes=len(processed.thumbnail),
        taken_at=taken_at,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        uploaded_by_id=actor.id,
    )
    if not insert_unless_taken(photo):
        # The same picture for the same parent arrived twice at once: the unique constraint let one in.
        return after_lost_race(lambda: _same_picture(parent_column, parent.id, processed.sha256), lambda p: p), False

    record(
        actor=actor,
        action="photo.upload",
        entity_type="photo",
        entity_id=photo.id,
        org_unit_id=parent.org_unit_id,
        changes={
            "parent": [None, f"{'hazard' if is_hazard else 'damage_report'}:{parent.id}"],
            "sha256": [None, photo.sha256],
            "kind": [None, kind],
        },
    )
    db.session.flush()
    return photo, True


def _put(store: MediaStore, sha256: str, data: bytes, ext: str) -> str:
    """Store a file; a store that fails (a full disk, an object store that is down) is a dependency outage: 503,
    which the phone retries, never a 500 or a row without its file. The store leaves no partial file behind."""
    try:
        return store.put(sha256, data, ext)
    except (OSError, BotoCoreError, ClientError) as error:  # a disk full (ENOSPC, EFBIG), EIO, S3 down or refusing
        log.error("media store failed: %r", error)
        raise Unavailable(
            "照片存储暂时不可用，照片还在手机上，稍后会自动重发", details={"storage": "unavailable"}
        ) from error


def _same_picture(parent_column, parent_id: int, sha256: str) -> Photo | None:
    return db.session.scalar(select(Photo).where(parent_column == parent_id, Photo.sha256 == sha256))


# --- thumbnails


def rebuild_thumbnails(*, store: MediaStore | None = None, only_missing: bool = True) -> int:
    """Make thumbnails again from the stored photos (lost objects, or a new THUMBNAIL_SIZE); returns the count.

    A stored JPEG is upright and clean already, so its thumbnail comes from a draft-mode decode (no full decode).
    """
    store = store or media_store()
    rebuilt = 0
    for photo in db.session.scalars(select(Photo).order_by(Photo.id).execution_options(yield_per=200)):
        if only_missing and store.exists(photo.thumbnail_key):
            continue
        data = store.get(photo.storage_key)
        if photo.content_type == "image/jpeg":
            thumbnail = jpeg_thumbnail(data)
        else:
            thumbnail = process_upload(data, max_bytes=len(data)).thumbnail
        sha256 = hashlib.sha256(thumbnail).hexdigest()
        ext = "png" if photo.content_type == "image/png" else "jpg"
        photo.thumbnail_key = store.put(sha256, thumbnail, ext)
        photo.thumbnail_sha256, photo.thumbnail_bytes = sha256, len(thumbnail)
        rebuilt += 1
    db.session.flush()
    return rebuilt


# --- garbage collection


def referenced_keys(keys: list[str]) -> set[str]:
    """Which of ``keys`` some Photo row refers to (as its file or its thumbnail)."""
    found = set(db.session.scalars(select(Photo.storage_key).where(Photo.storage_key.in_(keys))))
    found |= set(db.session.scalars(select(Photo.thumbnail_key).where(Photo.thumbnail_key.in_(keys))))
    return found


def collect_orphan_files(
    *, store: MediaStore | None = None, at: datetime | None = None, grace: timedelta = GC_GRACE
) -> list[str]:
    """Delete stored files no Photo row refers to (older than ``grace``); returns their keys."""
    return collect_garbage(store or media_store(), referenced_keys, now=at or now(), grace=grace)
