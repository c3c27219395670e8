"""The base of the three CSV import commands: parse, call the catalog upsert, report."""

import csv
import sys

from django.core.management.base import BaseCommand, CommandError


class CsvImportCommand(BaseCommand):
    upsert = None  # a coupons.catalog function
    columns: tuple[str, ...] = ()

    def add_arguments(self, parser):
        parser.add_argument("path", help="UTF-8 CSV with a header row (or - for standard input)")

    def handle(self, *args, path, **options):
        try:
            stream = sys.stdin if path == "-" else open(path, newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        with stream:
            reader = csv.DictReader(stream)
            missing = [c for c in self.columns[:1] if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(
                    f"header must include {', '.join(missing)}; expected {', '.join(self.columns)}"
                )
            try:
                rows = list(reader)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: not a readable UTF-8 CSV: {exc}") from exc
        result = type(self).upsert(rows)
        for index, reason in result.rejected:
            # Line numbers count the header as line 1.
            self.stderr.write(f"line {index + 1}: {reason}")
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, rejected {len(result.rejected)}"
        )
