"""Photo ingest: check that an upload really is an accepted image, then store a clean copy of it.

Pure functions over bytes, no Flask and no database, so the pipeline is tested and benchmarked on its own.

Decisions (PRODUCT.md "Photos"):
- The format is read from the bytes (Pillow restricted to JPEG/PNG/WebP/HEIF), never from the file name or the
  declared content type. Anything else, and any file that cannot be decoded (truncated, corrupt), is 415
  ``unsupported_media_type``: to the client both mean "this is not an image we can take".
- Decompression bombs: the pixel count is read from the header, before anything is decoded, and
  checked against ``max_pixels``; over it is 422 ``validation_error`` on the field ``file`` (the file is
  a real image of an accepted type, its dimensions are what we refuse). Pillow's own bomb warning is
  silenced while opening, and its hard error (twice its limit) is mapped to the same 422, so the only
  limit in force is ours.
- EXIF orientation is applied, GPS and capture time are read into data (``exif.py``; a corrupt EXIF block reads as
  none: the photo is kept without it), and the stored file is re-encoded from
  pixels with an empty ``info``: no EXIF, XMP, ICC profile, comments or text chunks survive. A colour profile
  other than sRGB is converted to sRGB first so colours stay right without the profile.
- Output: JPEG quality 85 for every photo; an image whose alpha channel is really used (some pixel not opaque)
  stays PNG, since flattening would change what the reporter saw. HEIC and WebP become JPEG (browsers on every
  phone can show JPEG; not all show HEIC).
- The thumbnail (320 px long side) is shrunk from the picture already decoded for the re-encode: Pillow
  reduces by whole factors first, which costs far less than decoding the file again, even in draft mode
  (measured in BENCHMARKS.md: the entropy decoding that draft mode cannot skip is a large share of the cost
  of a detailed phone JPEG). ``jpeg_thumbnail`` makes a JPEG's thumbnail with ``Image.draft`` for when no decoded
  picture is at hand, and ``thumbnail_from="draft"`` makes ingest use it.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import BinaryIO
from zoneinfo import ZoneInfo

from PIL import Image, ImageCms, UnidentifiedImageError

from server.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from server.photos.exif import read_metadata

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
DEFAULT_MAX_PIXELS = 50_000_000  # what a phone camera makes: a 48 MP sensor (8000×6000) fits, a 64 MP bomb does not
# PNG has no reduced decode (JPEG has draft mode) and decodes to 4 bytes a pixel with alpha: an 8000×8000 RGBA PNG of
# 249 KB cost 2.7 s and 250 MB. No phone photo is a PNG that large (screenshots are ~5 MP), so PNGs have their own,
# lower limit, checked from the header before anything is decoded.
DEFAULT_MAX_PNG_PIXELS = 16_000_000
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

NOT_AN_IMAGE = "文件不是可识别的图片（支持 JPEG、PNG、WebP、HEIC）"
CORRUPT_IMAGE = "图片文件已损坏或不完整，请重新拍摄或选择"


@dataclass(frozen=True)
class ProcessedPhoto:
    """What ingest keeps of an upload: the clean file, its thumbnail and the metadata worth keeping."""

    data: bytes  # the re-encoded image, no metadata
    thumbnail: bytes
    sha256: str  # of ``data``: the content address of the stored file
    source_sha256: str  # of the upload as received: lets a resend be recognised before any decoding
    content_type: str  # image/jpeg or image/png (thumbnail has the same type)
    width: int
    height: int
    taken_at: datetime | None  # aware, UTC
    lat: float | None
    lon: float | None
    accuracy_m: float | None = None  # EXIF GPSHPositioningError, metres

    @property
    def ext(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"

    @property
    def size(self) -> int:
        return len(self.data)


@cache
def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


def read_upload(stream_or_path: BinaryIO | bytes | str | os.PathLike, *, max_bytes: int) -> bytes:
    """The upload's bytes, refusing more than ``max_bytes`` without reading much past the limit."""
    if isinstance(stream_or_path, bytes | bytearray | memoryview):
        data = bytes(stream_or_path)
    elif isinstance(stream_or_path, str | os.PathLike):
        if os.path.getsize(stream_or_path) > max_bytes:
            raise PayloadTooLarge(_too_large_message(max_bytes))
        with open(stream_or_path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    else:
        data = stream_or_path.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(_too_large_message(max_bytes))
    return data


def process_upload(
    stream_or_path: BinaryIO | bytes | str | os.PathLike,
    *,
    max_bytes: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    tz: str | ZoneInfo = "Asia/Shanghai",
    thumbnail_from: str = "pixels",
    max_png_pixels: int = DEFAULT_MAX_PNG_PIXELS,
) -> ProcessedPhoto:
    """Validate, orient, strip and re-encode one uploaded photo; make its thumbnail.

    ``tz`` interprets an EXIF capture time that carries no offset (phones write local time).
    ``thumbnail_from``: "pixels" shrinks the picture already decoded for the re-encode (the cheapest way,
    see BENCHMARKS.md); "draft" decodes a JPEG a second time in draft mode, as ``jpeg_thumbnail`` does.
    Raises PayloadTooLarge, UnsupportedMediaType or Invalid (see the module docstring).
    """
    if thumbnail_from not in ("pixels", "draft"):
        raise ValueError(f"thumbnail_from must be 'pixels' or 'draft', not {thumbnail_from!r}")
    _register_heif()
    raw = read_upload(stream_or_path, max_bytes=max_bytes)
    if not raw:
        raise UnsupportedMediaType(NOT_AN_IMAGE)

    im = _open_checked(raw, max_pixels=max_pixels, max_png_pixels=max_png_pixels)
    metadata = read_metadata(im, tz)
    icc = im.info.get("icc_profile")
    is_jpeg = im.format == "JPEG"

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as when opening: a damaged file is refused or repaired, not warned of
            im.load()
        im = _oriented(im, metadata.orientation)
        im = _to_srgb(im, icc)
        im, fmt = _output_mode(im)
        data = _encode(im, fmt, JPEG_QUALITY)
        if is_jpeg and thumbnail_from == "draft":
            thumbnail = _jpeg_draft_thumbnail(raw, metadata.orientation, icc)
        else:
            # The full picture is decoded already: shrinking it (Pillow reduces by whole factors first)
            # costs a fraction of a second decode, even one in draft mode.
            thumbnail = _encode(_shrunk(im), fmt, THUMBNAIL_QUALITY)
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise UnsupportedMediaType(CORRUPT_IMAGE) from exc

    return ProcessedPhoto(
        data=data,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(data).hexdigest(),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        content_type="image/png" if fmt == "PNG" else "image/jpeg",
        width=im.width,
        height=im.height,
        taken_at=metadata.taken_at,
        lat=metadata.lat,
        lon=metadata.lon,
        accuracy_m=metadata.accuracy_m,
    )


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _oriented(im: Image.Image, orientation: int | None) -> Image.Image:
    """The picture turned upright. Done from the orientation already read, not with ``ImageOps.exif_transpose``,
    which rewrites the EXIF block (``Exif.tobytes``) and fails on a corrupt one; the stored file keeps no EXIF."""
    method = _TRANSPOSE.get(orientation or 1)
    return im if method is None else im.transpose(method)


def _open_checked(raw: bytes, *, max_pixels: int, max_png_pixels: int = DEFAULT_MAX_PNG_PIXELS) -> Image.Image:
    """Open (header only) and verify; refuse what is not an accepted format or too many pixels."""
    try:
        with warnings.catch_warnings():
            # Our limit is checked below from the header, and a corrupt file is refused or its metadata dropped
            # here: Pillow's warnings (decompression bomb, corrupt EXIF, truncated read) must not escape (or,
            # under ``-W error``, turn a clean answer into a 500).
            warnings.simplefilter("ignore")
            probe = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
            _check_pixels(probe, min(max_pixels, max_png_pixels) if probe.format == "PNG" else max_pixels)
            probe.verify()  # structural check (PNG CRCs, chunk order); cheap, decodes no pixels
            im = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType(NOT_AN_IMAGE) from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise UnsupportedMediaType(CORRUPT_IMAGE) from exc
    if im.format not in ACCEPTED_FORMATS:  # defensive: formats= already restricts this
        raise UnsupportedMediaType(NOT_AN_IMAGE)
    return im


def _check_pixels(im: Image.Image, max_pixels: int) -> None:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise UnsupportedMediaType(CORRUPT_IMAGE)
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)


