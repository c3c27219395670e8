"""Run the bundled Coupang + ESM sandbox in the foreground."""

from django.conf import settings
from django.core.management.base import BaseCommand

from marketplaces.sandbox import serve_forever


class Command(BaseCommand):
    help = "Serve the fake Coupang and ESM APIs (MARKETPLACES.md) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="default: SANDBOX_HOST")
        parser.add_argument("--port", type=int, default=None, help="default: SANDBOX_PORT")

    def handle(self, *args, host=None, port=None, **options):
        host = host or settings.SANDBOX_HOST
        port = port or settings.SANDBOX_PORT
        try:
            serve_forever(
                host,
                port,
                announce=lambda url: self.stdout.write(
                    f"Marketplace sandbox on {url} (Ctrl-C to stop)"
                ),
            )
        except KeyboardInterrupt:
            pass
