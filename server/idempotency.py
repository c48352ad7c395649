"""Idempotent creation by a client-generated ``client_id`` (the phone's outbox resends freely).

Each created object stores the digest of the payload it was created from. A resend with the same ``client_id``
and the same payload gets the same object back (200); another payload under that ``client_id`` is a conflict
(409). Races between two identical sends end in the ``client_id`` unique constraint, after which the service
re-reads the winner and applies the same rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from server.errors import ClientIdReused
from server.extensions import db
from server.jsonable import jsonable

T = TypeVar("T")


def payload_digest(payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a normalized payload (sorted keys; decimals and times as text)."""
    text = json.dumps(jsonable(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def resend_or_conflict(existing: T, digest: str, *, visible: bool, what: str) -> T:
    """The existing object for a resend of the same payload; Conflict for any other payload.

    ``visible`` is whether the caller's scope covers the existing object: a client_id reused from elsewhere is a
    conflict, never a way to read another village's record.
    """
    if existing.payload_hash != digest or not visible:
        message = f"该 client_id 已用于另一份{what}"
        raise ClientIdReused(message, details={"client_id": existing.client_id, "fields": {"client_id": [message]}})
    return existing


def after_lost_race(reread: Callable[[], T | None], resend: Callable[[T], T], conflict: Exception) -> T:
    """The answer of a create that lost a race at its write (the unique ``client_id`` or the one-current index
    decided): a resend of the winner if it has our client_id (``reread`` finds it, ``resend`` checks its payload),
    else ``conflict``."""
    existing = reread()
    if existing is None:
        raise conflict
    return resend(existing)


def by_client_id(model: type[T], client_id: str) -> T | None:
    """The object created under ``client_id``, read from the database (``populate_existing``: after a lost race the
    winner's row must be seen, not what the identity map holds)."""
    return db.session.scalar(
        select(model).where(model.client_id == client_id).execution_options(populate_existing=True)
    )
