"""Streamed spreadsheet writers: CSV row by row, XLSX as a zip written while rows are read.

A table is a list of headers, a kind per column ("text", "int", "decimal") and an iterator of rows; the writers
pull rows one at a time, so memory stays flat whatever the row count.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from server.exports.xlsx import as_decimal, stream_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_CSV_FLUSH_ROWS = 500


class _Buffer:
    """A write target for csv.writer that hands back what was written since the last take()."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        return data


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "decimal":
        return str(as_decimal(value))  # "12.50": a string keeps both places whatever opens the file
    if kind == "text" and isinstance(value, str) and value.startswith(_FORMULA_START):
        # A note typed as "=HYPERLINK(...)" must stay text when Excel opens the CSV (CSV injection).
        return "'" + value
    return value


def csv_stream(headers: Sequence[str], kinds: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel in China opens it as UTF-8, not GBK), a chunk every few hundred rows."""
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(headers)
    yield buffer.take()
    pending = 0
    for row in rows:
        writer.writerow([_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
        pending += 1
        if pending >= _CSV_FLUSH_ROWS:
            yield buffer.take()
            pending = 0
    if pending:
        yield buffer.take()


def xlsx_stream(
    sheet_name: str, headers: Sequence[str], kinds: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    """The workbook streamed as it is written (see server/exports/xlsx.py for why not xlsxwriter)."""
    return stream_xlsx(sheet_name, headers, kinds, rows)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
