"""The shared marketplaces app, and the base every marketplace package's app config extends.

A marketplace is a package beside `coupang/` whose `apps.py` subclasses `MarketplaceConfig`; it is
registered by one line in INSTALLED_APPS. Its models keep the `marketplaces` app label (and so
their tables and migrations); the shared API urls and the sandbox collect each registered
marketplace's routes from here, and its `ready()` registers its job handlers with the engine.
"""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

from backoffice.jobs.registry import register as register_job


class MarketplacesConfig(AppConfig):
    name = "marketplaces"
    verbose_name = _("마켓플레이스")

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)


class MarketplaceConfig(AppConfig):
    """One marketplace package. Its `ready()` imports its own modules (ready only once the app
    registry is) and hands them to `register`."""

    default = False
    api_urls: list = []
    sandbox_targets: list = []

    def register(self, *, jobs: list[tuple], api_urls: list, sandbox_targets: list) -> None:
        """Register `jobs` (`(target_type, operation, run, on_failure)` each) with the job
        engine, and keep the URL patterns (mounted under /api/v1/admin/) and the sandbox
        targets (`marketplaces.sandbox.server.SandboxTarget`) for those who collect them."""
        for target_type, operation, run, on_failure in jobs:
            register_job(target_type, operation, run, on_failure=on_failure)
        self.api_urls = list(api_urls)
        self.sandbox_targets = list(sandbox_targets)


def marketplace_configs() -> list[MarketplaceConfig]:
    """The marketplaces registered in INSTALLED_APPS, in their order there."""
    return [c for c in apps.get_app_configs() if isinstance(c, MarketplaceConfig)]
