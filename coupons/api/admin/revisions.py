"""Admin REST resource `promotions/{promoNo}/revisions/`: the pending and decided revisions of an
approved promotion (SPEC §3 rule 10), and approve / reject of a pending one."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from coupons import services
from coupons.api.common import call_service, error_responses
from coupons.models import PromotionRevision

from .base import AdminView
from .promotions import PROMO_NO_PATH, PromotionObjectMixin
from .revision_serializers import PromotionRevisionOut, RevisionRejectIn

REVISION_PATH = OpenApiParameter(
    "revisionNo", OpenApiTypes.INT, OpenApiParameter.PATH, description="수정안 번호"
)


def _revisions(promotion):
    return PromotionRevision.objects.filter(promotion=promotion).select_related(
        "promotion", "author", "decided_by"
    )


class PromotionRevisionListView(PromotionObjectMixin, AdminView):
    required_perms = {"get": ["coupons.view_promotion"]}
    pagination_class = None

    @extend_schema(
        summary="프로모션 수정안 목록 (최신순; 승인대기는 많아야 1건)",
        parameters=[PROMO_NO_PATH],
        responses={200: PromotionRevisionOut(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, promoNo):
        rows = _revisions(self.get_object()).order_by("-pk")
        return Response(PromotionRevisionOut(rows, many=True).data)


class PromotionRevisionDecisionView(PromotionObjectMixin, AdminView):
    required_perms = {"post": ["coupons.approve_promotion"]}

    def revision(self, revisionNo):
        revision = _revisions(self.get_object()).filter(pk=revisionNo).first()
        if revision is None:
            raise exceptions.NotFound("존재하지 않는 수정안입니다.")
        return revision

    def answer(self, revision):
        fresh = _revisions(revision.promotion_id).get(pk=revision.pk)
        return Response(PromotionRevisionOut(fresh).data)


DECISION_RESPONSES = {200: PromotionRevisionOut, **error_responses(400, 401, 403, 404, 409)}


class PromotionRevisionApproveView(PromotionRevisionDecisionView):
    serializer_class = serializers.Serializer

    @extend_schema(
        summary="수정안 승인 (작성자 외의 담당자; 즉시 적용, 발급된 쿠폰이 있으면 고정 조건 변경 불가)",
        request=None,
        parameters=[PROMO_NO_PATH, REVISION_PATH],
        responses=DECISION_RESPONSES,
    )
    def post(self, request, promoNo, revisionNo):
        revision = call_service(
            services.promotion_revision_approve,
            user=request.user,
            revision=self.revision(revisionNo),
        )
        return self.answer(revision)


class PromotionRevisionRejectView(PromotionRevisionDecisionView):
    serializer_class = RevisionRejectIn

    @extend_schema(
        summary="수정안 반려 (작성자가 하면 철회)",
        request=RevisionRejectIn,
        parameters=[PROMO_NO_PATH, REVISION_PATH],
        responses=DECISION_RESPONSES,
    )
    def post(self, request, promoNo, revisionNo):
        data = RevisionRejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        revision = call_service(
            services.promotion_revision_reject,
            user=request.user,
            revision=self.revision(revisionNo),
            note=data.validated_data["note"],
        )
        return self.answer(revision)
