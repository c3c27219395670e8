from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplacesConfig(AppConfig):
    name = "marketplaces"
    verbose_name = _("마켓플레이스")

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)
