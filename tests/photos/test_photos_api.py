"""Photos through the API: upload to hazards and damage reports, dedup, scope, serving with cache headers."""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from server.extensions import db
from server.photos.models import Photo
from server.photos.storage import LocalStore, key_for
from tests.conftest import assert_error, missing_once, statements_during
from tests.hazards.factories import act, create_hazard, small_jpeg, upload

from . import images


@pytest.fixture(autouse=True)
def media(app, tmp_path, monkeypatch) -> LocalStore:
    """A media store of this test's own, so files can be counted."""
    store = LocalStore(tmp_path / "media")
    monkeypatch.setitem(app.extensions, "media_store", store)
    return store


def stored_files(store: LocalStore) -> list[str]:
    return sorted(obj.key for obj in store.iter_objects())


def photo_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Photo))


@pytest.fixture
def hazard(people, tree) -> dict:
    return create_hazard(people.reporter_a1, tree.village_a1)


def hazard_url(hazard) -> str:
    return f"/api/v1/hazards/{hazard['id']}/photos"


def test_sideways_phone_photo_comes_back_upright_with_position_time_and_no_exif(people, hazard, media):
    response = upload(people.reporter_a1, hazard_url(hazard), images.sideways_phone_jpeg())
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["width"], photo["height"]) == (40, 60)
    assert (photo["lat"], photo["lon"]) == (30.26, 114.5)
    assert photo["taken_at"] == "2026-07-01T08:30:00+08:00"
    assert photo["content_type"] == "image/jpeg" and photo["kind"] == "before"
    assert photo["url"] == f"/api/v1/photos/{photo['id']}"
    assert photo["thumbnail_url"] == f"/api/v1/photos/{photo['id']}/thumbnail"

    served = people.reporter_a1.get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    data = served.get_data()
    served.close()
    assert len(data) == photo["bytes"] == int(served.headers["Content-Length"])
    images.assert_no_metadata(data)
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    assert picture.size == (40, 60)
    assert picture.getpixel((20, 5))[0] > 150 and picture.getpixel((20, 55))[2] > 150  # red top, blue bottom

    # the file on disk is exactly what is served: no EXIF at all
    stored = media.get(key_for(photo["sha256"], "jpg"))
    assert stored == data
    assert not Image.open(io.BytesIO(stored)).getexif()

    thumb = people.reporter_a1.get(photo["thumbnail_url"])
    images.assert_no_metadata(thumb.get_data())
    assert Image.open(io.BytesIO(thumb.get_data())).size == (40, 60)  # smaller than 320: kept as is
    thumb.close()

    # the photo shows up on its hazard
    listed = people.reporter_a1.get(f"/api/v1/hazards/{hazard['id']}").get_json()["photos"]
    assert [p["id"] for p in listed] == [photo["id"]]


def test_photos_are_cached_forever_by_etag(people, hazard):
    photo = upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).get_json()
    for url in (photo["url"], photo["thumbnail_url"]):
        first = people.reporter_a1.get(url)
        first.close()
        assert first.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        etag = first.headers["ETag"]
        assert etag.strip('"') in (photo["sha256"], etag.strip('"'))
        again = people.reporter_a1.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        other = people.reporter_a1.get(url, headers={"If-None-Match": '"something-else"'})
        other.close()
        assert other.status_code == 200
    served = people.reporter_a1.get(photo["url"])
    served.close()
    assert served.headers["ETag"] == f'"{photo["sha256"]}"'


def test_same_photo_twice_is_one_file_and_one_photo(people, hazard, media, app, tree):
    raw = images.sideways_phone_jpeg()
    first = upload(people.reporter_a1, hazard_url(hazard), raw)
    files = stored_files(media)
    again = upload(people.reporter_a1, hazard_url(hazard), raw, filename="IMG_0001 (1).jpg")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert photo_count(app) == 1
    assert len(files) == 2 and stored_files(media) == files  # the photo and its thumbnail, once

    # the same picture for another hazard: a second Photo, still the same stored file
    other = create_hazard(people.reporter_a1, tree.village_a1)
    response = upload(people.reporter_a1, hazard_url(other), raw)
    assert response.status_code == 201 and response.get_json()["sha256"] == first.get_json()["sha256"]
    assert photo_count(app) == 2 and stored_files(media) == files


