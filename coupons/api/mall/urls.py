"""The mall's coupon API (seeds/mall-marketing-coupon-api.txt), mounted under /v1/marketing/."""

from django.urls import path

from . import order, use, views

urlpatterns = [
    path(
        "goodsDetailCpnList", views.GoodsDetailCpnListView.as_view(), name="goods-detail-cpn-list"
    ),
    path("cpnDown", views.CpnDownView.as_view(), name="cpn-down"),
    path("cpnDownBo", views.CpnDownBoView.as_view(), name="cpn-down-bo"),
    path(
        "getCouponListByAutoIssuTypCd",
        views.CouponListByAutoIssuTypCdView.as_view(),
        name="coupon-list-by-auto-issu-typ-cd",
    ),
    path("cpnIssuList", views.CpnIssuListView.as_view(), name="cpn-issu-list"),
    path("orderCpnCalc", order.OrderCpnCalcView.as_view(), name="order-cpn-calc"),
    path("cpnUse", use.CpnUseView.as_view(), name="cpn-use"),
    path("cpnRestore", use.CpnRestoreView.as_view(), name="cpn-restore"),
]
