"""CSV and Excel downloads that never hold the list in memory (infrastructure, no business rules).

``csv_response`` streams: rows are pulled from the iterable while the response is sent, a few
hundred at a time. ``xlsx_response`` writes with openpyxl's write-only workbook (each row goes to
a temporary file as it is appended, strings inline, so there is no shared-string table growing
with the rows) and then serves that file. Either way memory does not grow with the row count.

Cell values may be str, int, Decimal, float, bool, date, datetime (aware ones are written as
Asia/Seoul local time) or None.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice
from typing import IO, Any
from urllib.parse import quote

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's hard limit per sheet, header row included; longer exports continue on a new sheet.
XLSX_MAX_ROWS_PER_SHEET = 1_048_576
CSV_CHUNK_ROWS = 500  # rows joined into one chunk sent to the client
WIDTH_SAMPLE_ROWS = 200  # rows looked at (and held) to size the columns
MAX_COLUMN_WIDTH = 60

# OWASP CSV injection: a cell starting with one of these is a formula to Excel / LibreOffice.
_FORMULA_FIRST = frozenset("=+-@\t\r")
# Characters XML 1.0 (and so .xlsx) cannot hold; openpyxl raises on them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


def csv_response(
    *, filename: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A streamed CSV download: UTF-8 with BOM, CRLF, RFC 5987 filename, rows consumed lazily."""
    response = StreamingHttpResponse(
        csv_chunks(headers=headers, rows=rows), content_type="text/csv; charset=utf-8"
    )
    _attach(response, _with_suffix(filename, ".csv"))
    return response


def xlsx_response(
    *, filename: str, headers: Sequence[str], rows: Iterable[Sequence], sheet: str = ""
) -> FileResponse:
    """An .xlsx download written by openpyxl's write-only workbook to a temporary file."""
    # TemporaryFile has no name on disk once created; FileResponse closes it when sent.
    file = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        xlsx_write(file, headers=headers, rows=rows, sheet=sheet)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    _attach(response, _with_suffix(filename, ".xlsx"))
    return response


def csv_chunks(*, headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV file as byte chunks: the BOM and header row, then CSV_CHUNK_ROWS rows at a time."""
    buffer = _LineBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headers])
    by_type, formula_first = _CSV_BY_TYPE, _FORMULA_FIRST
    yield "\ufeff".encode() + buffer.take()
    iterator = iter(rows)
    try:
        while batch := list(islice(iterator, CSV_CHUNK_ROWS)):
            # str, int and None (most cells) are handled inline, without a call per cell
            writer.writerows(
                [
                    ("'" + v if v[:1] in formula_first else v)
                    if (kind := type(v)) is str
                    else v
                    if kind is int or v is None
                    else by_type.get(kind, _csv_other)(v)
                    for v in row
                ]
                for row in batch
            )
            yield buffer.take()
    finally:
        # A client that goes away closes this generator: close the rows too (their cursor and
        # transaction) now rather than whenever they are collected.
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def xlsx_write(
    file: IO[bytes] | str,
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    sheet: str = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 10_000,
) -> int:
    """Write rows as an .xlsx to a path or binary file; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    base_title = _sheet_title(sheet)
    bold = Font(bold=True)
    iterator = iter(rows)
    # A sample of the first rows sizes the columns; they are written first, then the rest.
    sample = list(islice(iterator, WIDTH_SAMPLE_ROWS))
    widths = [_width(h) for h in headers]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(_display(value)))

    def new_sheet(number: int):
        title = base_title if number == 1 else f"{base_title[:25]} ({number})"
        ws = workbook.create_sheet(title=title)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_COLUMN_WIDTH)
        ws.freeze_panes = "A2"
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=_xlsx_text(str(h)))
            cell.data_type = "s"  # a header is text even if it starts with "="
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        return ws

    sheets = 1
    ws = new_sheet(sheets)
    in_sheet = 0
    count = 0
    for row in _chain(sample, iterator):
        if in_sheet == XLSX_MAX_ROWS_PER_SHEET - 1:
            sheets += 1
            ws = new_sheet(sheets)
            in_sheet = 0
        ws.append([_xlsx_cell(ws, value, WriteOnlyCell) for value in row])
        in_sheet += 1
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count)
    workbook.save(file)
    if progress is not None:
        progress(count)
    return count


