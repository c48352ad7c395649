"""The content-addressed media store: local directory and S3-compatible object storage."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from server.photos.storage import (
    LocalStore,
    S3Store,
    collect_garbage,
    key_for,
    store_from_config,
)

DATA = b"\xff\xd8 pretend jpeg bytes \xff\xd9"
SHA = hashlib.sha256(DATA).hexdigest()
OTHER = b"other bytes"
OTHER_SHA = hashlib.sha256(OTHER).hexdigest()


def test_key_is_content_addressed():
    assert key_for(SHA, "jpg") == f"{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg"
    with pytest.raises(ValueError):
        key_for("../../etc/passwd", "jpg")
    with pytest.raises(ValueError):
        key_for(SHA, "j/g")


# --- behaviour every back end shares


def check_store_contract(store):
    key = store.put(SHA, DATA, "jpg")
    assert key == key_for(SHA, "jpg")
    assert store.exists(key)
    assert store.get(key) == DATA
    stream = store.open(key)
    try:
        assert stream.read() == DATA
    finally:
        stream.close()
    part = store.open(key, byte_range=(2, 5))  # bytes 2, 3 and 4, as a resumed download asks for them
    try:
        assert part.read() == DATA[2:5]
    finally:
        part.close()

    # the same bytes again: same key, still one object
    assert store.put(SHA, DATA, "jpg") == key
    assert [obj.key for obj in store.iter_objects()] == [key]

    with pytest.raises(ValueError):  # a key is a content address, not a name the caller picks
        store.put(SHA, OTHER, "jpg")
    with pytest.raises(ValueError):
        store.get("../secret.jpg")

    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting what is gone is fine
    with pytest.raises(FileNotFoundError):
        store.get(key)


def check_garbage_collection(store):
    kept = store.put(SHA, DATA, "jpg")
    orphan = store.put(OTHER_SHA, OTHER, "png")
    # young files are spared: their rows may not be committed yet
    assert collect_garbage(store, {kept}) == []
    later = datetime.now(UTC) + timedelta(hours=2)
    asked = []

    def referenced(keys):
        asked.append(sorted(keys))
        return {kept} & set(keys)

    assert collect_garbage(store, referenced, now=later, batch=1) == [orphan]
    assert sorted(k for batch in asked for k in batch) == sorted([kept, orphan])
    assert all(len(batch) == 1 for batch in asked)
    assert store.exists(kept) and not store.exists(orphan)


# --- LocalStore


def test_local_store_contract(tmp_path):
    check_store_contract(LocalStore(tmp_path / "media"))


def test_local_store_layout_and_no_temp_files_left(tmp_path):
    store = LocalStore(tmp_path)
    key = store.put(SHA, DATA, "jpg")
    path = tmp_path / SHA[:2] / SHA[2:4] / f"{SHA}.jpg"
    assert path.read_bytes() == DATA
    assert store.path(key) == str(path)
    assert os.listdir(path.parent) == [path.name]


def test_local_put_of_an_existing_file_keeps_it_and_refreshes_its_age(tmp_path):
    store = LocalStore(tmp_path)
    key = store.put(SHA, DATA, "jpg")
    inode = os.stat(store.path(key)).st_ino
    past = time.time() - 7200
    os.utime(store.path(key), (past, past))
    store.put(SHA, DATA, "jpg")
    assert os.stat(store.path(key)).st_ino == inode  # not rewritten
    # younger again: a collector running now must not delete a file a new row is about to refer to
    assert os.path.getmtime(store.path(key)) > past + 3600
    assert collect_garbage(store, set()) == []


def test_local_failed_write_leaves_nothing(tmp_path, monkeypatch):
    store = LocalStore(tmp_path)

    def power_cut(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        store.put(SHA, DATA, "jpg")
    assert [name for _, _, names in os.walk(tmp_path) for name in names] == []


def test_local_garbage_collection(tmp_path):
    check_garbage_collection(LocalStore(tmp_path))


def test_local_garbage_collection_removes_stale_temp_files(tmp_path):
    store = LocalStore(tmp_path)
    store.put(SHA, DATA, "jpg")
    stale = tmp_path / SHA[:2] / SHA[2:4] / ".tmp-abc.jpg"
    stale.write_bytes(b"half")
    past = time.time() - 7200
    os.utime(stale, (past, past))
    collect_garbage(store, {key_for(SHA, "jpg")})
    assert not stale.exists()


def test_store_from_config_local(tmp_path):
    store = store_from_config({"MEDIA_DIR": str(tmp_path / "m")})
    assert isinstance(store, LocalStore) and store.root == str(tmp_path / "m")
    default = store_from_config({"MEDIA_DIR": None}, instance_path=str(tmp_path))
    assert default.root == str(tmp_path / "media")


# --- S3Store against a real S3-compatible server process (moto_server)


@pytest.fixture
def s3_store(s3_endpoint, request):
    bucket = "media-" + request.node.name.replace("_", "-")[:40].lower()
    store = store_from_config(
        {
            "S3_ENDPOINT": s3_endpoint,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY": "test",
            "S3_SECRET_KEY": "test",
            "S3_REGION": "us-east-1",
        }
    )
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket=bucket)
    return store


def test_s3_store_contract(s3_store):
    check_store_contract(s3_store)


def test_s3_objects_carry_their_content_type(s3_store):
    key = s3_store.put(SHA, DATA, "jpg")
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(DATA)


def test_s3_garbage_collection(s3_store):
    check_garbage_collection(s3_store)


def test_s3_prefix_keeps_media_apart(s3_endpoint, s3_store):
    prefixed = S3Store(endpoint=s3_endpoint, bucket=s3_store.bucket, key="test", secret="test", prefix="county-361130")
    key = prefixed.put(SHA, DATA, "jpg")
    assert s3_store.client.head_object(Bucket=s3_store.bucket, Key=f"county-361130/{key}")
    assert not s3_store.exists(key)
    assert [obj.key for obj in prefixed.iter_objects()] == [key]
