"""Idempotent creation by a client-generated ``client_id`` (the phone's outbox resends freely), and the one way an
object with a "current" flag is created.

Each created object stores the digest of the payload it was created from. A resend with the same ``client_id``
and the same payload gets the same object back (200); another payload under that ``client_id`` is a conflict
(409). Races between two identical sends end in the ``client_id`` unique constraint, after which the service
re-reads the winner and applies the same rule.

Objects of which one per group is current (damage reports, evacuation reports, township sign-offs: partial unique
indexes ``uq_*_current``) are created by ``insert_current``: move the flag from the row read as current (only if it
still is), insert the new row ``ON CONFLICT DO NOTHING``, and when nothing was inserted put the flag back. Whatever
happened between the read and the write (the same client_id, another current row committed first), the loser writes
nothing and the caller answers from a re-read (``after_lost_race``). PostgreSQL's damage submit does the same three
steps inside its one statement and shares ``restore_current`` for the last.

Every other object created under a unique key (hazards, photos, ledger rows, local events, warning acknowledgements
and escalations, users, org units) is written by ``insert_unless_taken``: the ORM object is inserted inside a
savepoint, and a unique constraint that refuses it tells the caller it lost (False), the transaction intact. This
module holds the server's only savepoint (tests/test_one_way.py keeps it so).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

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


def after_lost_race(reread: Callable[[], T | None], resend: Callable[[T], T], conflict: Exception | None = None) -> T:
    """The answer of a create that lost a race at its write (the unique ``client_id`` or the one-current index
    decided): a resend of the winner if it has our client_id (``reread`` finds it, ``resend`` checks its payload),
    else ``conflict``. Without a ``conflict`` the caller's only unique key is the one ``reread`` reads by, so a loser
    always finds the winner; if it does not, that is a bug (500), as the IntegrityError was before."""
    existing = reread()
    if existing is None:
        raise conflict if conflict is not None else LookupError("lost a race at the write, but no winner is found")
    return resend(existing)


def by_client_id(model: type[T], client_id: str) -> T | None:
    """The object created under ``client_id``, read from the database (``populate_existing``: after a lost race the
    winner's row must be seen, not what the identity map holds)."""
    return db.session.scalar(
        select(model).where(model.client_id == client_id).execution_options(populate_existing=True)
    )


def insert_unless_taken(obj: object) -> bool:
    """Add ``obj`` and INSERT it at once, inside a savepoint. True when it went in; False when a unique constraint
    refused it (another writer took the key first; PostgreSQL waits for that writer's commit before it says so):
    the savepoint is rolled back, ``obj`` is out of the session, nothing of this attempt remains and the transaction
    goes on, so the caller answers from a re-read (``after_lost_race``) or with its own error. Any other integrity
    error (a foreign key, NOT NULL, CHECK) is no lost race and propagates."""
    db.session.flush()  # what was pending before is not this insert's to lose (begin_nested would flush it outside)
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        return False
    return True


def _unique_violation(error: IntegrityError) -> bool:
    """A unique key (or primary key) refused the row: PostgreSQL's SQLSTATE 23505, SQLite's extended code."""
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "sqlite_errorname", None) in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    )


def insert_current(model: type, row: dict[str, Any], *, current_id: int | None) -> int | None:
    """Insert ``row`` as the group's current ``model`` in place of the row ``current_id`` (None: none was current
    when read). The id of the new row, or None when another writer won (the flag had moved, or the insert met the
    ``client_id`` or one-current unique index); then nothing of this attempt remains and the caller re-reads."""
    moved = current_id is not None and _move_current(model, current_id)
    if current_id is not None and not moved:
        return None
    table = model.__table__
    new_id = db.session.scalar(
        _INSERTS[db.session.get_bind().dialect.name](table).values(row).on_conflict_do_nothing().returning(table.c.id)
    )
    if new_id is None and moved:
        restore_current(model, current_id)
    return new_id


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # the dialects with ON CONFLICT DO NOTHING


def _move_current(model: type, row_id: int) -> bool:
    """Take the flag off ``row_id`` if it still has it (PostgreSQL: waits for a concurrent mover, then re-checks)."""
    moved = db.session.execute(
        update(model)
        .where(model.id == row_id, model.current)
        .values(current=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    _expire_current(model, row_id)
    return moved == 1


def restore_current(model: type, row_id: int) -> None:
    """Put the flag back on ``row_id``: after a lost insert (this transaction holds the row's lock), or when a return
    makes an earlier report current again (then the one-current index may refuse it: IntegrityError)."""
    db.session.execute(
        update(model).where(model.id == row_id).values(current=True).execution_options(synchronize_session=False)
    )
    _expire_current(model, row_id)


def _expire_current(model: type, row_id: int) -> None:
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded, ["current"])
