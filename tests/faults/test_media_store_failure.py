"""The media store failing under an upload: a store that raises, and a disk that fills up while the file is being
made durable. The upload answers 503 ``unavailable`` in the contract's shape (the phone keeps the photo and retries),
no photo row is written, no partial file stays, and the hazard the photo belongs to is intact."""

from __future__ import annotations

import errno
import os

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.photos import storage
from server.photos.models import Photo
from server.photos.storage import LocalStore
from tests.conftest import assert_error
from tests.hazards.factories import create_hazard, people, small_jpeg, upload  # noqa: F401  (people: fixture)


class BrokenStore(LocalStore):
    """An object store that is down: every write raises (as boto3 does when the endpoint refuses)."""

    def put(self, sha256: str, data: bytes, ext: str) -> str:
        raise OSError(errno.EIO, "Input/output error")


def files_under(root) -> list[str]:
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


@pytest.fixture
def hazard(people, tree) -> dict:  # noqa: F811
    return create_hazard(people.reporter_a1, tree.village_a1)


def assert_nothing_written(app, people, hazard) -> None:  # noqa: F811
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
        db.session.remove()
    after = people.reporter_a1.get(f"/api/v1/hazards/{hazard['id']}")
    assert after.status_code == 200
    body = after.get_json()
    assert body["photos"] == [] and body["title"] == hazard["title"] and body["status"] == hazard["status"]


def test_a_store_that_raises_gives_503_and_writes_nothing(app, people, hazard, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.extensions, "media_store", BrokenStore(tmp_path / "media"))
    error = assert_error(upload(people.reporter_a1, f"/api/v1/hazards/{hazard['id']}/photos", small_jpeg()), 503,
                         "unavailable")  # fmt: skip
    assert "照片存储暂时不可用" in error["message"] and error["details"] == {"storage": "unavailable"}
    assert_nothing_written(app, people, hazard)


def test_a_full_disk_gives_503_leaves_no_partial_file_and_the_retry_works(app, people, hazard, tmp_path,  # noqa: F811
                                                                          monkeypatch):  # fmt: skip
    store = LocalStore(tmp_path / "media")
    monkeypatch.setitem(app.extensions, "media_store", store)
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:  # the write-back of the data finds no free block
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", disk_full)
    url = f"/api/v1/hazards/{hazard['id']}/photos"
    assert_error(upload(people.reporter_a1, url, small_jpeg()), 503, "unavailable")
    assert files_under(store.root) == []  # the temp file was removed, no half-written photo stays
    assert_nothing_written(app, people, hazard)

    monkeypatch.setattr(storage.os, "fsync", real_fsync)  # space again: the phone's resend goes through
    response = upload(people.reporter_a1, url, small_jpeg())
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert store.exists(f"{photo['sha256'][:2]}/{photo['sha256'][2:4]}/{photo['sha256']}.jpg")
