"""Re-run due sync jobs and take over jobs whose worker died (without Celery beat)."""

import time

from django.core.management.base import BaseCommand

from marketplaces.sync import sync_jobs_sweep


class Command(BaseCommand):
    help = "Run (or, with a broker, dispatch) due PENDING and stale RUNNING sync jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=0, help="repeat every N seconds until interrupted"
        )

    def handle(self, *args, loop=0, **options):
        while True:
            ids = sync_jobs_sweep()
            self.stdout.write(f"sync jobs swept: {len(ids)}" + (f" {ids}" if ids else ""))
            if not loop:
                return
            time.sleep(loop)