def test_a_reporter_of_another_village_gets_404(people, hazard, tree):
    photo = upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).get_json()
    for api in (people.reporter_a2, people.reporter_b1, people.town_b, people.grid_reporter):
        assert_error(api.get(photo["url"]), 404, "not_found")
        assert_error(api.get(photo["thumbnail_url"]), 404, "not_found")
        assert_error(upload(api, hazard_url(hazard), images.jpeg()), 404, "not_found")
    for api in (people.town_a, people.county, people.viewer):
        response = api.get(photo["url"])
        response.close()
        assert response.status_code == 200
    assert_error(people.county.get("/api/v1/photos/999999"), 404, "not_found")


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (lambda: images.png(alpha=True), "image/png"),
        (lambda: images.png(alpha=False), "image/jpeg"),
        (lambda: images.heic(orientation=6, gps=images.GPS_WUHAN, taken="2026:07:01 08:30:00"), "image/jpeg"),
        (images.webp, "image/jpeg"),
    ],
    ids=["png-alpha", "png-opaque", "heic", "webp"],
)
def test_png_heic_and_webp_are_accepted(people, hazard, make, content_type):
    response = upload(people.reporter_a1, hazard_url(hazard), make(), filename="upload.bin")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["content_type"] == content_type
    served = people.reporter_a1.get(photo["url"])
    assert served.mimetype == content_type
    images.assert_no_metadata(served.get_data())
    served.close()


def test_text_named_jpg_is_415(people, hazard, app):
    text = "这不是照片，只是一段文字".encode()
    error = assert_error(
        upload(people.reporter_a1, hazard_url(hazard), text, filename="现场.jpg"), 415, "unsupported_media_type"
    )
    assert "图片" in error["message"]
    assert photo_count(app) == 0


