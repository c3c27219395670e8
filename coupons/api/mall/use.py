"""cpnUse and cpnRestore (SPEC §7): the order system records a coupon's use at order and gives it
back at cancellation. BO endpoints: a DRF token (or admin session) of a user holding
`coupons.use_membercoupon` (the "Order system" role). Input serializers check shape only; the
rules are `coupons.use`'s, which recomputes every amount with `coupons.pricing`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from coupons import codes, use
from coupons.api.common import call_service, error_responses
from coupons.api.fields import BIGINT_MAX, INT_MAX, CodeField

from .order import delivery_groups, order_lines
from .views import BOView

MONEY_MAX = 10**12  # KRW: far above any order, within a bigint


# -- inputs --------------------------------------------------------------------------------------
class OrderGoodsIn(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField(min_value=1, max_value=INT_MAX, help_text="주문상품순번")
    goodsNo = serializers.CharField(max_length=20, help_text="상품번호")
    itmNo = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, help_text="단품번호"
    )
    cnt = serializers.IntegerField(min_value=1, max_value=10_000, help_text="수량")
    salePrc = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, help_text="판매단가(원)")


class DeliveryGroupIn(serializers.Serializer):
    deliNo = serializers.CharField(max_length=30, help_text="배송그룹번호")
    dlexAmt = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, help_text="배송비(원)")
    ordGoodsSeqList = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=INT_MAX),
        min_length=1,
        max_length=500,
        help_text="이 배송그룹의 주문상품순번",
    )


class UseItemIn(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text="쿠폰발급번호")
    ordGoodsSeq = serializers.IntegerField(
        min_value=1,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="상품/중복할인쿠폰: 적용한 주문상품순번",
    )
    deliNo = serializers.CharField(
        max_length=30,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="무료배송쿠폰: 적용한 배송그룹번호",
    )
    dcAmt = serializers.IntegerField(min_value=0, max_value=MONEY_MAX, help_text="할인금액(원)")


class CpnUseIn(serializers.Serializer):
    ordNo = serializers.CharField(
        max_length=30, help_text="주문번호 (같은 주문번호는 한 번만 사용)"
    )
    mbrNo = serializers.CharField(max_length=20, help_text="회원번호")
    ordMediaCd = CodeField(codes.OrdMedia, help_text="주문매체 코드(OM007)")
    siteNo = serializers.CharField(max_length=10, help_text="사이트번호")
    goodsList = OrderGoodsIn(many=True, min_length=1, max_length=500)
    dlvGrpList = DeliveryGroupIn(many=True, required=False, max_length=500)
    useList = UseItemIn(
        many=True,
        min_length=1,
        max_length=200,
        help_text="쓰는 쿠폰: 상품쿠폰은 ordGoodsSeq, 무료배송은 deliNo, 장바구니쿠폰은 둘 다 없이",
    )

    def validate(self, attrs):
        seqs = [g["ordGoodsSeq"] for g in attrs["goodsList"]]
        if len(set(seqs)) != len(seqs):
            raise serializers.ValidationError({"goodsList": ["주문상품순번이 중복됩니다."]})
        nos = [u["cpnIsuNo"] for u in attrs["useList"]]
        if len(set(nos)) != len(nos):
            raise serializers.ValidationError({"useList": ["같은 쿠폰을 두 번 쓸 수 없습니다."]})
        return attrs


class CpnRestoreIn(serializers.Serializer):
    ordNo = serializers.CharField(max_length=30, help_text="주문번호")
    clmNo = serializers.CharField(
        max_length=30, help_text="클레임번호 (취소/반품; 같은 클레임번호는 한 번만 복원)"
    )
    ordGoodsSeqList = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=INT_MAX),
        required=False,
        max_length=500,
        help_text="취소/반품된 주문상품순번; 비우면 주문 전체",
    )


# -- outputs (the schema; the service builds the body in these names) ----------------------------
class UseLineOut(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField()
    dcAmt = serializers.IntegerField()
    ourDcAmt = serializers.IntegerField()
    entrDcAmt = serializers.IntegerField()


class UseRowOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField()
    promoNo = serializers.CharField()
    promoTypCd = serializers.CharField()
    ordGoodsSeq = serializers.IntegerField(allow_null=True)
    deliNo = serializers.CharField(allow_null=True)
    dcAmt = serializers.IntegerField()
    ourDcAmt = serializers.IntegerField(help_text="당사부담")
    entrDcAmt = serializers.IntegerField(help_text="협력사부담")
    goodsList = UseLineOut(many=True, help_text="주문상품별 할인 (장바구니쿠폰은 배분)")


class CpnUseOut(serializers.Serializer):
    ordNo = serializers.CharField()
    mbrNo = serializers.CharField()
    useDtm = serializers.DateTimeField()
    totalDcAmt = serializers.IntegerField()
    useList = UseRowOut(many=True)


class RestoreRowOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField()
    promoNo = serializers.CharField()
    promoTypCd = serializers.CharField()
    cpnStatCd = serializers.ChoiceField(
        choices=["ISSUED", "EXPIRED"], help_text="유효기간이 지났으면 EXPIRED"
    )
    rstrDcAmt = serializers.IntegerField(help_text="예산으로 돌려준 할인금액")


class ClawbackRowOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField()
    promoNo = serializers.CharField()
    promoTypCd = serializers.CharField()
    ordGoodsSeqList = serializers.ListField(child=serializers.IntegerField())
    clawbackAmt = serializers.IntegerField(
        help_text="취소된 주문상품에 배분된 할인 (환불에서 차감)"
    )


class CpnRestoreOut(serializers.Serializer):
    ordNo = serializers.CharField()
    clmNo = serializers.CharField()
    rstrDtm = serializers.DateTimeField()
    restoreList = RestoreRowOut(many=True, help_text="복원된 쿠폰")
    clawbackList = ClawbackRowOut(many=True, help_text="사용 상태로 남는 장바구니쿠폰의 환수액")
    totalClawbackAmt = serializers.IntegerField()


def _codes_text(table: dict) -> str:
    return " ".join(f"{code}({text})" for code, text in table.items())


EX_USE_IN = {
    "ordNo": "20240503000123",
    "mbrNo": "100000000",
    "ordMediaCd": "20",
    "siteNo": "1",
    "goodsList": [
        {"ordGoodsSeq": 1, "goodsNo": "G1001", "cnt": 2, "salePrc": 15000},
        {"ordGoodsSeq": 2, "goodsNo": "G1002", "itmNo": "001", "cnt": 1, "salePrc": 20000},
    ],
    "dlvGrpList": [{"deliNo": "D1", "dlexAmt": 3000, "ordGoodsSeqList": [1, 2]}],
    "useList": [
        {"cpnIsuNo": 101, "ordGoodsSeq": 1, "dcAmt": 2000},
        {"cpnIsuNo": 102, "dcAmt": 3000},
        {"cpnIsuNo": 103, "deliNo": "D1", "dcAmt": 3000},
    ],
}
EX_USE_OUT = {
    "ordNo": "20240503000123",
    "mbrNo": "100000000",
    "useDtm": "2024-05-03T14:20:00+09:00",
    "totalDcAmt": 8000,
    "useList": [
        {
            "cpnIsuNo": 101,
            "promoNo": "C1000000",
            "promoTypCd": "11",
            "ordGoodsSeq": 1,
            "deliNo": None,
            "dcAmt": 2000,
            "ourDcAmt": 1000,
            "entrDcAmt": 1000,
            "goodsList": [{"ordGoodsSeq": 1, "dcAmt": 2000, "ourDcAmt": 1000, "entrDcAmt": 1000}],
        },
        {
            "cpnIsuNo": 102,
            "promoNo": "C1000001",
            "promoTypCd": "12",
            "ordGoodsSeq": None,
            "deliNo": None,
            "dcAmt": 3000,
            "ourDcAmt": 3000,
            "entrDcAmt": 0,
            "goodsList": [
                {"ordGoodsSeq": 1, "dcAmt": 1400, "ourDcAmt": 1400, "entrDcAmt": 0},
                {"ordGoodsSeq": 2, "dcAmt": 1600, "ourDcAmt": 1600, "entrDcAmt": 0},
            ],
        },
        {
            "cpnIsuNo": 103,
            "promoNo": "C1000002",
            "promoTypCd": "14",
            "ordGoodsSeq": None,
            "deliNo": "D1",
            "dcAmt": 3000,
            "ourDcAmt": 3000,
            "entrDcAmt": 0,
            "goodsList": [
                {"ordGoodsSeq": 1, "dcAmt": 0, "ourDcAmt": 0, "entrDcAmt": 0},
                {"ordGoodsSeq": 2, "dcAmt": 0, "ourDcAmt": 0, "entrDcAmt": 0},
            ],
        },
    ],
}
EX_MISMATCH = {
    "code": "DC_AMT_MISMATCH",
    "message": "할인금액이 다릅니다(계산: 2000원, 요청: 2500원).",
    "fields": {
        "useList[0].dcAmt": ["할인금액이 다릅니다(계산: 2000원, 요청: 2500원)."],
        "useList[0].expectedDcAmt": ["2000"],
    },
}


class CpnUseView(BOView):
    serializer_class = CpnUseIn
    required_perms = {"post": ["coupons.use_membercoupon"]}

    @extend_schema(
        operation_id="cpnUse",
        summary="쿠폰 사용 (주문 시스템)",
        description="주문 시스템 전용 (coupons.use_membercoupon). orderCpnCalc 와 같은 계산으로 모든 할인을 다시 "
        "계산해 하나라도 다르면 전체를 거절합니다(DC_AMT_MISMATCH, 계산된 금액은 fields 의 "
        "useList[i].expectedDcAmt). 아니면 모든 쿠폰이 그 주문으로 USED 가 되거나, 하나도 되지 않습니다. "
        "각 프로모션의 사용 할인금액은 예산(budgetAmt)을 넘지 않습니다(BUDGET_EXHAUSTED). "
        "같은 ordNo 로 같은 요청을 다시 보내면 처음 응답을, 다른 요청이면 409 ORDER_ALREADY_USED. "
        "거절 코드: " + _codes_text(use.USE_REFUSAL_CODES),
        request=CpnUseIn,
        responses={200: CpnUseOut, **error_responses(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample("상품·장바구니·무료배송 쿠폰", request_only=True, value=EX_USE_IN),
            OpenApiExample("사용됨", response_only=True, status_codes=["200"], value=EX_USE_OUT),
            OpenApiExample(
                "금액 불일치", response_only=True, status_codes=["409"], value=EX_MISMATCH
            ),
        ],
    )
    def post(self, request):
        data = CpnUseIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        outcome = call_service(
            use.coupons_use,
            ord_no=v["ordNo"],
            mbr_no=v["mbrNo"],
            ord_media_cd=v["ordMediaCd"],
            site_no=v["siteNo"],
            goods_list=order_lines(v),
            dlv_grp_list=delivery_groups(v),
            use_list=[
                {
                    "cpn_isu_no": u["cpnIsuNo"],
                    "ord_goods_seq": u.get("ordGoodsSeq"),
                    "deli_no": u.get("deliNo") or None,
                    "dc_amt": u["dcAmt"],
                }
                for u in v["useList"]
            ],
            user=request.user,
        )
        return Response(outcome.body)


EX_RESTORE_PARTIAL = {
    "ordNo": "20240503000123",
    "clmNo": "CLM0001",
    "rstrDtm": "2024-05-04T09:00:00+09:00",
    "restoreList": [
        {
            "cpnIsuNo": 101,
            "promoNo": "C1000000",
            "promoTypCd": "11",
            "cpnStatCd": "ISSUED",
            "rstrDcAmt": 2000,
        }
    ],
    "clawbackList": [
        {
            "cpnIsuNo": 102,
            "promoNo": "C1000001",
            "promoTypCd": "12",
            "ordGoodsSeqList": [1],
            "clawbackAmt": 1400,
        }
    ],
    "totalClawbackAmt": 1400,
}


class CpnRestoreView(BOView):
    serializer_class = CpnRestoreIn
    required_perms = {"post": ["coupons.use_membercoupon"]}

    @extend_schema(
        operation_id="cpnRestore",
        summary="쿠폰 복원 (주문 취소/반품)",
        description="주문 시스템 전용 (coupons.use_membercoupon). 적용된 주문상품이 모두 취소된 쿠폰은 "
        "유효기간 안이면 ISSUED, 지났으면 EXPIRED 로 돌아가고 할인금액은 예산으로 돌아갑니다. 일부 "
        "주문상품만 취소된 장바구니쿠폰은 USED 로 남고, 취소된 주문상품에 배분된 할인이 환수액"
        "(clawbackAmt, 환불에서 차감)입니다. 같은 clmNo 는 한 번만 복원합니다(다시 보내면 처음 응답). "
        "거절 코드: " + _codes_text(use.RESTORE_REFUSAL_CODES),
        request=CpnRestoreIn,
        responses={200: CpnRestoreOut, **error_responses(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "주문 전체 취소",
                request_only=True,
                value={"ordNo": "20240503000123", "clmNo": "CLM0001"},
            ),
            OpenApiExample(
                "부분 취소",
                request_only=True,
                value={"ordNo": "20240503000123", "clmNo": "CLM0001", "ordGoodsSeqList": [1]},
            ),
            OpenApiExample(
                "부분 취소 결과", response_only=True, status_codes=["200"], value=EX_RESTORE_PARTIAL
            ),
        ],
    )
    def post(self, request):
        data = CpnRestoreIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        outcome = call_service(
            use.coupons_restore,
            ord_no=v["ordNo"],
            clm_no=v["clmNo"],
            ord_goods_seqs=v.get("ordGoodsSeqList") or [],
            user=request.user,
        )
        return Response(outcome.body)
