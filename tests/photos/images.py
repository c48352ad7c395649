"""Images built in the tests with Pillow (and pillow-heif), plus a JPEG/PNG metadata inspector."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

RED = (220, 20, 20)
BLUE = (20, 20, 220)


def upright_picture(width: int = 40, height: int = 60) -> Image.Image:
    """Portrait picture, red on top and blue below: which way is up is visible in the pixels."""
    im = Image.new("RGB", (width, height), BLUE)
    im.paste(RED, (0, 0, width, height // 2))
    return im


def exif_block(
    *,
    orientation: int | None = None,
    gps: tuple[str, tuple, str, tuple] | None = None,
    taken: str | None = None,
    offset: str | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make: something that must not survive
    if orientation is not None:
        exif[0x0112] = orientation
    if gps is not None:
        lat_ref, lat, lon_ref, lon = gps
        exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: lat_ref, 2: lat, 3: lon_ref, 4: lon})
    if taken is not None:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[0x9003] = taken
        if offset is not None:
            sub[0x9011] = offset
    return exif


# 30°15'36" N, 114°30'0" E → 30.26, 114.5
GPS_WUHAN = ("N", (30.0, 15.0, 36.0), "E", (114.0, 30.0, 0.0))


def sideways_phone_jpeg(**exif_overrides) -> bytes:
    """A phone photo taken sideways: pixels stored rotated, EXIF orientation 6 ("rotate 90° CW to show")."""
    stored = upright_picture().transpose(Image.Transpose.ROTATE_90)  # 60×40, as the sensor wrote it
    params = {"orientation": 6, "gps": GPS_WUHAN, "taken": "2026:07:01 08:30:00"} | exif_overrides
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif_block(**params), comment=b"camera comment")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (64, 48), color=RED, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **save)
    return out.getvalue()


def png(*, alpha: bool, size: tuple[int, int] = (50, 30)) -> bytes:
    im = Image.new("RGBA" if alpha else "RGB", size, RED + ((128,) if alpha else ()))
    info = PngInfo()
    info.add_text("Comment", "secret text chunk")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    out = io.BytesIO()
    im.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    upright_picture().save(out, "WEBP", quality=90)
    return out.getvalue()


def heic(**exif_params) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    save = {"quality": 90}
    if exif_params:
        save["exif"] = exif_block(**exif_params).tobytes()
    picture = upright_picture()
    if exif_params.get("orientation") == 6:  # as the phone's sensor wrote it, like sideways_phone_jpeg
        picture = picture.transpose(Image.Transpose.ROTATE_90)
    picture.save(out, "HEIF", **save)
    return out.getvalue()


def png_bomb(width: int, height: int, color_type: int = 2) -> bytes:
    """A PNG header claiming ``width``×``height`` with almost no data: cheap to write, costly to decode.
    ``color_type`` 2 is RGB, 6 is RGBA."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


# --- inspecting what was stored


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every JPEG segment before the image data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: metadata cannot follow in a baseline file we wrote
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return out


def png_chunk_types(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    out, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        out.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return out


def assert_no_metadata(data: bytes) -> None:
    """No EXIF, XMP, ICC, comment or text block of any kind in a stored JPEG or PNG."""
    if data[:2] == b"\xff\xd8":
        for marker, payload in jpeg_segments(data):
            assert marker not in range(0xE1, 0xF0), f"APP{marker - 0xE0} segment left: {payload[:12]!r}"
            assert marker != 0xFE, "JPEG comment left"
        assert b"Exif" not in data[:4096]
    else:
        kinds = png_chunk_types(data)
        leftovers = set(kinds) & {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"}
        assert not leftovers, f"PNG metadata chunks left: {leftovers}"
    reopened = Image.open(io.BytesIO(data))
    assert not reopened.getexif(), "EXIF readable from the stored file"
    assert "icc_profile" not in reopened.info


def with_exif_tag_type(data: bytes, tag: int, new_type: int) -> bytes:
    """``data`` (a JPEG whose big-endian EXIF block Pillow wrote) with one IFD0 entry's declared type changed: a
    corrupt EXIF block of the kind real cameras and editors produce (e.g. Make declared RATIONAL)."""
    start = data.index(b"Exif\x00\x00MM\x00\x2a") + 6
    ifd = start + int.from_bytes(data[start + 4 : start + 8], "big")
    for n in range(int.from_bytes(data[ifd : ifd + 2], "big")):
        entry = ifd + 2 + 12 * n
        if int.from_bytes(data[entry : entry + 2], "big") == tag:
            return data[: entry + 2] + new_type.to_bytes(2, "big") + data[entry + 4 :]
    raise ValueError(f"no tag {tag:#06x} in IFD0")


def with_exif_ifd0_offset(data: bytes, offset: int) -> bytes:
    """``data`` with its EXIF block's first IFD said to start at ``offset`` (past the end: a truncated read)."""
    start = data.index(b"Exif\x00\x00MM\x00\x2a") + 6
    return data[: start + 4] + offset.to_bytes(4, "big") + data[start + 8 :]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims ``width``×``height``: to be refused from the header (Pillow
    would decode it, padding the missing data)."""
    data = jpeg()
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]