def test_truncated_jpeg_is_415(people, hazard, media):
    raw = images.jpeg((800, 600), quality=95)
    assert_error(upload(people.reporter_a1, hazard_url(hazard), raw[: len(raw) // 2]), 415, "unsupported_media_type")
    assert stored_files(media) == []


def test_decompression_bomb_is_422(people, hazard, media):
    error = assert_error(
        upload(people.reporter_a1, hazard_url(hazard), images.png_bomb(20_000, 20_000)), 422, "validation_error"
    )
    assert "file" in error["details"]["fields"]
    assert stored_files(media) == []


def in_memory_upload(api, url: str, data: bytes):
    """Like ``upload`` but with the multipart body built in memory: werkzeug's test client spools a body over
    500 KB to a temporary file it never closes (a ResourceWarning, an error under filterwarnings=error)."""
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(data), "big.jpg")}))
    return api.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_oversized_upload_is_413(people, hazard, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    # just over the limit: refused while reading the file part
    big = images.jpeg() + b"\x00" * (1024 * 1024)
    assert_error(in_memory_upload(people.reporter_a1, hazard_url(hazard), big), 413, "payload_too_large")
    # far over: refused by the declared Content-Length, before the body is read
    huge = b"\x00" * (3 * 1024 * 1024)
    assert_error(in_memory_upload(people.reporter_a1, hazard_url(hazard), huge), 413, "payload_too_large")
    assert photo_count(app) == 0


class _Unreadable(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_content_length_is_checked_before_the_body_is_read(people, hazard, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    response = people.reporter_a1.post(
        hazard_url(hazard),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"wsgi.input": _Unreadable(), "CONTENT_LENGTH": str(2 * 1024 * 1024)},
    )
    assert_error(response, 413, "payload_too_large")


def test_malformed_uploads(people, hazard):
    api = people.reporter_a1
    assert_error(api.post(hazard_url(hazard), json={"file": "x"}), 400, "bad_request")
    error = assert_error(
        api.post(hazard_url(hazard), data={"kind": "after"}, content_type="multipart/form-data"),
        422,
        "validation_error",
    )
    assert "file" in error["details"]["fields"]
    error = assert_error(upload(api, hazard_url(hazard), images.jpeg(), kind="during"), 422, "validation_error")
    assert "kind" in error["details"]["fields"]
    form = {"file": (io.BytesIO(images.jpeg()), "a.jpg"), "caption": "x"}
    error = assert_error(
        api.post(hazard_url(hazard), data=form, content_type="multipart/form-data"), 422, "validation_error"
    )
    assert "caption" in error["details"]["fields"]
    assert_error(upload(api, "/api/v1/hazards/999999/photos", images.jpeg()), 404, "not_found")


def test_who_may_upload(people, hazard, tree):
    assert_error(upload(people.viewer, hazard_url(hazard), images.jpeg()), 403, "forbidden")
    assert_error(upload(people.admin, hazard_url(hazard), images.jpeg()), 403, "forbidden")
    assert upload(people.town_a, hazard_url(hazard), images.jpeg(), kind="after").status_code == 201
    # CSRF applies to uploads like to any other write
    bare = people.reporter_a1.client.post(
        hazard_url(hazard), data={"file": (io.BytesIO(images.jpeg()), "a.jpg")}, content_type="multipart/form-data"
    )
    assert_error(bare, 403, "csrf_failed")


def test_no_photos_for_a_rejected_hazard(people, hazard):
    act(people.town_a, hazard["id"], "reject", comment="重复")
    assert_error(upload(people.reporter_a1, hazard_url(hazard), images.jpeg()), 409, "invalid_transition")


# --- damage report photos


@pytest.fixture
def damage_report(app, tree, people) -> int:
    from server.damage.models import DamageReport
    from server.events.models import Event

    with app.app_context():
        event = Event(
            name="2026年7月婺源洪涝",
            disaster_type="洪涝",
            disaster_subtype="山区洪水",
            started_at=datetime(2026, 7, 1, tzinfo=UTC),
            org_unit_id=tree.county.id,
            created_by_id=people.county.user["id"],
        )
        db.session.add(event)
        db.session.flush()
        report = DamageReport(
            client_id=str(uuid.uuid4()),
            payload_hash="0" * 64,
            event_id=event.id,
            org_unit_id=tree.village_a1.id,
            stage="initial",
            submitted_by_id=people.reporter_a1.user["id"],
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def test_damage_report_photos(people, damage_report, app):
    url = f"/api/v1/damage-reports/{damage_report}/photos"
    response = upload(people.reporter_a1, url, images.sideways_phone_jpeg())
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["damage_report_id"] == damage_report and photo["hazard_id"] is None and photo["kind"] is None
    assert upload(people.reporter_a1, url, images.sideways_phone_jpeg()).get_json()["id"] == photo["id"]
    assert photo_count(app) == 1

    # statistics scope: the grid's reporter works for its village and sees the village's report photos
    for api in (people.grid_reporter, people.town_a, people.county):
        served = api.get(photo["url"])
        served.close()
        assert served.status_code == 200
    for api in (people.reporter_a2, people.reporter_b1, people.town_b):
        assert_error(api.get(photo["url"]), 404, "not_found")
        assert_error(upload(api, url, images.jpeg()), 404, "not_found")
    assert_error(upload(people.viewer, url, images.jpeg()), 403, "forbidden")
    assert_error(upload(people.reporter_a1, "/api/v1/damage-reports/999999/photos", images.jpeg()), 404, "not_found")


def _report_of(app, tree, people, unit) -> int:
    """Another report of the damage_report's event, for ``unit``."""
    from server.damage.models import DamageReport

    with app.app_context():
        first = db.session.scalars(select(DamageReport).order_by(DamageReport.id)).first()
        report = DamageReport(
            client_id=str(uuid.uuid4()),
            payload_hash="0" * 64,
            event_id=first.event_id,
            org_unit_id=unit.id,
            stage="initial",
            submitted_by_id=people.reporter_b1.user["id"],
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def test_the_single_read_of_a_report_lists_its_photos_in_a_fixed_number_of_statements(people, damage_report, app, tree):
    url = f"/api/v1/damage-reports/{damage_report}"
    assert people.reporter_a1.get(url).get_json()["photos"] == []
    before = len(statements_during(app, lambda: people.town_a.get(url)))

    first = upload(people.reporter_a1, f"{url}/photos", small_jpeg((200, 30, 30))).get_json()
    second = upload(people.reporter_a1, f"{url}/photos", small_jpeg((30, 30, 200))).get_json()
    other_village = _report_of(app, tree, people, tree.village_b1)
    elsewhere = upload(people.reporter_b1, f"/api/v1/damage-reports/{other_village}/photos", small_jpeg()).get_json()

    # the filer and the reviewers above see the photos, oldest first, with the URLs that serve them
    for api in (people.reporter_a1, people.town_a, people.county):
        photos = api.get(url).get_json()["photos"]
        assert [p["id"] for p in photos] == [first["id"], second["id"]]
        assert photos[0]["url"] == f"/api/v1/photos/{first['id']}"
        assert photos[0]["thumbnail_url"] == f"/api/v1/photos/{first['id']}/thumbnail"
        assert photos[0]["damage_report_id"] == damage_report and photos[0]["width"] == 64
        with api.get(photos[1]["thumbnail_url"]) as thumbnail:
            assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    # the same statements with two photos as with none: one read of them, whatever their number
    assert len(statements_during(app, lambda: people.town_a.get(url))) == before

    # another village's photo is neither listed here nor served to this village; this one not to theirs
    assert elsewhere["id"] not in {p["id"] for p in people.county.get(url).get_json()["photos"]}
    assert_error(people.reporter_a1.get(elsewhere["url"]), 404, "not_found")
    assert_error(people.reporter_a1.get(elsewhere["thumbnail_url"]), 404, "not_found")
    assert_error(people.reporter_b1.get(url), 404, "not_found")
    assert_error(people.reporter_b1.get(first["url"]), 404, "not_found")
    assert_error(people.town_b.get(first["thumbnail_url"]), 404, "not_found")

    # lists carry no photos (one statement per row otherwise); the single read does
    listed = people.county.get(f"/api/v1/damage-reports?event_id={people.county.get(url).get_json()['event_id']}")
    assert all("photos" not in item for item in listed.get_json()["items"])


# --- files without rows


def test_orphan_files_are_collected_and_referenced_ones_kept(people, hazard, media, app):
    from server.photos.service import collect_orphan_files

    photo = upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).get_json()
    orphan = small_jpeg((1, 2, 3))
    import hashlib

    orphan_key = media.put(hashlib.sha256(orphan).hexdigest(), orphan, "jpg")
    kept = set(stored_files(media)) - {orphan_key}
    with app.app_context():
        assert collect_orphan_files(store=media) == []  # too young: its row may still be on its way
        later = datetime.now(UTC) + timedelta(hours=2)
        assert collect_orphan_files(store=media, at=later) == [orphan_key]
    assert set(stored_files(media)) == kept and len(kept) == 2
    served = people.reporter_a1.get(photo["url"])
    served.close()
    assert served.status_code == 200


def test_a_failed_insert_leaves_a_file_but_never_a_row(people, hazard, media, app, monkeypatch):
    from server.photos import service

    def crash(**kwargs):
        raise RuntimeError("database went away after the file was written")

    monkeypatch.setattr(service, "record", crash)
    response = upload(people.reporter_a1, hazard_url(hazard), images.jpeg())
    assert_error(response, 500, "internal_error")
    assert photo_count(app) == 0
    assert len(stored_files(media)) == 2  # left for the collector
    assert all(os.path.exists(media.path(key)) for key in stored_files(media))


# --- object storage


def test_photos_go_to_s3_compatible_storage_when_configured(people, hazard, app, s3_endpoint, monkeypatch):
    from server.photos.storage import S3Store, store_from_config

    config = {
        "S3_ENDPOINT": s3_endpoint,
        "S3_BUCKET": "gridreport-api-test",
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": "test",
        "S3_REGION": "us-east-1",
    }
    store = store_from_config(config)
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket=config["S3_BUCKET"])
    monkeypatch.setitem(app.extensions, "media_store", store)

    raw = images.sideways_phone_jpeg()
    photo = upload(people.reporter_a1, hazard_url(hazard), raw).get_json()
    assert upload(people.reporter_a1, hazard_url(hazard), raw).get_json()["id"] == photo["id"]
    keys = sorted(obj.key for obj in store.iter_objects())
    assert key_for(photo["sha256"], "jpg") in keys and len(keys) == 2

    served = people.reporter_a1.get(photo["url"])
    data = served.get_data()
    served.close()
    assert served.status_code == 200 and len(data) == photo["bytes"]
    images.assert_no_metadata(data)
    assert Image.open(io.BytesIO(data)).size == (40, 60)
    assert_error(people.reporter_b1.get(photo["url"]), 404, "not_found")


def test_a_photo_in_s3_compatible_storage_resumes_with_a_range_request(people, hazard, app, s3_endpoint, monkeypatch):
    """As from local disk: 206 with Content-Range for a range (fetched from the bucket as a range), the whole photo
    when If-Range names another version, 416 with the size for a range past the end; the object is asked for only
    the bytes answered."""
    from server.photos.storage import S3Store

    store = S3Store(endpoint=s3_endpoint, bucket="gridreport-range-test", key="test", secret="test")
    store.client.create_bucket(Bucket=store.bucket)
    monkeypatch.setitem(app.extensions, "media_store", store)
    photo = upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).get_json()
    asked: list[dict] = []
    get_object = store.client.get_object

    def recorded_get_object(**kwargs):
        asked.append(kwargs)
        return get_object(**kwargs)

    monkeypatch.setattr(store.client, "get_object", recorded_get_object)

    with people.reporter_a1.get(photo["url"]) as whole:
        full = whole.get_data()
        assert whole.status_code == 200 and len(full) == photo["bytes"]
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Length"] == str(len(full))
    assert "Range" not in asked[-1]
    with people.reporter_a1.get(photo["url"], headers={"Range": "bytes=10-"}) as rest:
        assert rest.status_code == 206
        assert rest.get_data() == full[10:]
        assert rest.headers["Content-Range"] == f"bytes 10-{len(full) - 1}/{len(full)}"
        assert rest.headers["Content-Length"] == str(len(full) - 10)
        assert rest.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert asked[-1]["Range"] == f"bytes=10-{len(full) - 1}"
    with people.reporter_a1.get(photo["url"], headers={"Range": "bytes=2-5"}) as middle:
        assert middle.status_code == 206 and middle.get_data() == full[2:6]
        assert middle.headers["Content-Range"] == f"bytes 2-5/{len(full)}"
    assert asked[-1]["Range"] == "bytes=2-5"
    with people.reporter_a1.get(photo["url"], headers={"Range": "bytes=-4"}) as tail:
        assert tail.status_code == 206 and tail.get_data() == full[-4:]
    stale = {"Range": "bytes=10-", "If-Range": '"another-version"'}
    with people.reporter_a1.get(photo["url"], headers=stale) as again:
        assert again.status_code == 200 and again.get_data() == full
    fetched = len(asked)
    error = assert_error(
        people.reporter_a1.get(photo["url"], headers={"Range": f"bytes={len(full)}-"}),
        416,
        "requested_range_not_satisfiable",
    )
    assert error["message"]
    beyond = people.reporter_a1.get(photo["url"], headers={"Range": f"bytes={len(full) + 5}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(full)}"
    assert len(asked) == fetched  # a range nobody can answer is refused before the bucket is asked


def test_gc_command(app, people, hazard, media):
    upload(people.reporter_a1, hazard_url(hazard), images.jpeg())
    orphan = small_jpeg((9, 9, 9))
    import hashlib

    key = media.put(hashlib.sha256(orphan).hexdigest(), orphan, "jpg")
    old = datetime.now(UTC).timestamp() - 7200
    os.utime(media.path(key), (old, old))
    result = app.test_cli_runner().invoke(args=["photos", "gc"])
    assert result.exit_code == 0, result.output
    assert "removed 1" in result.output
    assert not media.exists(key) and len(stored_files(media)) == 2


def test_concurrent_identical_uploads_give_one_photo(people, hazard, app, tree, make_user, login_as):
    import threading

    clients = [login_as(make_user("reporter", tree.village_a1)) for _ in range(4)]
    raw = images.sideways_phone_jpeg()
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, int]] = []

    def send(api):
        barrier.wait()
        response = upload(api, hazard_url(hazard), raw)
        answers.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send, args=(api,)) for api in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert len({photo_id for _, photo_id in answers}) == 1
    assert photo_count(app) == 1


