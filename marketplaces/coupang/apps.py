from django.utils.translation import gettext_lazy as _

from marketplaces.apps import MarketplaceConfig


class CoupangConfig(MarketplaceConfig):
    name = "marketplaces.coupang"
    verbose_name = _("쿠팡")

    def ready(self):
        from . import sandbox, services
        from .api.urls import urlpatterns

        self.register(
            jobs=services.JOB_HANDLERS, api_urls=urlpatterns, sandbox_targets=[sandbox.TARGET]
        )
