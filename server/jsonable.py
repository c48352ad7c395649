"""Values as JSON for the audit trail and the idempotency digest: decimals keep their digits as strings, times
are ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

_AS_IS = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Audit values as JSON: decimals keep their digits as strings, times as ISO 8601."""
    if type(value) in _AS_IS:  # most values: one set lookup (a submit converts a few hundred)
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