def test_an_upload_that_missed_the_same_picture_loses_at_the_unique_key_and_gets_it(people, hazard, app, monkeypatch):
    """On either database: both look-ups miss the photo another request has just inserted (not committed yet, as far
    as they know); the unique (hazard, sha256) decides and the answer is that photo (200), one row, one audit row."""
    from server.photos import service

    raw = images.sideways_phone_jpeg()
    first = upload(people.reporter_a1, hazard_url(hazard), raw)
    assert first.status_code == 201
    received = service.receive_photo
    monkeypatch.setattr(service, "receive_photo", lambda **kwargs: (received(**kwargs)[0], None))
    calls = missing_once(monkeypatch, service, "_same_picture")
    again = upload(people.reporter_a1, hazard_url(hazard), raw)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert calls["n"] == 2  # the look-up missed, the insert met the unique key, the re-read found the photo
    assert photo_count(app) == 1
    audit = people.county.get(f"/api/v1/audit?entity_type=photo&entity_id={first.get_json()['id']}").get_json()
    assert [entry["action"] for entry in audit["items"]] == ["photo.upload"]


def test_lost_thumbnails_are_rebuilt_from_the_stored_photo(app, people, hazard, media):
    jpeg_photo = upload(people.reporter_a1, hazard_url(hazard), images.sideways_phone_jpeg()).get_json()
    # (bigger than a thumbnail: a PNG that small would be its own thumbnail, the very same stored file)
    png_photo = upload(people.reporter_a1, hazard_url(hazard), images.png(alpha=True, size=(640, 400))).get_json()
    with app.app_context():
        rows = {p.id: p for p in db.session.scalars(select(Photo))}
        lost = rows[jpeg_photo["id"]].thumbnail_key
        media.delete(lost)
        media.delete(rows[png_photo["id"]].thumbnail_key)
    result = app.test_cli_runner().invoke(args=["photos", "thumbnails"])
    assert result.exit_code == 0, result.output
    assert "rebuilt 2" in result.output
    for photo, size in ((jpeg_photo, (40, 60)), (png_photo, (320, 200))):
        served = people.reporter_a1.get(photo["thumbnail_url"])
        data = served.get_data()
        served.close()
        assert served.status_code == 200
        assert Image.open(io.BytesIO(data)).size == size
        images.assert_no_metadata(data)
    again = app.test_cli_runner().invoke(args=["photos", "thumbnails"])
    assert "rebuilt 0" in again.output


