from django.utils.translation import gettext_lazy as _

from marketplaces.apps import MarketplaceConfig


class CoupangConfig(MarketplaceConfig):
    name = "marketplaces.coupang"
    verbose_name = _("쿠팡")

    def ready(self):
        from backoffice.audit.signals import audit_model
        from backoffice.mirrors import register_mirrors

        from . import instant, sandbox, services
        from .api.urls import urlpatterns
        from .models import (
            CoupangCoupon,
            CoupangCouponItem,
            CoupangCouponPolicy,
            CoupangInstantCoupon,
        )

        # every save of a coupon, its policies and items: who, the door, old → new
        audit_model(CoupangCoupon, exclude=("remote_payload", "create_request"))
        audit_model(CoupangCouponPolicy)
        audit_model(CoupangCouponItem)
        # instant coupons: the coupon row (its options are written in bulk, thousands a call)
        audit_model(CoupangInstantCoupon, exclude=("remote_payload", "create_request"))
        self.register(
            jobs=[*services.JOB_HANDLERS, *instant.JOB_HANDLERS],
            api_urls=urlpatterns,
            sandbox_targets=[sandbox.TARGET],
        )
        register_mirrors(instant.coupang_mirrors)
