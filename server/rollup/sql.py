"""SQL building blocks of the roll-up that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, String, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

CENT = Decimal("0.01")


class path_segment(FunctionElement):  # noqa: N801 (SQL function names are lower case)
    """``path_segment(path, start)``: the text of ``path`` from 1-based ``start`` up to the next ``/``.

    With ``start`` just after a node's path, this is the code of the node's child that holds the row's unit:
    the roll-up groups villages by it (``/36/3611/361130/…`` at ``/36/3611/`` → ``361130``). Reading the segment
    instead of joining the children on ``LIKE`` keeps the roll-up one hash aggregate whatever the fan-out.
    """

    type = String()
    inherit_cache = True
    name = "path_segment"


@compiles(path_segment)
def _path_segment_postgresql(element, compiler, **kw):
    path, start = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"split_part(substr({path}, {start}), '/', 1)"


@compiles(path_segment, "sqlite")
def _path_segment_sqlite(element, compiler, **kw):
    path, start = (compiler.process(arg, **kw) for arg in element.clauses)
    rest = f"substr({path}, {start})"
    return f"substr({rest}, 1, instr({rest}, '/') - 1)"


def cents_sum(column) -> ColumnElement:
    """Sum of a two-place decimal column in whole cents.

    SQLite keeps NUMERIC as binary floating point; rounding each value to cents before adding keeps the sum exact
    on both databases (PostgreSQL's NUMERIC is exact anyway, the cast costs little).
    """
    return func.sum(cast(func.round(column * 100), BigInteger))


def from_cents(value: int | None) -> Decimal:
    return (Decimal(int(value or 0)) * CENT).quantize(CENT)