# --- the phone's position and time beside the file (a shrunk JPEG from the PWA carries no EXIF)


def upload_with_fix(api, url: str, data: bytes, **fields):
    form = {"file": (io.BytesIO(data), "photo.jpg"), **{key: str(value) for key, value in fields.items()}}
    return api.post(url, data=form, content_type="multipart/form-data")


PHONE_FIX = {"lat": "29.25", "lon": "117.85", "accuracy_m": "12.5", "taken_at": "2026-07-02T06:15:00Z"}


def test_phone_position_and_time_are_used_when_the_image_has_none(people, hazard, damage_report):
    for url in (hazard_url(hazard), f"/api/v1/damage-reports/{damage_report}/photos"):
        response = upload_with_fix(people.reporter_a1, url, images.jpeg(), **PHONE_FIX)
        assert response.status_code == 201, response.get_json()
        photo = response.get_json()
        assert (photo["lat"], photo["lon"], photo["accuracy_m"]) == (29.25, 117.85, 12.5)
        assert photo["taken_at"] == "2026-07-02T14:15:00+08:00"
        detail = people.reporter_a1.get(f"/api/v1/hazards/{hazard['id']}").get_json()
        if url == hazard_url(hazard):
            assert detail["photos"][0]["accuracy_m"] == 12.5


