"""Read models: what a service answers about a row beside the row's own columns (a report's ledger warnings, a
warning's acknowledgement counts, whether the caller may review). A read model is a frozen dataclass holding the
row as ``row`` and what the answer adds as its other fields; a schema dumps it as it would dump the row, reading
every other name from the row. Services return read models; they never set attributes on a row for a schema to
find."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReadModel:
    row: Any

    def __getattr__(self, name: str) -> Any:
        # Called only for names the read model does not define: the row's columns, relations and properties.
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)
