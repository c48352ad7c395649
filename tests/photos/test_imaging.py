"""The photo pipeline on its own: what is accepted, what is refused, what the stored file keeps."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageCms, ImageFile

from server.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from server.photos.imaging import THUMBNAIL_SIZE, jpeg_thumbnail, process_upload

from . import images

MB = 1024 * 1024


def ingest(data, **kwargs):
    return process_upload(data, max_bytes=kwargs.pop("max_bytes", 15 * MB), **kwargs)


def assert_upright(data: bytes, size: tuple[int, int]) -> None:
    im = Image.open(io.BytesIO(data)).convert("RGB")
    assert im.size == size
    top = im.getpixel((im.width // 2, im.height // 8))
    bottom = im.getpixel((im.width // 2, im.height * 7 // 8))
    assert top[0] > 150 > top[2], f"top should be red, is {top}"
    assert bottom[2] > 150 > bottom[0], f"bottom should be blue, is {bottom}"


def test_sideways_phone_jpeg_comes_back_upright_with_position_and_time_and_no_exif():
    photo = ingest(images.sideways_phone_jpeg())

    assert (photo.width, photo.height) == (40, 60)
    assert_upright(photo.data, (40, 60))
    assert photo.content_type == "image/jpeg" and photo.ext == "jpg"
    assert (photo.lat, photo.lon) == (30.26, 114.5)
    # 08:30 local time in Asia/Shanghai, no offset in the EXIF
    assert photo.taken_at == datetime(2026, 7, 1, 0, 30, tzinfo=UTC)
    images.assert_no_metadata(photo.data)
    images.assert_no_metadata(photo.thumbnail)


def test_thumbnail_is_small_and_upright():
    stored = images.upright_picture(1200, 1800).transpose(Image.Transpose.ROTATE_90)
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=images.exif_block(orientation=6))
    photo = ingest(out.getvalue())
    assert (photo.width, photo.height) == (1200, 1800)
    assert_upright(photo.thumbnail, (THUMBNAIL_SIZE * 2 // 3, THUMBNAIL_SIZE))


def test_draft_mode_thumbnail_matches_the_pixel_one():
    stored = images.upright_picture(1200, 1800).transpose(Image.Transpose.ROTATE_90)
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=images.exif_block(orientation=6))
    drafted = ingest(out.getvalue(), thumbnail_from="draft")
    assert_upright(drafted.thumbnail, (THUMBNAIL_SIZE * 2 // 3, THUMBNAIL_SIZE))
    images.assert_no_metadata(drafted.thumbnail)
    assert drafted.data == ingest(out.getvalue()).data  # only the thumbnail is made differently
    # standalone: the thumbnail of a JPEG without a full decode (of an upload, or of a stored photo)
    assert_upright(jpeg_thumbnail(out.getvalue()), (THUMBNAIL_SIZE * 2 // 3, THUMBNAIL_SIZE))
    assert_upright(jpeg_thumbnail(drafted.data), (THUMBNAIL_SIZE * 2 // 3, THUMBNAIL_SIZE))
    with pytest.raises(UnsupportedMediaType):
        jpeg_thumbnail(images.png(alpha=False))
    with pytest.raises(ValueError):
        ingest(out.getvalue(), thumbnail_from="magic")


def test_draft_mode_reads_fewer_pixels(monkeypatch):
    """draft() really scales the decode: the JPEG decoder is asked for 1/8 of each side."""
    big = images.jpeg((4000, 3000))
    sizes = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        if self.format == "JPEG" and self.tile:
            sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    jpeg_thumbnail(big)
    assert sizes == [(500, 375)]
    sizes.clear()
    ingest(big)  # the default ingest decodes once, in full
    assert sizes == [(4000, 3000)]


def test_offset_time_original_wins_over_the_deployment_timezone():
    photo = ingest(images.sideways_phone_jpeg(taken="2026:07:01 08:30:00", offset="+09:00"))
    assert photo.taken_at == datetime(2026, 6, 30, 23, 30, tzinfo=UTC)


def test_naive_capture_time_is_read_in_the_given_timezone():
    photo = ingest(images.sideways_phone_jpeg(), tz="UTC")
    assert photo.taken_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


def test_south_and_west_references_make_negative_coordinates():
    photo = ingest(images.sideways_phone_jpeg(gps=("S", (33.0, 30.0, 0.0), "W", (70.0, 15.0, 0.0))))
    assert (photo.lat, photo.lon) == (-33.5, -70.25)


def test_photo_without_exif_has_no_position_or_time():
    photo = ingest(images.jpeg())
    assert (photo.lat, photo.lon, photo.taken_at) == (None, None, None)


def test_impossible_exif_values_are_dropped_not_fatal():
    photo = ingest(
        images.sideways_phone_jpeg(gps=("N", (95.0, 0.0, 0.0), "E", (10.0, 0.0, 0.0)), taken="0000:00:00 00:00:00")
    )
    assert (photo.lat, photo.lon, photo.taken_at) == (None, None, None)
    assert (photo.width, photo.height) == (40, 60)


def test_png_with_alpha_stays_png_without_text_chunks():
    photo = ingest(images.png(alpha=True))
    assert photo.content_type == "image/png" and photo.ext == "png"
    assert Image.open(io.BytesIO(photo.data)).mode == "RGBA"
    images.assert_no_metadata(photo.data)
    images.assert_no_metadata(photo.thumbnail)


def test_opaque_png_becomes_jpeg():
    photo = ingest(images.png(alpha=False))
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (50, 30)
    images.assert_no_metadata(photo.data)


def test_heic_from_an_iphone_becomes_an_upright_jpeg_with_its_exif_data():
    photo = ingest(images.heic(orientation=6, gps=images.GPS_WUHAN, taken="2026:07:01 08:30:00"))
    assert photo.content_type == "image/jpeg"
    assert_upright(photo.data, (40, 60))
    assert (photo.lat, photo.lon) == (30.26, 114.5)
    assert photo.taken_at == datetime(2026, 7, 1, 0, 30, tzinfo=UTC)
    images.assert_no_metadata(photo.data)


def test_webp_becomes_jpeg():
    photo = ingest(images.webp())
    assert photo.content_type == "image/jpeg"
    assert_upright(photo.data, (40, 60))


def test_icc_profile_is_not_kept():
    out = io.BytesIO()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (32, 32), images.RED).save(out, "JPEG", icc_profile=srgb)
    photo = ingest(out.getvalue())
    images.assert_no_metadata(photo.data)


def test_same_upload_gives_the_same_stored_bytes():
    raw = images.sideways_phone_jpeg()
    first, second = ingest(raw), ingest(raw)
    assert first.sha256 == second.sha256 and first.data == second.data
    assert first.source_sha256 == second.source_sha256 != first.sha256


def test_accepts_a_path(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(images.sideways_phone_jpeg())
    assert ingest(path).width == 40
    with path.open("rb") as fh:
        assert ingest(fh).width == 40


# --- refused


def test_text_file_named_jpg_is_refused(tmp_path):
    path = tmp_path / "现场照片.jpg"
    path.write_text("这不是图片", encoding="utf-8")
    with pytest.raises(UnsupportedMediaType):
        ingest(path)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_real_images_of_other_formats_are_refused(fmt):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), images.RED).save(out, fmt)
    with pytest.raises(UnsupportedMediaType):
        ingest(out.getvalue())


def test_empty_and_garbage_behind_a_jpeg_signature_are_refused():
    with pytest.raises(UnsupportedMediaType):
        ingest(b"")
    with pytest.raises(UnsupportedMediaType):
        ingest(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 100)


def test_truncated_jpeg_is_refused_cleanly():
    raw = images.jpeg((800, 600), quality=95)
    with pytest.raises(UnsupportedMediaType) as caught:
        ingest(raw[: len(raw) // 2])
    assert "损坏" in caught.value.message


def test_corrupt_png_is_refused_cleanly():
    raw = bytearray(images.png(alpha=False))
    raw[40:60] = b"\x00" * 20  # break a chunk and its CRC
    with pytest.raises(UnsupportedMediaType):
        ingest(bytes(raw))


def test_oversized_upload_is_refused_before_decoding(tmp_path):
    raw = images.jpeg()
    with pytest.raises(PayloadTooLarge):
        ingest(raw, max_bytes=len(raw) - 1)
    with pytest.raises(PayloadTooLarge):
        ingest(io.BytesIO(raw + b"\x00" * MB), max_bytes=MB)
    path = tmp_path / "big.jpg"
    path.write_bytes(raw)
    with pytest.raises(PayloadTooLarge):
        ingest(path, max_bytes=10)


@pytest.mark.parametrize(
    "size",
    [
        (10_000, 10_000),  # 100 MP: above Pillow's warning threshold, below its hard error
        (100_000, 100_000),  # 10 gigapixels: Pillow would raise its own error
        (9_000, 9_000),  # 81 MP: Pillow would let it through silently
    ],
)
def test_decompression_bomb_is_refused_by_our_pixel_limit(size):
    bomb = images.png_bomb(*size)
    assert len(bomb) < 2_000
    with pytest.raises(Invalid) as caught:
        ingest(bomb)  # filterwarnings=error: no DecompressionBombWarning may escape either
    assert "像素" in caught.value.fields["file"][0]


def test_pixel_limit_is_configurable():
    with pytest.raises(Invalid):
        ingest(images.jpeg((1000, 600)), max_pixels=500_000)
    assert ingest(images.jpeg((1000, 400)), max_pixels=500_000).width == 1000
