"""`make run`'s server: the admin and the APIs on HOST:PORT, the marketplace sandbox beside them."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from backoffice.jobs.services import jobs_start_sweeper


class Command(BaseCommand):
    help = "Serve the admin, the REST APIs and (unless a marketplace base URL is set) the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--no-sandbox", action="store_true", help="do not start the bundled sandbox"
        )

    def handle(self, *args, host, port, no_sandbox, **options):
        needs_sandbox = not (settings.COUPANG_BASE_URL and settings.ESM_BASE_URL)
        if needs_sandbox and not no_sandbox:
            from marketplaces.sandbox.server import start_sandbox

            try:
                sandbox = start_sandbox(host=settings.SANDBOX_HOST, port=settings.SANDBOX_PORT)
                self.stdout.write(f"marketplace sandbox: {sandbox.base_url}")
            except OSError as exc:
                self.stderr.write(
                    f"marketplace sandbox not started on {settings.SANDBOX_HOST}:{settings.SANDBOX_PORT} "
                    f"({exc.strerror}); set SANDBOX_PORT to a free port"
                )
        if settings.CELERY_BROKER_URL:
            jobs = "Celery (" + settings.CELERY_BROKER_URL.split("@")[-1] + ")"
        else:
            # No beat without a broker: sweep lost or stalled jobs from here.
            jobs_start_sweeper()
            jobs = "in-process"
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('NAME')}; jobs: {jobs}\n"
            f"admin:    http://{host}:{port}/admin/\n"
            f"API docs: http://{host}:{port}/api/docs/"
        )
        call_command(
            "runserver",
            f"{host}:{port}",
            use_reloader=False,
            insecure_serving=True,
            use_threading=True,
        )
