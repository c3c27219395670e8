"""Admin REST resource `compensations/`: CS compensation coupons for a list of members (preview, or
a run: answered at once up to the background threshold, 202 with the run beyond it)."""

from __future__ import annotations

import hashlib
import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from coupons import compensation, errors
from coupons.api.common import IDEMPOTENCY_HEADER, call_service, error_responses, idempotency_key
from coupons.errors import DomainError
from coupons.models import CompensationItem, CompensationRun, MemberCoupon

from . import serializers as s
from .base import AdminView

IDEMPOTENCY_FIELD = "Idempotency-Key"


class CompensationView(AdminView):
    serializer_class = s.CompensationIn
    queryset = MemberCoupon.objects.none()
    required_perms = {"post": ["coupons.issue_compensation"]}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="CS 보상쿠폰 발급 (preview: true 면 검증만)",
        description="회원별 결과(OK 또는 UNKNOWN_MEMBER, MEMBER_LIMIT, GRADE_NOT_ELIGIBLE, SOLD_OUT …). "
        "같은 Idempotency-Key 로 같은 요청을 다시 보내면 처음 실행을 돌려주고 더 발급하지 않습니다; "
        "같은 키로 다른 요청(회원 목록, 프로모션, 사유, 메모, 주문번호)을 보내면 409 SUBMISSION_KEY_REUSED. "
        "1,000명을 넘으면 백그라운드 작업으로 돌고 202 와 runId 를 답합니다.",
        request=s.CompensationIn,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            200: s.CompensationOut,
            202: s.CompensationOut,
            **error_responses(400, 401, 403, 404, 409),
        },
        examples=[
            OpenApiExample(
                "미리보기",
                request_only=True,
                value={
                    "mbrNoList": ["100000000", "100000001"],
                    "promoNo": "C1000003",
                    "csCpnPayCausCd": "02",
                    "memo": "배송지연 보상",
                    "ordNo": "20240501000123",
                    "preview": True,
                },
            )
        ],
    )
    def post(self, request):
        data = s.CompensationIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = idempotency_key(request)
        if v["preview"]:
            checks = call_service(
                compensation.compensation_preview,
                promotion=v["promotion"],
                mbr_nos=v["mbr_nos"],
                reason_cd=v["cs_cpn_pay_caus_cd"],
            )
            body = {
                "preview": True,
                "runId": None,
                "runStatCd": None,
                "issuedCnt": 0,
                "results": [
                    {"mbrNo": c.mbr_no, "issuedQty": 0, "code": c.code, "message": c.message}
                    for c in checks
                ],
            }
            return Response(s.CompensationOut(body).data)
        # The submission key makes a double submission issue once: the caller's Idempotency-Key
        # (scoped to the user), or a fresh one when none is sent.
        raw = f"api:{request.user.pk}:{key}" if key else f"api:{uuid.uuid4()}"
        try:
            run = call_service(
                compensation.compensation_issue,
                user=request.user,
                promotion=v["promotion"],
                mbr_nos=v["mbr_nos"],
                reason_cd=v["cs_cpn_pay_caus_cd"],
                memo=v["memo"],
                ord_no=v["ord_no"],
                submission_key=hashlib.sha256(raw.encode()).hexdigest(),
            )
        except DomainError as exc:
            if exc.code == errors.SUBMISSION_KEY_REUSED:
                # Here the submission key is the caller's Idempotency-Key: name the header, as a
                # reused download key does.
                exc.fields = {
                    IDEMPOTENCY_FIELD if name == "submission_key" else name: messages
                    for name, messages in exc.fields.items()
                }
            raise
        items = (
            CompensationItem.objects.filter(run_id=run.pk)
            .order_by("line_no")
            .values_list("mbr_no", "status", "code", "message")
        )
        body = {
            "preview": False,
            "runId": run.pk,
            "runStatCd": run.status,
            "issuedCnt": run.issued,
            "results": [
                {
                    "mbrNo": m,
                    "issuedQty": int(st == CompensationItem.Status.ISSUED),
                    "code": code or st,
                    "message": msg,
                }
                for m, st, code, msg in items
            ],
        }
        done = run.status in (CompensationRun.Status.DONE, CompensationRun.Status.FAILED)
        return Response(
            s.CompensationOut(body).data,
            status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED,
        )
