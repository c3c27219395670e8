"""Admin REST resource `promotions/`: list, create, read, update, approve / suspend / end."""

from __future__ import annotations

import re

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from coupons import codes, services
from coupons.api.common import NoBody, call_service, error_responses
from coupons.api.fields import PROMO_NO_RE
from coupons.models import Promotion, PromotionRevision

from . import serializers as s
from .base import AdminView
from .revision_serializers import PromotionRevisionOut

PROMO_NO_PATH = OpenApiParameter(
    "promoNo",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=PROMO_NO_RE,
    description="프로모션번호 (C + 숫자 7자리)",
)


class PromotionFilter(filters.FilterSet):
    promoStatCd = filters.ChoiceFilter(
        field_name="promo_stat_cd", choices=codes.PromoStatus.choices
    )
    promoTypCd = filters.ChoiceFilter(field_name="promo_typ_cd", choices=codes.PromoType.choices)
    cpnIssuMainCd = filters.ChoiceFilter(
        field_name="cpn_issu_main_cd", choices=codes.Issuer.choices
    )
    cpnIssuWayCd = filters.ChoiceFilter(
        field_name="cpn_issu_way_cd", choices=codes.IssueMethod.choices
    )

    class Meta:
        model = Promotion
        fields = []


def _promotion_args(validated: dict) -> dict:
    data = dict(validated)
    targets = data.pop("targets", None)
    return {"data": data, "targets": targets}


