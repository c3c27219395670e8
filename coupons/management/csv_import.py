"""The base of the three CSV import commands: read and decode, parse, call the catalog upsert,
report.

Files come from Excel as often as from scripts: UTF-8 with or without a BOM, or cp949 (Excel's
"CSV" on a Korean Windows). The encoding is detected — UTF-8 first, then cp949 — and a file that
is neither (UTF-16, Excel's "Unicode text", or bytes of no encoding) is refused with the line
and the encoding that failed, never a traceback.
"""

from __future__ import annotations

import csv
import io
import sys

from django.core.management.base import BaseCommand, CommandError

ENCODINGS = ("utf-8-sig", "cp949")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_csv(raw: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with; CommandError when it is UTF-16,
    in neither encoding of ENCODINGS (naming the line where each failed), or holds a NUL."""
    if raw.startswith(UTF16_BOMS) or raw.count(b"\x00") > len(raw) // 4 > 0:
        raise CommandError(
            f'{name}: the file is UTF-16 (Excel\'s "Unicode text"), which is not supported; '
            'save it as "CSV UTF-8" or as CSV (cp949)'
        )
    failures = []
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()
            failures.append(f"line {_line_of(raw, exc.start)}: not {encoding} (byte 0x{byte})")
            continue
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise CommandError(f"{name}: line {line}: a NUL character cannot be imported")
        return text, encoding
    raise CommandError(
        f'{name}: {"; ".join(failures)}; save the file as "CSV UTF-8" or as CSV (cp949)'
    )


class CsvImportCommand(BaseCommand):
    upsert = None  # a coupons.catalog function
    columns: tuple[str, ...] = ()

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="CSV with a header row, UTF-8 or cp949 (or - for standard input)"
        )

    def handle(self, *args, path, **options):
        name = "standard input" if path == "-" else path
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as fh:
                    raw = fh.read()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        text, _encoding = decode_csv(raw, name)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            fieldnames = reader.fieldnames or []
            missing = [c for c in self.columns[:1] if c not in fieldnames]
            if missing:
                raise CommandError(
                    f"header must include {', '.join(missing)}; expected {', '.join(self.columns)}"
                )
            rows = list(reader)
        except csv.Error as exc:
            raise CommandError(
                f"{name}: line {reader.line_num}: not a readable CSV: {exc}"
            ) from exc
        result = type(self).upsert(rows)
        for index, reason in result.rejected:
            # Line numbers count the header as line 1.
            self.stderr.write(f"line {index + 1}: {reason}")
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, rejected {len(result.rejected)}"
        )