def test_the_images_own_exif_wins_over_the_phone_fix(people, hazard):
    response = upload_with_fix(people.reporter_a1, hazard_url(hazard), images.sideways_phone_jpeg(), **PHONE_FIX)
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["lat"], photo["lon"], photo["accuracy_m"]) == (30.26, 114.5, None)
    assert photo["taken_at"] == "2026-07-01T08:30:00+08:00"


def test_without_a_fix_or_exif_position_and_time_stay_empty(people, hazard):
    photo = upload_with_fix(people.reporter_a1, hazard_url(hazard), images.jpeg(), lat="", lon="").get_json()
    assert (photo["lat"], photo["lon"], photo["accuracy_m"], photo["taken_at"]) == (None, None, None, None)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"lat": "90.5", "lon": "117"}, "lat"),
        ({"lat": "29", "lon": "-180.01"}, "lon"),
        ({"lat": "北纬29", "lon": "117"}, "lat"),
        ({"lat": "nan", "lon": "117"}, "lat"),
        ({"lat": "29"}, "lon"),
        ({"lat": "29", "lon": "117", "accuracy_m": "-1"}, "accuracy_m"),
        ({"accuracy_m": "5"}, "accuracy_m"),
        ({"taken_at": "2026-07-02T06:15:00"}, "taken_at"),
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"taken_at": "1900-01-01T00:00:00+08:00"}, "taken_at"),
    ],
)
def test_a_bad_phone_fix_is_422_in_chinese(people, hazard, media, fields, bad):
    error = assert_error(
        upload_with_fix(people.reporter_a1, hazard_url(hazard), images.jpeg(), **fields), 422, "validation_error"
    )
    assert list(error["details"]["fields"]) == [bad]
    assert all(re.search(r"[\u4e00-\u9fff]", message) for message in error["details"]["fields"][bad])
    assert stored_files(media) == []


