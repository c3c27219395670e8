from django.utils.translation import gettext_lazy as _

from marketplaces.apps import MarketplaceConfig


class EsmConfig(MarketplaceConfig):
    name = "marketplaces.esm"
    verbose_name = _("ESM (G마켓·옥션)")

    def ready(self):
        from backoffice.audit.signals import audit_model
        from backoffice.mirrors import register_mirrors

        from . import sandbox, seller_discounts, services
        from .api.urls import urlpatterns
        from .models import EsmSellerDiscount, EsmSponsorship

        # every save of a sponsorship or a seller discount: who, the door, old → new
        audit_model(EsmSponsorship, exclude=("remote_payload", "pushed_payload"))
        audit_model(EsmSellerDiscount, exclude=("remote_payload", "pushed_payload"))
        # the mall promotion's page lists the seller discounts that mirror it
        register_mirrors(seller_discounts.esm_seller_discount_mirrors)
        self.register(
            jobs=[*services.JOB_HANDLERS, *seller_discounts.JOB_HANDLERS],
            api_urls=urlpatterns,
            sandbox_targets=[sandbox.TARGET],
        )
