"""The admin REST API for promotions, the member and catalog mirror, member coupons and
compensation, mounted under /api/v1/admin/ (SPEC §4)."""

from django.urls import path

from . import catalog, compensation, coupon_uses, member_coupons, promotions, reports, revisions

urlpatterns = [
    path("promotions/", promotions.PromotionListCreateView.as_view(), name="admin-promotions"),
    path(
        "promotions/<str:promoNo>/",
        promotions.PromotionDetailView.as_view(),
        name="admin-promotion",
    ),
    path(
        "promotions/<str:promoNo>/approve/",
        promotions.PromotionApproveView.as_view(),
        name="admin-promotion-approve",
    ),
    path(
        "promotions/<str:promoNo>/suspend/",
        promotions.PromotionSuspendView.as_view(),
        name="admin-promotion-suspend",
    ),
    path(
        "promotions/<str:promoNo>/end/",
        promotions.PromotionEndView.as_view(),
        name="admin-promotion-end",
    ),
    path(
        "promotions/<str:promoNo>/revisions/",
        revisions.PromotionRevisionListView.as_view(),
        name="admin-promotion-revisions",
    ),
    path(
        "promotions/<str:promoNo>/revisions/<int:revisionNo>/approve/",
        revisions.PromotionRevisionApproveView.as_view(),
        name="admin-promotion-revision-approve",
    ),
    path(
        "promotions/<str:promoNo>/revisions/<int:revisionNo>/reject/",
        revisions.PromotionRevisionRejectView.as_view(),
        name="admin-promotion-revision-reject",
    ),
    path("members/", catalog.MemberListView.as_view(), name="admin-members"),
    path("members/bulk/", catalog.MemberBulkView.as_view(), name="admin-members-bulk"),
    path("goods/", catalog.GoodsListView.as_view(), name="admin-goods"),
    path("goods/bulk/", catalog.GoodsBulkView.as_view(), name="admin-goods-bulk"),
    path("exhibitions/", catalog.ExhibitionListView.as_view(), name="admin-exhibitions"),
    path("exhibitions/bulk/", catalog.ExhibitionBulkView.as_view(), name="admin-exhibitions-bulk"),
    path(
        "member-coupons/",
        member_coupons.MemberCouponListView.as_view(),
        name="admin-member-coupons",
    ),
    path(
        "member-coupons/<int:cpnIsuNo>/revoke/",
        member_coupons.MemberCouponRevokeView.as_view(),
        name="admin-member-coupon-revoke",
    ),
    path("coupon-uses/", coupon_uses.CouponUseListView.as_view(), name="admin-coupon-uses"),
    path("compensations/", compensation.CompensationView.as_view(), name="admin-compensations"),
    path("reports/coupons/", reports.CouponReportView.as_view(), name="admin-report-coupons"),
]