@pytest.mark.parametrize("tag_type", [5, 11], ids=["make-as-rational", "make-as-float"])
def test_a_corrupt_exif_block_costs_the_metadata_never_the_photo(people, hazard, media, tag_type):
    # Make declared RATIONAL/FLOAT: Pillow reads it but cannot write the block back (Exif.tobytes, exif_transpose)
    sent = images.with_exif_tag_type(images.sideways_phone_jpeg(), 0x010F, tag_type)
    response = upload(people.reporter_a1, hazard_url(hazard), sent)
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["width"], photo["height"]) == (40, 60)  # still turned upright
    served = people.reporter_a1.get(photo["url"])
    data = served.get_data()
    served.close()
    images.assert_no_metadata(data)
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    assert picture.getpixel((20, 5))[0] > 150 and picture.getpixel((20, 55))[2] > 150


def test_an_exif_block_pointing_past_its_end_is_dropped_and_the_photo_kept(people, hazard):
    # Pillow warns ("Truncated File Read") and reads no EXIF: the photo is stored as its pixels lie, no metadata
    response = upload(
        people.reporter_a1, hazard_url(hazard), images.with_exif_ifd0_offset(images.sideways_phone_jpeg(), 2**24)
    )
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["width"], photo["height"], photo["lat"], photo["taken_at"]) == (60, 40, None, None)


