"""A streaming XLSX writer: the workbook's zip is produced while rows are read, so the first bytes leave at once.

xlsxwriter (even in constant-memory mode) can only hand over the file once it is closed, because an xlsx is a zip
whose central directory comes last: for a million rows that is minutes before the first byte, long past a proxy's
read timeout. Here the worksheet parts come first in the zip (a reader finds parts through the directory, whatever
their order), each deflated as it is written; the workbook, content types, relationships and styles follow at the
end, when the number of sheets is known. Cells carry inline strings and plain numbers; decimals use the built-in
"0.00" format; dates and date-times (local wall-clock time: Excel has no time zones) are serial numbers formatted
"yyyy-mm-dd" and "yyyy-mm-dd hh:mm".
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MAX_ROWS = 1_048_576  # an Excel sheet: header plus 1,048,575 data rows
# A member below 2 GiB needs no ZIP64 headers, which not every spreadsheet program reads; a bigger sheet continues
# on the next one.
MAX_SHEET_BYTES = 1_900_000_000
_FLUSH_ROWS = 200
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0 text
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats: 0 default, 1 bold header, 2 numbers with two places (built-in number format 2, "0.00"), 3 a date,
# 4 a date and time.
STYLE_HEADER, STYLE_DECIMAL, STYLE_DATE, STYLE_DATETIME = 1, 2, 3, 4
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's day 0; its cells hold wall-clock time)
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


CENT = Decimal("0.01")


def as_decimal(value: Any) -> Decimal:
    """Two places, exactly: the database gives Decimal, the roll-up gives strings such as ``"12.50"``."""
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


def decimal_text(value: Any) -> str:
    """``"12.50"``: Decimal formatting rounds exactly (no float); the common Decimal case skips a conversion."""
    return f"{value:.2f}" if isinstance(value, Decimal) else f"{as_decimal(value):.2f}"


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def excel_serial(value: datetime) -> str:
    """A naive (local wall-clock) time as Excel's day number with the time of day as its fraction."""
    delta = value - _EPOCH
    return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)


def _text(value: Any) -> str:
    return escape(_ILLEGAL.sub("", str(value)))


class _Sink:
    """Where the zip writes: bytes wait here until the generator hands them on. No tell(): zipfile then
    streams each member with a data descriptor instead of seeking back to patch its header."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


class _Sheet:
    def __init__(
        self,
        zf: zipfile.ZipFile,
        number: int,
        headers: Sequence[str],
        letters: list[str],
        widths: Sequence[int] | None = None,
        autofilter: bool = False,
        preamble: Sequence[Sequence[str]] = (),
    ):
        self.stream = zf.open(f"xl/worksheets/sheet{number}.xml", "w")
        self.letters = letters
        self.autofilter = autofilter
        self.row = 0
        self.bytes = 0
        widths = widths or [max(8, min(24, len(h) * 2 + 2)) for h in headers]
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths))
        self.write(
            f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
            f'<pane xSplit="2" ySplit="{len(preamble) + 1}" topLeftCell="C{len(preamble) + 2}" '
            'activePane="bottomRight" state="frozen"/>'
            f"</sheetView></sheetViews><cols>{cols}</cols><sheetData>"
        )
        for line in preamble:  # a form's header block (填报单位, 统计时间, …) above the column headers
            self.add([(text, "text") for text in line])
        self.add([(h, "text") for h in headers], style=STYLE_HEADER)

    def write(self, text: str) -> None:
        self.bytes += self.stream.write(text.encode("utf-8"))

    @property
    def full(self) -> bool:
        return self.row >= MAX_ROWS or self.bytes >= MAX_SHEET_BYTES

    def add(self, cells: Iterable[tuple[Any, str]], style: int = 0) -> None:
        self.row += 1
        r = self.row
        out = [f'<row r="{r}">']
        header_style = f' s="{style}"' if style else ""
        for letter, (value, kind) in zip(self.letters, cells, strict=False):
            if value is None or value == "":
                continue
            if kind == "text":
                out.append(f'<c r="{letter}{r}" t="inlineStr"{header_style}><is><t xml:space="preserve">'
                           f"{_text(value)}</t></is></c>")  # fmt: skip
            elif kind in ("date", "datetime"):
                style_id = STYLE_DATE if kind == "date" else STYLE_DATETIME
                out.append(f'<c r="{letter}{r}" s="{style_id}"><v>{excel_serial(value)}</v></c>')
            elif kind == "decimal":
                # Written as the exact decimal text ("12.50"), never through a float.
                out.append(f'<c r="{letter}{r}" s="{STYLE_DECIMAL}"><v>{decimal_text(value)}</v></c>')
            else:
                out.append(f'<c r="{letter}{r}"><v>{int(value)}</v></c>')
        out.append("</row>")
        self.write("".join(out))

    def close(self) -> None:
        self.write("</sheetData>")
        if self.autofilter:
            self.write(f'<autoFilter ref="A1:{self.letters[-1]}{max(self.row, 2)}"/>')
        self.write("</worksheet>")
        self.stream.close()


def stream_xlsx(
    sheet_name: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int] | None = None,
    autofilter: bool = False,
    preamble: Sequence[Sequence[str]] = (),
) -> Iterator[bytes]:
    """Yield the xlsx bytes as they are produced. Kinds: text, int, decimal (exact two-place values), date and
    datetime (naive local time). ``widths`` in characters (default: from the headers); ``autofilter`` puts
    Excel's filter buttons on the header row; the ``preamble`` lines (text, a form's header block) come before the
    column headers on the first sheet."""
    layout = {"widths": widths, "autofilter": autofilter}
    sink = _Sink()
    letters = column_letters(len(headers))
    names = [sheet_name]
    # Level 1: about twice as fast as the default for a few percent more bytes on this repetitive XML.
    zf = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    sheet = _Sheet(zf, 1, headers, letters, **layout, preamble=preamble)
    try:
        yield sink.take()
        pending = 0
        for row in rows:
            if sheet.full:
                sheet.close()
                names.append(f"{sheet_name}{len(names) + 1}")
                sheet = _Sheet(zf, len(names), headers, letters, **layout)
            sheet.add(zip(row, kinds, strict=True))
            pending += 1
            if pending >= _FLUSH_ROWS:
                pending = 0
                if sink.parts:
                    yield sink.take()
        sheet.close()
        _write_package(zf, names)
        zf.close()
        yield sink.take()
    finally:
        # A client that goes away (or a failing read) leaves the member open: close it so the zip can close.
        if zf.fp is not None:
            sheet.stream.close()
            zf.close()


def _write_package(zf: zipfile.ZipFile, names: list[str]) -> None:
    count = len(names)
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
    )
    zf.writestr(
        "xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    rels += f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    zf.writestr("xl/_rels/workbook.xml.rels", f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>')
    zf.writestr("xl/styles.xml", _STYLES)
    zf.writestr(
        "_rels/.rels",
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    zf.writestr(
        "[Content_Types].xml",
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
