"""Idempotent creation by a client-generated ``client_id`` (the phone's outbox resends freely).

Each created object stores the digest of the payload it was created from. A resend with the same ``client_id``
and the same payload gets the same object back (200); another payload under that ``client_id`` is a conflict
(409). Races between two identical sends end in the ``client_id`` unique constraint, after which the service
re-reads the winner and applies the same rule.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from server.errors import ClientIdReused
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
