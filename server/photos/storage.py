"""Content-addressed media store: a file's key is derived from the SHA-256 of its bytes.

``ab/cd/<sha256>.<ext>``: the same photo sent twice is stored once, and a stored file never changes. Two
back ends behind one small interface: ``LocalStore`` (a directory; the default) and ``S3Store`` (any
S3-compatible object storage, for deployments with several app servers).

Order of writes (ARCHITECTURE.md): the file is put first, then the database row is inserted. A crash between
the two leaves a file without a row, which ``collect_garbage`` removes later; never a row without a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Protocol

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_EXT_RE = re.compile(r"^[a-z0-9]{1,5}$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
GC_GRACE = timedelta(hours=1)  # a file younger than this may belong to a request not yet committed


def key_for(sha256: str, ext: str) -> str:
    if not _SHA_RE.match(sha256) or not _EXT_RE.match(ext):
        raise ValueError(f"bad content address {sha256!r}.{ext!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


def _check_key(key: str) -> str:
    # Keys come from our own rows, but a key is also a path: never let one climb out of the store.
    if not KEY_RE.match(key):
        raise ValueError(f"bad media key {key!r}")
    return key


def _check_content(sha256: str, data: bytes) -> None:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("content does not match its sha256")


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified_at: datetime  # aware UTC


class MediaStore(Protocol):
    def put(self, sha256: str, data: bytes, ext: str) -> str: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str, byte_range: tuple[int, int] | None = None) -> IO[bytes]: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def iter_objects(self) -> Iterator[StoredObject]: ...


class LocalStore:
    """Files under ``root``; each put is atomic and durable (temp file, fsync, rename, fsync dir)."""

    def __init__(self, root: str | os.PathLike):
        self.root = os.fspath(root)

    def path(self, key: str) -> str:
        return os.path.join(self.root, *_check_key(key).split("/"))

    def put(self, sha256: str, data: bytes, ext: str) -> str:
        key = key_for(sha256, ext)
        _check_content(sha256, data)
        final = self.path(key)
        if os.path.exists(final):  # content-addressed: same key, same bytes
            # A fresh mtime keeps the garbage collector's grace period away from a file about to get a row.
            with contextlib.suppress(FileNotFoundError):
                os.utime(final)
                return key
        directory = os.path.dirname(final)
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            # new ab/ and ab/cd/ entries must survive a power cut too
            _fsync_dir(os.path.dirname(directory))
            _fsync_dir(os.path.dirname(os.path.dirname(directory)))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=f".{ext}")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)  # atomic; a concurrent put of the same bytes just replaces equal content
        except BaseException:
            _unlink_quietly(tmp)
            raise
        _fsync_dir(directory)
        return key

    def get(self, key: str) -> bytes:
        with open(self.path(key), "rb") as fh:
            return fh.read()

    def open(self, key: str, byte_range: tuple[int, int] | None = None) -> IO[bytes]:
        """The file, or the bytes ``[start, stop)`` of it. (Served by path: send_file reads the ranges itself.)"""
        fh = open(self.path(key), "rb")  # noqa: SIM115 (the caller, e.g. send_file, closes it)
        if byte_range is None:
            return fh
        with fh:
            start, stop = byte_range
            fh.seek(start)
            return io.BytesIO(fh.read(stop - start))

    def exists(self, key: str) -> bool:
        return os.path.isfile(self.path(key))

    def delete(self, key: str) -> None:
        _unlink_quietly(self.path(key))

    def iter_objects(self) -> Iterator[StoredObject]:
        if not os.path.isdir(self.root):
            return
        for dirpath, _dirnames, filenames in os.walk(self.root):
            for name in filenames:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, self.root).replace(os.sep, "/")
                if KEY_RE.match(rel):
                    yield StoredObject(rel, _mtime(full))

    def remove_stale_temp_files(self, *, older_than: timedelta = GC_GRACE) -> int:
        """Temp files left by a crash in the middle of a put."""
        removed = 0
        cutoff = time.time() - older_than.total_seconds()
        for dirpath, _dirnames, filenames in os.walk(self.root):
            for name in filenames:
                full = os.path.join(dirpath, name)
                if name.startswith(".tmp-") and os.path.getmtime(full) < cutoff:
                    _unlink_quietly(full)
                    removed += 1
        return removed


class S3Store:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode…)."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        bucket: str,
        key: str | None = None,
        secret: str | None = None,
        region: str | None = None,
        prefix: str = "",
        client: Any = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                region_name=region or "us-east-1",
                # path style works with every S3-compatible server, virtual hosts need DNS set-up
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
            )
        self.client = client

    def _name(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def put(self, sha256: str, data: bytes, ext: str) -> str:
        key = key_for(sha256, ext)
        _check_content(sha256, data)
        if self.exists(key):
            # Refresh LastModified (a copy onto itself) so the garbage collector's grace period applies.
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._name(key),
                CopySource={"Bucket": self.bucket, "Key": self._name(key)},
                MetadataDirective="REPLACE",
                ContentType=CONTENT_TYPES.get(ext, "application/octet-stream"),
            )
            return key
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType=CONTENT_TYPES.get(ext, "application/octet-stream"),
        )
        return key

    def get(self, key: str) -> bytes:
        return self.open(key).read()

    def open(self, key: str, byte_range: tuple[int, int] | None = None) -> IO[bytes]:
        """A stream of the object, or of its bytes ``[start, stop)`` only: the range goes to GetObject, so resuming
        a download fetches from the bucket just the part still missing."""
        extra = {} if byte_range is None else {"Range": f"bytes={byte_range[0]}-{byte_range[1] - 1}"}
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key), **extra)["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def iter_objects(self) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if KEY_RE.match(key):
                    yield StoredObject(key, item["LastModified"].astimezone(UTC))


def store_from_config(config: Any, *, instance_path: str | None = None) -> MediaStore:
    """S3 when ``S3_BUCKET`` (or ``S3_ENDPOINT``) is set, else a local directory (``MEDIA_DIR``)."""
    if config.get("S3_BUCKET") or config.get("S3_ENDPOINT"):
        if not config.get("S3_BUCKET"):
            raise RuntimeError("S3_ENDPOINT is set but S3_BUCKET is not")
        return S3Store(
            endpoint=config.get("S3_ENDPOINT"),
            bucket=config["S3_BUCKET"],
            key=config.get("S3_ACCESS_KEY"),
            secret=config.get("S3_SECRET_KEY"),
            region=config.get("S3_REGION"),
            prefix=config.get("S3_PREFIX") or "",
        )
    root = config.get("MEDIA_DIR") or os.path.join(instance_path or "instance", "media")
    return LocalStore(root)


def collect_garbage(
    store: MediaStore,
    referenced: Iterable[str] | Callable[[list[str]], set[str]],
    *,
    now: datetime | None = None,
    grace: timedelta = GC_GRACE,
    batch: int = 500,
) -> list[str]:
    """Delete stored files no row refers to; returns their keys.

    ``referenced`` is a set of keys, or a function telling which of a batch of keys are referenced (so a big
    store is checked against the database a batch at a time). Only files older than ``grace`` go: a younger one
    may have been put by a request whose row is not committed yet, and deleting it would leave exactly the row
    without a file we promise never to have (``put`` refreshes the age of a file it finds already there).
    """
    if callable(referenced):
        is_referenced = referenced
    else:
        keep = set(referenced)

        def is_referenced(keys: list[str]) -> set[str]:
            return keep.intersection(keys)

    cutoff = (now or datetime.now(UTC)) - grace
    removed: list[str] = []
    pending: list[str] = []

    def sweep() -> None:
        kept = is_referenced(pending)
        for key in pending:
            if key not in kept:
                store.delete(key)
                removed.append(key)
        pending.clear()

    for obj in store.iter_objects():
        if obj.modified_at < cutoff:
            pending.append(obj.key)
            if len(pending) >= batch:
                sweep()
    if pending:
        sweep()
    if isinstance(store, LocalStore):
        store.remove_stale_temp_files(older_than=grace)
    return removed


def _mtime(path: str) -> datetime:
    return datetime.fromtimestamp(os.path.getmtime(path), UTC)


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(directory: str) -> None:
    # Makes the rename itself durable. Not every platform lets a directory be opened (Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