class PromotionListCreateView(AdminView, generics.ListAPIView):
    queryset = Promotion.objects.prefetch_related("targets")
    serializer_class = s.PromotionOut
    filterset_class = PromotionFilter
    cursor_ordering = "-promo_no"
    cursor_position_re = PROMO_NO_RE

    @extend_schema(
        summary="프로모션 목록",
        responses={200: s.PromotionOut(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="프로모션 등록 (DRAFT)",
        request=s.PromotionIn,
        responses={201: s.PromotionOut, **error_responses(400, 401, 403, 409)},
        examples=[
            OpenApiExample(
                "다운로드 쿠폰",
                request_only=True,
                value={
                    "promoNm": "봄맞이 10% 할인",
                    "promoTypCd": "11",
                    "cpnIssuMainCd": "10",
                    "cpnIssuWayCd": "03",
                    "fixAmtFxrtGbCd": "02",
                    "dcRateAmt": 10,
                    "minBuyAmt": 10000,
                    "maxDcAmt": 5000,
                    "ourChrgRate": 70,
                    "entrChrgRate": 30,
                    "promoStrDtm": "2024-05-01T00:00:00+09:00",
                    "promoEndDtm": "2024-05-31T23:59:59+09:00",
                    "valiBasisCd": "02",
                    "valiDays": 7,
                    "issuLmtQty": 1000,
                    "mbrIssuLmtQty": 1,
                    "ordMediaCdList": ["20", "30", "40", "50"],
                    "gradeCdList": ["30"],
                    "uprGradeAplyYn": "Y",
                    "siteNoList": ["1"],
                    "targets": [
                        {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000"},
                        {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "B200"},
                    ],
                },
            )
        ],
    )
    def post(self, request):
        data = s.PromotionIn(data=request.data)
        data.is_valid(raise_exception=True)
        promotion = call_service(
            services.promotion_create,
            user=request.user,
            **_promotion_args(data.validated_data),
        )
        promotion = self.get_queryset().get(pk=promotion.pk)
        return Response(s.PromotionOut(promotion).data, status=status.HTTP_201_CREATED)


class PromotionObjectMixin:
    queryset = Promotion.objects.prefetch_related("targets")

    def get_object(self):
        promo_no = self.kwargs["promoNo"]
        if not re.match(PROMO_NO_RE, promo_no):
            raise exceptions.NotFound("존재하지 않는 프로모션입니다.")
        promotion = self.get_queryset().filter(promo_no=promo_no).first()
        if promotion is None:
            raise exceptions.NotFound("존재하지 않는 프로모션입니다.")
        self.check_object_permissions(self.request, promotion)
        return promotion


UPDATE_DESCRIPTION = (
    "DRAFT 프로모션은 바로 수정됩니다 (200, 프로모션). APPROVED/SUSPENDED 프로모션은 이름(promoNm)만 "
    "바로 바뀌고, 그 밖의 변경은 승인대기 수정안으로 저장되어 (202, 수정안) 다른 담당자가 "
    "`revisions/{revisionNo}/approve/` 로 승인할 때까지 승인된 조건이 그대로 적용됩니다. "
    "승인대기 수정안은 프로모션당 1건: 같은 작성자의 다음 수정은 그 수정안에 더해지고, 다른 "
    "사용자의 수정은 409 REVISION_PENDING 으로 거절됩니다."
)
UPDATE_RESPONSES = {
    200: OpenApiResponse(s.PromotionOut, description="수정됨 (DRAFT, 또는 이름만 변경)"),
    202: OpenApiResponse(
        PromotionRevisionOut, description="승인대기 수정안으로 저장됨 (승인된 조건은 그대로)"
    ),
    **error_responses(400, 401, 403, 404, 409),
}


class PromotionDetailView(PromotionObjectMixin, AdminView):
    serializer_class = s.PromotionIn

    @extend_schema(
        summary="프로모션 조회",
        parameters=[PROMO_NO_PATH],
        responses={200: s.PromotionOut, **error_responses(401, 403, 404)},
    )
    def get(self, request, promoNo):
        return Response(s.PromotionOut(self.get_object()).data)

    def _update(self, request, partial):
        promotion = self.get_object()
        data = s.PromotionIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        saved = call_service(
            services.promotion_update,
            user=request.user,
            promotion=promotion,
            **_promotion_args(data.validated_data),
        )
        if isinstance(saved, PromotionRevision):
            # rule 10: the approved terms keep serving until another user approves the revision
            saved = PromotionRevision.objects.select_related(
                "promotion", "author", "decided_by"
            ).get(pk=saved.pk)
            return Response(PromotionRevisionOut(saved).data, status=status.HTTP_202_ACCEPTED)
        return Response(s.PromotionOut(self.get_object()).data)

    @extend_schema(
        summary="프로모션 수정 (전체)",
        description=UPDATE_DESCRIPTION,
        parameters=[PROMO_NO_PATH],
        request=s.PromotionIn,
        responses=UPDATE_RESPONSES,
    )
    def put(self, request, promoNo):
        return self._update(request, partial=False)

    @extend_schema(
        summary="프로모션 수정 (일부)",
        description=UPDATE_DESCRIPTION,
        parameters=[PROMO_NO_PATH],
        request=s.PromotionIn,
        responses=UPDATE_RESPONSES,
    )
    def patch(self, request, promoNo):
        return self._update(request, partial=True)


class PromotionTransitionView(PromotionObjectMixin, AdminView):
    """A status change by one service call; each subclass names its service and schema."""

    serializer_class = NoBody
    required_perms = {"post": ["coupons.approve_promotion"]}

    def transition(self, request, service):
        promotion = call_service(service, user=request.user, promotion=self.get_object())
        return Response(s.PromotionOut(self.get_queryset().get(pk=promotion.pk)).data)


TRANSITION_RESPONSES = {200: s.PromotionOut, **error_responses(400, 401, 403, 404, 409)}


class PromotionApproveView(PromotionTransitionView):
    @extend_schema(
        summary="승인 (DRAFT/SUSPENDED → APPROVED; 마지막 수정자는 승인 불가)",
        request=None,
        parameters=[PROMO_NO_PATH],
        responses=TRANSITION_RESPONSES,
    )
    def post(self, request, promoNo):
        return self.transition(request, services.promotion_approve)


class PromotionSuspendView(PromotionTransitionView):
    @extend_schema(
        summary="중지 (APPROVED → SUSPENDED)",
        request=None,
        parameters=[PROMO_NO_PATH],
        responses=TRANSITION_RESPONSES,
    )
    def post(self, request, promoNo):
        return self.transition(request, services.promotion_suspend)


class PromotionEndView(PromotionTransitionView):
    @extend_schema(
        summary="종료 (→ ENDED)",
        request=None,
        parameters=[PROMO_NO_PATH],
        responses=TRANSITION_RESPONSES,
    )
    def post(self, request, promoNo):
        return self.transition(request, services.promotion_end)
