"""Coupang coupon routes, mounted under /api/v1/admin/ by `marketplaces.api.urls`."""

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
]