@contextmanager
def fast_timestamps(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """While an export reads, PostgreSQL timestamps are parsed by datetime.fromisoformat (the same
    aware UTC datetimes Django's loader gives, at a twentieth of its cost); elsewhere a no-op."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader, is_psycopg3

    if not is_psycopg3:
        yield
        return
    from psycopg.postgres import types
    from psycopg.pq import Format

    # Django's timestamptz loader is psycopg's pure-Python one (~18 µs a value): at ten million
    # rows of three to five timestamps that alone is minutes.
    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = types["timestamptz"].oid
    previous = adapters.get_loader(oid, Format.TEXT)

    class IsoTzLoader(BaseTzLoader):
        timezone = connection.timezone  # as Django's, so its cursors keep this loader

        def load(self, data):
            try:
                # the session's TimeZone is UTC (Django sets it) and DateStyle ISO: 2026-12-01 01:05:07.123+00
                value = dt.datetime.fromisoformat(bytes(data).decode())
            except ValueError:  # anything else (infinity, BC dates, another DateStyle)
                return super().load(data)
            tz = self.timezone
            if value.tzinfo is tz or value.tzinfo is None:  # +00 parses to datetime.UTC itself
                return value
            return value.replace(tzinfo=tz)

    adapters.register_loader(oid, IsoTzLoader)
    try:
        yield
    finally:
        if connection.connection is not None and connection.connection.adapters is adapters:
            adapters.register_loader(oid, previous)


def csv_cell(value: Any) -> str:
    """One value as CSV text, a formula-looking text prefixed with an apostrophe (OWASP)."""
    return _CSV_BY_TYPE.get(type(value), _csv_other)(value)


def _csv_text(text: str) -> str:
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _csv_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.get_default_timezone())
    return value.isoformat(" ", "seconds")[:19]  # without the offset: local time, as _local


def _csv_other(value: Any) -> str:
    # Subclasses (SafeString, lazy translations once evaluated, IntEnum ...) and anything else.
    if value is None:
        return ""
    if isinstance(value, str):
        return _csv_text(str(value))
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime):
        return _csv_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# The exact types an export's rows hold, looked up once per cell: at ten million rows of twenty
# columns an isinstance() chain per cell is most of the time.
_CSV_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: _csv_text,
    int: str,
    type(None): lambda _value: "",
    bool: lambda value: "Y" if value else "N",
    dt.datetime: _csv_datetime,
    dt.date: dt.date.isoformat,
    Decimal: str,
    float: repr,
}


def _display(value: Any) -> str:
    """A value as text, as the CSV shows it (without the formula prefix): sizes xlsx columns."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime):
        return _csv_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the project's zone (Asia/Seoul), naive, as Excel wants it."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.get_default_timezone())
    return value.replace(tzinfo=None, microsecond=0)


def _xlsx_cell(ws, value: Any, cell_class):
    if value is None or isinstance(value, int | float | Decimal | dt.date):
        if isinstance(value, bool):
            return "Y" if value else "N"
        if isinstance(value, dt.datetime):
            return _local(value)
        return value
    text = _xlsx_text(str(value))
    if text.startswith("="):
        # openpyxl writes a str starting with "=" as a formula; keep it text.
        cell = cell_class(ws, value=text)
        cell.data_type = "s"
        return cell
    return text


def _xlsx_text(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _sheet_title(sheet: str) -> str:
    title = _SHEET_NAME_ILLEGAL.sub(" ", sheet).strip().strip("'") or "Sheet1"
    return title[:31]


def _width(text: str) -> int:
    # East Asian characters take two columns in Excel's default font.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    first.clear()  # the sample is not kept for the rest of the file
    yield from rest


def _with_suffix(filename: str, suffix: str) -> str:
    return filename if filename.lower().endswith(suffix) else filename + suffix


def content_disposition(filename: str) -> str:
    """An attachment header: an ASCII fallback name and the real one in RFC 5987 form."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_.") or "export"
    fallback = ascii_stem + (f".{suffix}" if dot and suffix.isascii() else "")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _attach(response, filename: str) -> None:
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"


class _LineBuffer:
    """A write-only text sink for csv.writer that hands back what was written as UTF-8."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    def take(self) -> bytes:
        data = "".join(self._parts).encode()
        self._parts.clear()
        return data
