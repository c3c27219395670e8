from django.utils.translation import gettext_lazy as _

from marketplaces.apps import MarketplaceConfig


class EsmConfig(MarketplaceConfig):
    name = "marketplaces.esm"
    verbose_name = _("ESM (G마켓·옥션)")

    def ready(self):
        from backoffice.audit.signals import audit_model

        from . import sandbox, services
        from .api.urls import urlpatterns
        from .models import EsmSponsorship

        # every save of a sponsorship: who, the door, old → new
        audit_model(EsmSponsorship, exclude=("remote_payload", "pushed_payload"))
        self.register(
            jobs=services.JOB_HANDLERS, api_urls=urlpatterns, sandbox_targets=[sandbox.TARGET]
        )
