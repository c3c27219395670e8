"""Rebuild the cost report's daily rollup from the facts (set-based SQL): for data that predates
it, a repair, or the benchmark's data set."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from coupons.errors import DomainError
from coupons.reports import report_rebuild


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute the coupon report rollup (CouponDailyStat) of a period, or of every day."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=_day, help="first Seoul day")
        parser.add_argument("--to", dest="date_to", type=_day, help="last Seoul day")

    def handle(self, *args, date_from=None, date_to=None, **options):
        started = time.monotonic()
        try:
            rows = report_rebuild(date_from=date_from, date_to=date_to)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        period = f"{date_from or '…'} – {date_to or '…'}"
        self.stdout.write(
            f"report rollup rebuilt ({period}): {rows} rows in {time.monotonic() - started:.1f} s"
        )
