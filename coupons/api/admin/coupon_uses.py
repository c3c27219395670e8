"""Admin REST resource `coupon-uses/` (SPEC §7): every use of a copy on an order, its lines, any
claw-back and restore; keyset-paged, filtered by order, member, promotion and period."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics

from coupons.api.common import error_responses
from coupons.models import CouponUse

from . import serializers as s
from .base import AdminView


class CouponUseFilter(filters.FilterSet):
    ordNo = filters.CharFilter(field_name="ord_no", max_length=30, help_text="주문번호 (정확히)")
    mbrNo = filters.CharFilter(field_name="member_id", max_length=20)
    promoNo = filters.CharFilter(field_name="promotion__promo_no", max_length=8)
    useDtmFrom = filters.IsoDateTimeFilter(
        field_name="used_at", lookup_expr="gte", help_text="사용일시 이후 (포함)"
    )
    useDtmTo = filters.IsoDateTimeFilter(
        field_name="used_at", lookup_expr="lt", help_text="사용일시 이전 (제외)"
    )

    class Meta:
        model = CouponUse
        fields = []


EX_USE = {
    "useNo": 12,
    "ordNo": "20240503000123",
    "mbrNo": "100000000",
    "cpnIsuNo": 102,
    "promoNo": "C1000001",
    "promoTypCd": "12",
    "ordGoodsSeq": None,
    "deliNo": "",
    "dcAmt": 3000,
    "ourDcAmt": 3000,
    "entrDcAmt": 0,
    "useDtm": "2024-05-03T14:20:00+09:00",
    "clawbackAmt": 1400,
    "rstrDtm": None,
    "rstrClmNo": "",
    "rstrStatCd": "",
    "goodsList": [
        {
            "ordGoodsSeq": 1,
            "dcAmt": 1400,
            "ourDcAmt": 1400,
            "entrDcAmt": 0,
            "clmNo": "CLM0001",
            "cnclDtm": "2024-05-04T09:00:00+09:00",
        },
        {
            "ordGoodsSeq": 2,
            "dcAmt": 1600,
            "ourDcAmt": 1600,
            "entrDcAmt": 0,
            "clmNo": "",
            "cnclDtm": None,
        },
    ],
}


class CouponUseListView(AdminView, generics.ListAPIView):
    queryset = CouponUse.objects.select_related("promotion").prefetch_related("lines")
    serializer_class = s.CouponUseOut
    filterset_class = CouponUseFilter
    cursor_ordering = "-id"
    cursor_position_re = r"^\d{1,18}$"

    @extend_schema(
        summary="쿠폰 사용 목록",
        description="주문별 쿠폰 사용(주문상품·배송그룹, 할인금액과 당사/협력사 분담), 부분 취소의 환수액과 "
        "복원. coupons.view_couponuse 권한.",
        responses={200: s.CouponUseOut(many=True), **error_responses(400, 401, 403, 404)},
        examples=[OpenApiExample("사용", response_only=True, value={"results": [EX_USE]})],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
