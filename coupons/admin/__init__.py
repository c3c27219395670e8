"""The back-office admin, one module per area: promotions, code tables, the catalog mirror, member
coupons, and CS compensation."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import (
    catalog,
    code_tables,
    compensation,
    coupon_uses,
    desk,
    member_coupons,
    promotions,
    reports,
)

admin.site.site_header = _("프로모션 백오피스")
admin.site.site_title = _("프로모션 백오피스")
admin.site.index_title = _("프로모션 관리")
# There is no storefront here to "view": the link would lead to a 404 outside the admin.
admin.site.site_url = None

__all__ = [
    "catalog",
    "code_tables",
    "compensation",
    "coupon_uses",
    "desk",
    "member_coupons",
    "promotions",
    "reports",
]