def _too_many_pixels(max_pixels: int) -> Invalid:
    limit = f"{max_pixels / 1_000_000:g}"
    return Invalid({"file": [f"图片像素过多（上限 {limit} 百万像素），疑似异常文件，已拒收"]})


def _too_large_message(max_bytes: int) -> str:
    return f"上传文件超过 {max_bytes / (1024 * 1024):g} MB 上限"


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels from an embedded profile to sRGB, since the stored file carries no profile."""
    if not icc or im.mode not in ("RGB", "RGBA"):
        return im
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = (ImageCms.getProfileDescription(src) or "").lower()
        if "srgb" in description:
            return im
        return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode=im.mode) or im
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im  # a broken profile: keep the pixels as they are


def _output_mode(im: Image.Image) -> tuple[Image.Image, str]:
    """(image in a mode the output format takes, "JPEG" | "PNG")."""
    has_alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        alpha_min, _ = rgba.getchannel("A").getextrema()
        if alpha_min < 255:
            return rgba, "PNG"
        return rgba.convert("RGB"), "JPEG"
    if im.mode in ("RGB", "L"):
        return im, "JPEG"
    return im.convert("RGB"), "JPEG"


def _encode(im: Image.Image, fmt: str, quality: int) -> bytes:
    # A fresh ``info`` so no metadata can ride along (Pillow re-writes e.g. a JPEG comment from ``info``).
    im.info = {}
    out = io.BytesIO()
    if fmt == "PNG":
        im.save(out, "PNG", compress_level=6)
    else:
        im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _shrunk(im: Image.Image) -> Image.Image:
    scale = THUMBNAIL_SIZE / max(im.size)
    if scale >= 1:
        return im.copy()
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    # reducing_gap=1: box-reduce by the largest whole factor that stays above the target (cheap, and a fair
    # anti-alias), then a short Lanczos step to the exact size
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def jpeg_thumbnail(data: bytes) -> bytes:
    """Thumbnail of a JPEG without decoding it in full (draft mode: the DCT scaled by 1/2..1/8).

    For when only a thumbnail is wanted, e.g. rebuilding thumbnails of stored photos: a stored photo is
    already upright and clean, an upload is turned upright here too. Give it stored photos or bytes that
    passed ``process_upload``: it does not repeat the format and pixel-limit checks.
    """
    _register_heif()
    try:
        probe = Image.open(io.BytesIO(data), formats=("JPEG",))
        orientation = read_metadata(probe, "UTC").orientation
        return _jpeg_draft_thumbnail(data, orientation, probe.info.get("icc_profile"))
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise UnsupportedMediaType(CORRUPT_IMAGE) from exc


def _jpeg_draft_thumbnail(raw: bytes, orientation: int | None, icc: bytes | None) -> bytes:
    thumb = Image.open(io.BytesIO(raw), formats=("JPEG",))
    thumb.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    thumb.load()
    thumb = _oriented(thumb, orientation)
    thumb = _to_srgb(thumb, icc)
    thumb, fmt = _output_mode(thumb)
    return _encode(_shrunk(thumb), fmt, THUMBNAIL_QUALITY)
