"""The admin REST API for promotions, the member and catalog mirror, member coupons and
compensation, mounted under /api/v1/admin/ (SPEC §4)."""

from django.urls import path

from . import views

urlpatterns = [
    path("promotions/", views.PromotionListCreateView.as_view(), name="admin-promotions"),
    path("promotions/<str:promoNo>/", views.PromotionDetailView.as_view(), name="admin-promotion"),
    path(
        "promotions/<str:promoNo>/approve/",
        views.PromotionApproveView.as_view(),
        name="admin-promotion-approve",
    ),
    path(
        "promotions/<str:promoNo>/suspend/",
        views.PromotionSuspendView.as_view(),
        name="admin-promotion-suspend",
    ),
    path(
        "promotions/<str:promoNo>/end/",
        views.PromotionEndView.as_view(),
        name="admin-promotion-end",
    ),
    path("members/", views.MemberListView.as_view(), name="admin-members"),
    path("members/bulk/", views.MemberBulkView.as_view(), name="admin-members-bulk"),
    path("goods/", views.GoodsListView.as_view(), name="admin-goods"),
    path("goods/bulk/", views.GoodsBulkView.as_view(), name="admin-goods-bulk"),
    path("exhibitions/", views.ExhibitionListView.as_view(), name="admin-exhibitions"),
    path("exhibitions/bulk/", views.ExhibitionBulkView.as_view(), name="admin-exhibitions-bulk"),
    path("member-coupons/", views.MemberCouponListView.as_view(), name="admin-member-coupons"),
    path(
        "member-coupons/<int:cpnIsuNo>/revoke/",
        views.MemberCouponRevokeView.as_view(),
        name="admin-member-coupon-revoke",
    ),
    path("compensations/", views.CompensationView.as_view(), name="admin-compensations"),
]
