"""`make run`'s server: the admin and the APIs under gunicorn (worker processes with threads) on
HOST:PORT, the marketplace sandbox and, without a broker, the job sweeper beside them.

The sandbox and the sweeper run once, in this process (gunicorn's master): the workers it forks
only serve requests."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from backoffice.jobs.services import jobs_start_sweeper
from backoffice.wsgi_server import EmbeddedGunicorn, gunicorn_options


class Command(BaseCommand):
    help = "Serve the admin, the REST APIs and (unless a marketplace base URL is set) the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("WEB_TIMEOUT", "60")))
        parser.add_argument(
            "--no-sandbox", action="store_true", help="do not start the bundled sandbox"
        )

    def handle(self, *args, host, port, workers, threads, timeout, no_sandbox, **options):
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
            when_ready = None
        else:
            # No beat without a broker: sweep lost or stalled jobs from here, once gunicorn's
            # master is up (a thread of this process; the forked workers do not inherit it).
            jobs = "in-process"
            when_ready = jobs_start_sweeper
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('NAME')}; jobs: {jobs}\n"
            f"web:      gunicorn, {workers} workers × {threads} threads\n"
            f"admin:    http://{host}:{port}/admin/\n"
            f"API docs: http://{host}:{port}/api/docs/"
        )
        self.stdout.flush()
        # WhiteNoise serves collected files from STATIC_ROOT (and the apps' files without it).
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        options = gunicorn_options(
            bind=f"{host}:{port}", workers=workers, threads=threads, timeout=timeout
        )
        EmbeddedGunicorn(options, when_ready=when_ready).run()
