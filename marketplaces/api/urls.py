"""Admin REST API routes for marketplace objects (mounted under /api/v1/admin/)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "coupang/coupons/",
        views.CoupangCouponListCreateView.as_view(),
        name="admin-coupang-coupons",
    ),
    path(
        "coupang/coupons/<int:pk>/",
        views.CoupangCouponDetailView.as_view(),
        name="admin-coupang-coupon",
    ),
    path(
        "coupang/coupons/<int:pk>/push/",
        views.CoupangCouponPushView.as_view(),
        name="admin-coupang-coupon-push",
    ),
    path(
        "coupang/coupons/<int:pk>/expire/",
        views.CoupangCouponExpireView.as_view(),
        name="admin-coupang-coupon-expire",
    ),
    path(
        "coupang/coupons/<int:pk>/refresh/",
        views.CoupangCouponRefreshView.as_view(),
        name="admin-coupang-coupon-refresh",
    ),
    path(
        "coupang/coupons/<int:pk>/replace-items/",
        views.CoupangCouponReplaceItemsView.as_view(),
        name="admin-coupang-coupon-replace-items",
    ),
    path(
        "coupang/coupons/<int:pk>/adopt/",
        views.CoupangCouponAdoptView.as_view(),
        name="admin-coupang-coupon-adopt",
    ),
    path(
        "coupang/coupons/<int:pk>/resend-create/",
        views.CoupangCouponResendCreateView.as_view(),
        name="admin-coupang-coupon-resend-create",
    ),
    path("sync-jobs/", views.SyncJobListView.as_view(), name="admin-sync-jobs"),
    path("sync-jobs/<int:pk>/", views.SyncJobDetailView.as_view(), name="admin-sync-job"),
]

# ESM sponsorship settings (issue 6), keyed by goodsNo.
from . import esm_views  # noqa: E402

urlpatterns += [
    path(
        "esm/sponsorships/",
        esm_views.EsmSponsorshipListCreateView.as_view(),
        name="admin-esm-sponsorships",
    ),
    path(
        "esm/sponsorships/bulk-push/",
        esm_views.EsmSponsorshipBulkPushView.as_view(),
        name="admin-esm-sponsorships-bulk-push",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/",
        esm_views.EsmSponsorshipDetailView.as_view(),
        name="admin-esm-sponsorship",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/push/",
        esm_views.EsmSponsorshipPushView.as_view(),
        name="admin-esm-sponsorship-push",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/release/",
        esm_views.EsmSponsorshipReleaseView.as_view(),
        name="admin-esm-sponsorship-release",
    ),
    path(
        "esm/sponsorships/<str:goodsNo>/pull/",
        esm_views.EsmSponsorshipPullView.as_view(),
        name="admin-esm-sponsorship-pull",
    ),
]
