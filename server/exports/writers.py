"""Streamed spreadsheet writers: CSV row by row, XLSX as a zip written while rows are read.

A table is a list of headers, a kind per column ("text", "int", "decimal") and an iterator of rows; the writers
pull rows one at a time, so memory stays flat whatever the row count.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context

from server.exports.xlsx import decimal_text, stream_xlsx

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


# A note typed as "=HYPERLINK(...)" must stay text when Excel opens the CSV (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_stream(headers: Sequence[str], kinds: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel in China opens it as UTF-8, not GBK), a chunk every few hundred rows."""
    decimals = [i for i, kind in enumerate(kinds) if kind == "decimal"]
    texts = [i for i, kind in enumerate(kinds) if kind == "text"]
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\r\n")  # None is written as an empty cell
    buffer.write("\ufeff")
    writer.writerow(headers)
    yield buffer.take()
    pending = 0
    for row in rows:
        cells = list(row)
        if len(cells) != len(kinds):
            raise ValueError(f"row has {len(cells)} cells for {len(kinds)} columns")
        for i in decimals:
            if cells[i] is not None:
                cells[i] = decimal_text(cells[i])  # "12.50": a string keeps both places whatever opens the file
        for i in texts:
            value = cells[i]
            if value and isinstance(value, str) and value.startswith(_FORMULA_START):
                cells[i] = "'" + value
        writer.writerow(cells)
        pending += 1
        if pending >= _CSV_FLUSH_ROWS:
            yield buffer.take()
            pending = 0
    if pending:
        yield buffer.take()


def xlsx_stream(
    sheet_name: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[Any]],
    preamble: Sequence[Sequence[str]] = (),
) -> Iterator[bytes]:
    """The workbook streamed as it is written (see server/exports/xlsx.py for why not xlsxwriter)."""
    return stream_xlsx(sheet_name, headers, kinds, rows, preamble=preamble)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def table_response(table, extension: str) -> Response:
    """A streamed download of ``table`` (an exports ``Table``) as ``xlsx`` or ``csv``."""
    if extension == "xlsx":
        preamble = getattr(table, "preamble", ())
        body, mimetype = xlsx_stream(table.sheet_name, table.headers, table.kinds, table.rows, preamble), XLSX_TYPE
    else:
        body, mimetype = csv_stream(table.headers, table.kinds, table.rows), CSV_TYPE
    # stream_with_context keeps the request (and its database session) alive while rows are read.
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(table.filename, table.fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
