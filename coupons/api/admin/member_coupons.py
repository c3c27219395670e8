"""Admin REST resource `member-coupons/`: the keyset-paged list and revoke with a reason."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response

from coupons import codes, issuing
from coupons.api.common import call_service, error_responses
from coupons.api.fields import BIGINT_MAX
from coupons.models import MemberCoupon

from . import serializers as s
from .base import AdminView


# member coupons, compensation
class MemberCouponFilter(filters.FilterSet):
    mbrNo = filters.CharFilter(field_name="member_id", max_length=20)
    promoNo = filters.CharFilter(field_name="promotion__promo_no", max_length=8)
    cpnStatCd = filters.ChoiceFilter(field_name="status", choices=codes.CouponStatus.choices)
    status = filters.ChoiceFilter(
        field_name="status", choices=codes.CouponStatus.choices, help_text="cpnStatCd 와 같음"
    )
    channel = filters.ChoiceFilter(field_name="channel", choices=codes.Channel.choices)
    csCpnPayCausCd = filters.ChoiceFilter(
        field_name="cs_cpn_pay_caus_cd", choices=codes.CsReason.choices
    )

    class Meta:
        model = MemberCoupon
        fields = []


class MemberCouponListView(AdminView, generics.ListAPIView):
    queryset = MemberCoupon.objects.select_related("promotion", "issued_by", "revoked_by")
    serializer_class = s.MemberCouponOut
    filterset_class = MemberCouponFilter
    cursor_ordering = "-cpn_isu_no"
    cursor_position_re = r"^\d{1,18}$"

    @extend_schema(
        summary="회원쿠폰 목록",
        responses={200: s.MemberCouponOut(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MemberCouponRevokeView(AdminView):
    serializer_class = s.RevokeIn
    queryset = MemberCoupon.objects.none()
    required_perms = {"post": ["coupons.revoke_membercoupon"]}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="회원쿠폰 회수",
        request=s.RevokeIn,
        parameters=[OpenApiParameter("cpnIsuNo", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.MemberCouponOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, cpnIsuNo):
        data = s.RevokeIn(data=request.data)
        data.is_valid(raise_exception=True)
        if cpnIsuNo > BIGINT_MAX:
            raise exceptions.NotFound("존재하지 않는 회원쿠폰입니다.")
        coupon = call_service(
            issuing.coupon_revoke,
            user=request.user,
            coupon=cpnIsuNo,
            reason=data.validated_data["reason"],
        )
        return Response(s.MemberCouponOut(coupon).data)
