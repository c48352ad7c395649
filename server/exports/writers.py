"""Streamed spreadsheet writers: CSV row by row, XLSX through xlsxwriter's constant-memory mode.

A table is a list of headers, a kind per column ("text", "int", "decimal") and an iterator of rows; the writers
pull rows one at a time, so memory stays flat whatever the row count.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CHUNK = 64 * 1024
CENT = Decimal("0.01")
# Excel's sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_DATA_ROWS = 1_048_575
_CSV_FLUSH_ROWS = 500


def as_decimal(value: Any) -> Decimal:
    """Two places, exactly: the database gives Decimal, the roll-up gives strings such as ``"12.50"``."""
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


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


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "decimal":
        return str(as_decimal(value))  # "12.50": a string keeps both places whatever opens the file
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
    """Write the workbook to a temporary file (an xlsx is a zip: its directory comes last), then stream it."""
    with tempfile.TemporaryFile(suffix=".xlsx") as target:
        workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False})
        header_format = workbook.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
        money = workbook.add_format({"num_format": "0.00"})
        sheet, row_index, sheet_number = None, 0, 0
        for row in rows:
            if sheet is None or row_index > XLSX_MAX_DATA_ROWS:
                sheet_number += 1
                sheet = workbook.add_worksheet(sheet_name if sheet_number == 1 else f"{sheet_name}{sheet_number}")
                _start_sheet(sheet, headers, header_format)
                row_index = 1
            _write_row(sheet, row_index, row, kinds, money)
            row_index += 1
        if sheet is None:  # no rows: still a sheet with its headers
            _start_sheet(workbook.add_worksheet(sheet_name), headers, header_format)
        workbook.close()
        target.seek(0)
        while chunk := target.read(CHUNK):
            yield chunk


def _start_sheet(sheet, headers: Sequence[str], header_format) -> None:
    sheet.freeze_panes(1, 2)
    for column, header in enumerate(headers):
        sheet.set_column(column, column, max(8, min(24, len(header) * 2 + 2)))
    sheet.write_row(0, 0, headers, header_format)


def _write_row(sheet, row_index: int, row: Sequence[Any], kinds: Sequence[str], money) -> None:
    for column, (value, kind) in enumerate(zip(row, kinds, strict=True)):
        if value is None or value == "":
            continue
        if kind == "decimal":
            # Two-place decimals are exact as doubles at these magnitudes (< 10^12); the format shows "12.50".
            sheet.write_number(row_index, column, float(as_decimal(value)), money)
        elif kind == "int":
            sheet.write_number(row_index, column, int(value))
        else:
            sheet.write_string(row_index, column, str(value))


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
