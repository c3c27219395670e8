"""Run due jobs and take over jobs whose worker died (where there is no Celery beat)."""

import threading

from django.core.management.base import BaseCommand

from backoffice.jobs.services import jobs_sweep


class Command(BaseCommand):
    help = "Run (or, with a broker, dispatch) due PENDING and stale RUNNING jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=0, help="repeat every N seconds until interrupted"
        )

    def handle(self, *args, loop=0, **options):
        pause = threading.Event()
        while True:
            ids = jobs_sweep()
            self.stdout.write(f"jobs swept: {len(ids)}" + (f" {ids}" if ids else ""))
            if not loop:
                return
            pause.wait(loop)
