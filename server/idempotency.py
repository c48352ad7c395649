"""Idempotent creation by a client-generated ``client_id`` (the phone's outbox resends freely), and the one way an
object with a "current" flag is created.

Each created object stores the digest of the payload it was created from. A resend with the same ``client_id``
and the same payload gets the same object back (200); another payload under that ``client_id`` is a conflict
(409). Races between two identical sends end in the ``client_id`` unique constraint, after which the service
re-reads the winner and applies the same rule.

Objects of which one per group is current (damage reports, evacuation reports, township sign-offs: partial unique
indexes ``uq_*_current``) are created by ``insert_current``: move the flag from the row read as current (only if it
still is), insert the new row ``ON CONFLICT DO NOTHING`` (with its audit row when one is given), and when nothing was
inserted put the flag back. Whatever happened between the read and the write (the same client_id, another current row
committed first), the loser writes nothing and the caller answers from a re-read (``after_lost_race``). On
PostgreSQL the flag move, the insert and the audit row are one statement (data-modifying CTEs: one round trip, which
the damage submit's budget needs); SQLite, which has no such CTEs, runs them one by one.

Every other object created under a unique key (hazards, photos, ledger rows, local events, warning acknowledgements
and escalations, users, org units) is written by ``insert_unless_taken``: the ORM object is inserted inside a
savepoint, and a unique constraint that refuses it tells the caller it lost (False), the transaction intact. This
module holds the server's only savepoint (tests/test_one_way.py keeps it so).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Integer, Table, TextClause, bindparam, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from server.audit_trail import AuditLog, record
from server.clock import now
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


def insert_current(
    model: type, row: dict[str, Any], *, current_id: int | None, audit: dict[str, Any] | None = None
) -> int | None:
    """Insert ``row`` as the group's current ``model`` in place of the row ``current_id`` (None: none was current
    when read). The id of the new row, or None when another writer won (the flag had moved, or the insert met the
    ``client_id`` or one-current unique index); then nothing of this attempt remains and the caller re-reads.

    ``audit``: the keywords of ``audit_trail.record`` but ``entity_id`` (the new row's id), for the audit row that is
    written with the new row, and only with it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _insert_current_in_one_statement(model, row, current_id=current_id, audit=audit)
    moved = current_id is not None and _move_current(model, current_id)
    if current_id is not None and not moved:
        return None
    table = model.__table__
    new_id = db.session.scalar(sqlite.insert(table).values(row).on_conflict_do_nothing().returning(table.c.id))
    if new_id is None and moved:
        restore_current(model, current_id)
    if new_id is not None and audit is not None:
        record(**audit, entity_id=new_id)
    return new_id


def _insert_current_in_one_statement(
    model: type, row: dict[str, Any], *, current_id: int | None, audit: dict[str, Any] | None
) -> int | None:
    """PostgreSQL: ``insert_current``'s steps as one statement (``_one_statement``); only the flag's restore after a
    lost insert is a second one."""
    table = model.__table__
    row = _with_defaults(table, row)
    params = {f"r_{name}": value for name, value in row.items()}
    params["current_id"] = current_id
    if audit is not None:
        actor = audit["actor"]
        params.update(
            a_at=now(),
            a_actor_id=getattr(actor, "id", None),
            a_action=audit["action"],
            a_entity_type=audit["entity_type"],
            a_org_unit_id=audit["org_unit_id"],
            a_changes=jsonable(audit.get("changes") or {}),
        )
    statement = _one_statement(table, tuple(row), audit is not None)
    new_id, moved_id = db.session.connection().execute(statement, params).one()
    if moved_id is not None:
        _expire_current(model, moved_id)
        if new_id is None:
            restore_current(model, moved_id)
    return new_id


def _with_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the Python-side defaults of the columns it leaves out, as an ORM or Core insert would fill them
    (the statement is text, which fills none)."""
    filled = dict(row)
    for column in table.columns:
        default = column.default
        if column.name in filled or default is None:
            continue
        if default.is_scalar:
            filled[column.name] = default.arg
        elif default.is_callable:
            filled[column.name] = default.arg(None)
    return filled


@cache
def _one_statement(table: Table, columns: tuple[str, ...], audited: bool) -> TextClause:
    """Move the flag from ``:current_id`` if it is still set, insert the row when there was no current row or the
    move happened (``ON CONFLICT DO NOTHING``: a client_id or current row committed since inserts nothing), and the
    audit row of what was inserted; answers ``(new_id, moved_id)``. Text with typed parameters, built once per
    table and column list: SQLAlchemy caches its compilation and processes its values (JSON, UTC times) by type."""
    name = table.name
    audit = AuditLog.__table__
    sql = f"""WITH moved AS (
        UPDATE {name} SET current = false WHERE id = :current_id AND current RETURNING id
    ), inserted AS (
        INSERT INTO {name} ({", ".join(columns)})
        SELECT {", ".join(f":r_{column}" for column in columns)}
        WHERE :current_id IS NULL OR EXISTS (SELECT 1 FROM moved)
        ON CONFLICT DO NOTHING RETURNING id
    )"""
    types = [bindparam(f"r_{column}", type_=table.c[column].type) for column in columns]
    types.append(bindparam("current_id", type_=Integer))
    if audited:
        sql += f""", audited AS (
        INSERT INTO {audit.name} (at, actor_id, action, entity_type, entity_id, org_unit_id, changes)
        SELECT :a_at, :a_actor_id, :a_action, :a_entity_type, inserted.id, :a_org_unit_id, :a_changes FROM inserted
    )"""
        types.extend(
            bindparam(f"a_{column}", type_=audit.c[column].type)
            for column in ("at", "actor_id", "action", "entity_type", "org_unit_id", "changes")
        )
    sql += " SELECT (SELECT id FROM inserted) AS new_id, (SELECT id FROM moved) AS moved_id"
    return text(sql).bindparams(*types).columns(new_id=Integer, moved_id=Integer)


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
