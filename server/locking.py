"""Optimistic locking, the one way: a conditional UPDATE decides which of two concurrent writers wins.

Every reviewed object (damage reports, township sign-offs, hazards, ledger rows) carries a ``version``. A writer
reads the object, checks what it may do, then claims the version it read with ``claim``: ``UPDATE … SET version =
read + 1 WHERE id = … AND version = read [AND the state it checked]``. Exactly one of two concurrent writers matches
a row (PostgreSQL makes the second wait for the first's row lock, then re-checks); the other gets False and answers
409 ``stale_version``. Nothing is read-modify-written on trust.

An object decided once by its state, without a version (a local event: confirmed, merged or rejected while it is
``pending``), moves with ``settle``: ``UPDATE … SET … WHERE id = … AND <the state it must still be in>``, the same
race with the same one winner.

``hold`` is the row lock for what the conditional UPDATE cannot see: rows filed *under* an object while it is being
decided. A writer filing under an event holds the event's row ``FOR SHARE`` before it reads the event's status; the
event's decision (its UPDATE) waits for every such writer to commit, and a writer arriving after the decision waits
for it and reads the decided status (PostgreSQL's READ COMMITTED re-reads the row a lock waited for). So a row is
either committed before a merge moves the event's rows, or sees ``merged`` and follows the event to its target.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from server.extensions import db


def claim(obj: Any, *, seen_version: int, where: tuple[ColumnElement, ...] = (), values: dict | None = None) -> bool:
    """Move ``obj`` from ``seen_version`` to the next version (and set ``values``) if nobody else did first, and only
    while ``where`` still holds. True when this writer won; ``obj.version`` then reads the new version."""
    model = type(obj)
    won = (
        db.session.execute(
            update(model)
            .where(model.id == obj.id, model.version == seen_version, *where)
            .values(**(values or {}), version=seen_version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if won:
        set_committed_value(obj, "version", seen_version + 1)
    return won


def settle(obj: Any, *, where: tuple[ColumnElement, ...], values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``'s row only while ``where`` still holds (the state the writer checked). True when this
    writer won, and ``obj`` then reads the values; False when another writer changed the state first (PostgreSQL:
    after waiting for its commit)."""
    model = type(obj)
    won = (
        db.session.execute(
            update(model)
            .where(model.id == obj.id, *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if won:
        for name, value in values.items():
            set_committed_value(obj, name, value)
    return won


def hold(model: Any, row_id: int, *, exclusive: bool = False) -> Any:
    """Lock ``model``'s row ``row_id`` until the transaction ends and return it as last committed (the identity map's
    copy refreshed). Shared (``FOR SHARE``): writers filing under the row go on side by side while its own change
    (a conditional UPDATE, or an ``exclusive`` holder) waits for them. Exclusive (``FOR NO KEY UPDATE``): one holder
    at a time, and no shared one. Foreign-key checks of inserts referring to the row are not blocked by either.
    SQLite takes its one write lock up front, so there it is a plain read."""
    lock = {"key_share": True} if exclusive else {"read": True}
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update(of=model, **lock)
        .execution_options(populate_existing=True)
    )


def serialize(key: str) -> None:
    """One transaction at a time for ``key`` until it ends (a thing with no row to lock yet, e.g. the parts of one
    SMS arriving together: each would otherwise see only its own part and none would assemble the message).
    PostgreSQL: a transaction-scoped advisory lock; SQLite takes its one write lock up front, so nothing to do."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
