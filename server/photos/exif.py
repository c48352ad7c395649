"""EXIF → data: a photo's orientation, capture time and position, read from the picture Pillow opened.

Broken metadata is dropped, never the photo (``imaging.py`` keeps the photo and stores it without any metadata).
A capture time without an offset is the camera's wall-clock time, read in the zone given (input, not output).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from numbers import Real
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image

_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_GPS_H_POSITIONING_ERROR = 31

_EXIF_DATETIME = re.compile(r"\s*(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


@dataclass(frozen=True)
class Metadata:
    """What a photo's EXIF says; all None when it says nothing usable."""

    orientation: int | None = None
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


def read_metadata(im: Image.Image, tz: str | ZoneInfo) -> Metadata:
    """Orientation, capture time and position from the EXIF. Broken metadata is dropped, never the photo: a corrupt
    EXIF block (wrong tag types, offsets out of bounds, values Pillow cannot parse) reads as no metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about corrupt EXIF as it parses it
            exif = im.getexif()
            orientation = exif.get(_TAG_ORIENTATION)
            taken_at = _taken_at(exif, tz)
            lat, lon, accuracy_m = _gps(exif)
    except Exception:
        return Metadata()
    if not (isinstance(orientation, int) and 1 <= orientation <= 8):
        orientation = None
    return Metadata(orientation, taken_at, lat, lon, accuracy_m)


def _taken_at(exif: Image.Exif, tz: str | ZoneInfo) -> datetime | None:
    """DateTimeOriginal (+ OffsetTimeOriginal), else DateTime; naive times are local to ``tz``."""
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        sub = {}
    value = sub.get(_TAG_DATETIME_ORIGINAL) or exif.get(_TAG_DATETIME)
    match = _EXIF_DATETIME.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    zone = _parse_offset(sub.get(_TAG_OFFSET_TIME_ORIGINAL))
    if zone is None:
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=zone).astimezone(UTC)
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None


def _parse_offset(value: object) -> timezone | None:
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("\x00")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def _gps(exif: Image.Exif) -> tuple[float | None, float | None, float | None]:
    """(lat, lon, horizontal accuracy in metres) from the GPS block; Nones when there is no usable fix."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _dms(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "S")
        lon = _dms(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "W")
        accuracy = gps.get(_GPS_H_POSITIONING_ERROR)
        accuracy = float(accuracy) if isinstance(accuracy, Real) else None
    except Exception:  # malformed GPS block: no position rather than no photo
        return None, None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None, None
    if lat == 0 and lon == 0:  # "no fix" written as zeros by some cameras
        return None, None, None
    if accuracy is not None and not 0 <= accuracy < 1e7:  # NaN (x/0) or nonsense
        accuracy = None
    return round(lat, 7), round(lon, 7), accuracy


def _dms(value: object, ref: object, negative_ref: str) -> float | None:
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    degrees, minutes, seconds = (float(v) for v in value)
    if any(v != v or v < 0 for v in (degrees, minutes, seconds)):  # NaN (x/0 rationals) or negative
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip().upper().startswith(negative_ref):
        decimal = -decimal
    return decimal