def test_uploads_are_rate_limited_per_user_across_both_routes(people, hazard, damage_report, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "3 per minute")
    report_url = f"/api/v1/damage-reports/{damage_report}/photos"
    for n, url in enumerate((hazard_url(hazard), report_url, hazard_url(hazard))):
        assert upload(people.reporter_a1, url, images.jpeg(color=(n, 0, 0))).status_code == 201
    assert_error(upload(people.reporter_a1, report_url, images.jpeg(color=(9, 9, 9))), 429, "rate_limited")
    assert_error(upload(people.reporter_a1, hazard_url(hazard), images.jpeg(color=(8, 8, 8))), 429, "rate_limited")
    # another user has its own budget
    assert upload(people.town_a, hazard_url(hazard), images.jpeg(color=(7, 7, 7)), kind="after").status_code == 201


@pytest.mark.parametrize(
    "bomb",
    [
        images.png_bomb(8000, 8000, color_type=6),  # 249 KB of this cost 2.7 s and 250 MB to decode
        images.png_bomb(5000, 4000),  # 20 MP: under the photo limit, over the PNG one
        images.jpeg_claiming(7100, 7100),  # 50.4 MP: more than a phone camera makes
    ],
    ids=["rgba-png-8000", "png-20mp", "jpeg-50.4mp"],
)
def test_pixel_limits_refuse_from_the_header(people, hazard, media, bomb):
    error = assert_error(upload(people.reporter_a1, hazard_url(hazard), bomb), 422, "validation_error")
    assert "file" in error["details"]["fields"]
    assert stored_files(media) == []


def test_a_photo_resumes_with_a_range_request(people, hazard):
    """A download cut off on a flaky connection continues from where it stopped (206), not from the start."""
    photo = upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).get_json()
    with people.reporter_a1.get(photo["url"]) as whole:
        full = whole.get_data()
        assert whole.headers["Accept-Ranges"] == "bytes"
    with people.reporter_a1.get(photo["url"], headers={"Range": "bytes=10-"}) as rest:
        assert rest.status_code == 206
        assert rest.get_data() == full[10:]
        assert rest.headers["Content-Range"] == f"bytes 10-{len(full) - 1}/{len(full)}"
        assert rest.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    beyond = people.reporter_a1.get(photo["url"], headers={"Range": f"bytes={len(full)}-"})
    assert_error(beyond, 416, "requested_range_not_satisfiable")
    assert beyond.headers["Content-Range"] == f"bytes */{len(full)}"


# --- the database while a photo is processed


@pytest.mark.parametrize("slow_part", ["read_upload", "process_upload"])
def test_another_clients_submit_completes_while_a_photo_is_received_or_processed(
    people, hazard, app, tree, monkeypatch, slow_part
):
    """Reading the body from a slow phone and decoding/re-encoding the image hold no write lock on SQLite: the
    upload's first transaction only reads (api.reads_first: a deferred BEGIN) and ends before the image is processed
    outside any transaction; only the insert's transaction takes the lock. Another village's damage report is filed
    while the upload waits in either part."""
    import threading

    from server.photos import service
    from tests.damage.conftest import open_event, report_payload

    event = open_event(people.county, tree.county)
    processing, release = threading.Event(), threading.Event()
    real_part = getattr(service, slow_part)

    def slow(*args, **kwargs):
        processing.set()
        assert release.wait(timeout=60), "the test never released the upload"
        return real_part(*args, **kwargs)

    monkeypatch.setattr(service, slow_part, slow)
    answers: list[int] = []
    uploader = threading.Thread(
        target=lambda: answers.append(upload(people.reporter_a1, hazard_url(hazard), images.jpeg()).status_code)
    )
    uploader.start()
    try:
        assert processing.wait(timeout=60), f"the upload never reached {slow_part}"
        submitted = people.reporter_a2.post(
            f"/api/v1/events/{event['id']}/damage-reports",
            json=report_payload("initial", org_unit_id=tree.village_a2.id),
        )
        assert submitted.status_code == 201, submitted.get_json()
    finally:
        release.set()
        uploader.join()
    assert answers == [201]
    assert photo_count(app) == 1
