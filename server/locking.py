"""Optimistic locking, the one way: a conditional UPDATE on ``version`` decides which of two concurrent writers wins.

Every reviewed object (damage reports, township sign-offs, hazards) carries a ``version``. A writer reads the object,
checks what it may do, then claims the version it read with ``claim``: ``UPDATE … SET version = read + 1 WHERE id =
… AND version = read [AND the state it checked]``. Exactly one of two concurrent writers matches a row (PostgreSQL
makes the second wait for the first's row lock, then re-checks); the other gets False and answers 409
``stale_version``. Nothing is read-modify-written on trust.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update
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
