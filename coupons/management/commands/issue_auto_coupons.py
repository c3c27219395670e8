"""Issue the conditional auto-issue coupons (method 02) of one MK008 type for one round."""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from coupons.errors import DomainError
from coupons.issuing import AUTO_ISSUE_CHUNK, auto_issue_run


class Command(BaseCommand):
    help = (
        "Issue autoIssuQty copies of every approved method-02 promotion of an MK008 type to the members "
        "its rule selects, set-based, idempotent per round. Example: "
        "issue_auto_coupons --type 2101 --round 20260501 [--date 2026-05-01] [--dry-run]"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--type", required=True, dest="type_cd", help="MK008 auto-issue type, e.g. 2101"
        )
        parser.add_argument(
            "--round", required=True, help="auto-issue round (autoIssuOdr), e.g. YYYYMMDD"
        )
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="the run date YYYY-MM-DD (default: today, Asia/Seoul)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be issued; write nothing"
        )
        parser.add_argument(
            "--chunk-size", type=int, default=AUTO_ISSUE_CHUNK, help="members per transaction"
        )

    def handle(self, *args, type_cd, round, date, dry_run, chunk_size, **options):
        progress = (
            self._progress if sys.stderr.isatty() and options.get("verbosity", 1) > 0 else None
        )
        try:
            summary = auto_issue_run(
                type_cd=type_cd,
                round=round,
                run_date=date,
                dry_run=dry_run,
                chunk_size=chunk_size,
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if progress:
            sys.stderr.write("\n")
        if options.get("verbosity", 1) > 1:
            for r in summary.results:
                self.stdout.write(
                    f"  {r.promo_no} target={r.target_date} considered={r.considered} "
                    f"issued={r.issued_members} coupons={r.issued_coupons} skipped={r.skipped}"
                )
        self.stdout.write(summary.line())

    @staticmethod
    def _progress(promo_no: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        pct = 100 * done // total if total else 100
        sys.stderr.write(
            f"\r{promo_no} [{'#' * filled}{'.' * (width - filled)}] {pct:3d}% {done:,}/{total:,} members"
        )
        sys.stderr.flush()
