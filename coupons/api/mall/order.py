"""`POST /v1/marketing/orderCpnCalc` (SPEC §7): what the member's cart gets from their own
coupons — every usable copy where it applies and for how much, and the best choice. No side
effects. Input and output serializers live here; the rules are coupons.pricing's."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from coupons import codes, pricing
from coupons.api.common import error_responses, local_iso
from coupons.api.fields import BIGINT_MAX, INT_MAX, CodeField, no_comma
from coupons.errors import DomainError

from .views import MemberView

MAX_LINES = 100
MAX_GROUPS = 100
MAX_CHOSEN = 100
# The copies one calculation weighs (a member's usable copies with those named): more is refused
# with a 400, so one request can never hold a worker for long.
MAX_COPIES = 200


def order_lines(validated: dict) -> list[dict]:
    """The order lines of a validated cart body (`goodsList`) in service names, as pricing and
    the use services take them."""
    return [
        {
            "ord_goods_seq": g["ordGoodsSeq"],
            "goods_no": g["goodsNo"],
            "itm_no": g.get("itmNo") or None,
            "cnt": g["cnt"],
            "sale_prc": g["salePrc"],
        }
        for g in validated["goodsList"]
    ]


def delivery_groups(validated: dict) -> list[dict]:
    """The delivery groups of a validated cart body (`dlvGrpList`) in service names."""
    return [
        {
            "deli_no": g["deliNo"],
            "dlex_amt": g["dlexAmt"],
            "ord_goods_seqs": list(g["ordGoodsSeqList"]),
        }
        for g in validated.get("dlvGrpList") or []
    ]


MAX_CNT = 9999
MAX_AMOUNT = 10**12  # KRW: far beyond any order, and Σ amount × rate stays an exact integer


# -- input -------------------------------------------------------------------------------------
class CalcGoodsIn(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField(min_value=1, max_value=INT_MAX, help_text="주문상품순번")
    goodsNo = serializers.CharField(max_length=20, validators=[no_comma], help_text="상품번호")
    itmNo = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, help_text="단품번호"
    )
    cnt = serializers.IntegerField(min_value=1, max_value=MAX_CNT, help_text="수량")
    salePrc = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, help_text="판매가(단가, 원)"
    )


class CalcDlvGrpIn(serializers.Serializer):
    deliNo = serializers.CharField(max_length=30, validators=[no_comma], help_text="배송그룹번호")
    dlexAmt = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT, help_text="배송비(원)")
    ordGoodsSeqList = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=INT_MAX),
        min_length=1,
        max_length=MAX_LINES,
        help_text="이 배송그룹의 주문상품순번",
    )


class OrderCpnCalcIn(serializers.Serializer):
    ordMediaCd = CodeField(codes.OrdMedia, help_text="주문매체 코드(OM007)")
    siteNo = serializers.CharField(max_length=10, validators=[no_comma], help_text="사이트번호")
    goodsList = CalcGoodsIn(many=True, min_length=1, max_length=MAX_LINES)
    dlvGrpList = CalcDlvGrpIn(many=True, required=False, max_length=MAX_GROUPS)
    cpnIsuNoList = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=MAX_CHOSEN,
        help_text="회원이 고른 쿠폰발급번호 (보내면 totalDcAmt 는 이 쿠폰들의 할인액)",
    )

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        seqs = [g["ordGoodsSeq"] for g in attrs["goodsList"]]
        for i, seq in enumerate(seqs):
            if seqs.index(seq) != i:
                errors[f"goodsList[{i}].ordGoodsSeq"] = ["주문상품순번이 중복되었습니다."]
        known = set(seqs)
        grouped: set[int] = set()
        deli_nos: set[str] = set()
        for i, group in enumerate(attrs.get("dlvGrpList") or []):
            if group["deliNo"] in deli_nos:
                errors[f"dlvGrpList[{i}].deliNo"] = ["배송그룹번호가 중복되었습니다."]
            deli_nos.add(group["deliNo"])
            for j, seq in enumerate(group["ordGoodsSeqList"]):
                if seq not in known:
                    errors[f"dlvGrpList[{i}].ordGoodsSeqList[{j}]"] = ["없는 주문상품순번입니다."]
                elif seq in grouped:
                    errors[f"dlvGrpList[{i}].ordGoodsSeqList[{j}]"] = [
                        "주문상품은 한 배송그룹에만 속합니다."
                    ]
                grouped.add(seq)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# -- output ------------------------------------------------------------------------------------
class AllocationOut(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField()
    dcAmt = serializers.IntegerField(help_text="이 주문상품에 배분된 할인액")
    dcAmtPerCnt = serializers.IntegerField()
    ourDcAmt = serializers.IntegerField()
    entrDcAmt = serializers.IntegerField()


class BenefitOut(serializers.Serializer):
    promoNo = serializers.CharField()
    promoNm = serializers.CharField()
    promoTypCd = serializers.CharField()
    cpnIsuNo = serializers.IntegerField()
    valiEndDtm = serializers.DateTimeField()
    dcAmt = serializers.IntegerField(help_text="할인액(원, 기준값)")
    dcAmtPerCnt = serializers.IntegerField(help_text="dcAmt ÷ 수량, 1원 미만 절사 (표시용)")
    ourDcAmt = serializers.IntegerField(help_text="당사 부담액")
    entrDcAmt = serializers.IntegerField(help_text="협력사 부담액")
    isMaxYn = serializers.ChoiceField(choices=["Y", "N"], help_text="최대혜택 조합에 포함되면 Y")


class CartBenefitOut(BenefitOut):
    goodsList = AllocationOut(many=True, help_text="주문상품별 배분 (나머지는 가장 큰 상품에)")


class DlvBenefitOut(BenefitOut):
    deliNo = serializers.CharField()


class GoodsBenefitOut(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField()
    goodsNo = serializers.CharField()
    itmNo = serializers.CharField(allow_null=True)
    cnt = serializers.IntegerField()
    amtBeforeDiscount = serializers.IntegerField(help_text="판매가 × 수량")
    benefitList = BenefitOut(many=True)


class DlvGrpOut(serializers.Serializer):
    deliNo = serializers.CharField()
    dlexAmt = serializers.IntegerField()
    benefitList = DlvBenefitOut(many=True)


class DlvCouponInfoOut(serializers.Serializer):
    dlvCpnCnt = serializers.IntegerField(help_text="쓸 수 있는 무료배송쿠폰 수")
    dlvGrpInfo = DlvGrpOut(many=True)


class BenefitInfoOut(serializers.Serializer):
    totalDcAmt = serializers.IntegerField()
    goodsBenefitList = GoodsBenefitOut(many=True)
    orderBenefitList = CartBenefitOut(many=True)
    dlvCouponInfo = DlvCouponInfoOut()


class RefusedCpnOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField()
    code = serializers.CharField(
        help_text="; ".join(f"{c} {m}" for c, m in pricing.PRICING_REFUSAL_CODES.items())
    )
    message = serializers.CharField()


class OrderCpnCalcOut(BenefitInfoOut):
    totalDcAmt = serializers.IntegerField(
        help_text="cpnIsuNoList 를 보냈으면 그 쿠폰들의 할인액, 아니면 최대혜택의 할인액"
    )
    maxBenefitInfo = BenefitInfoOut(
        help_text="할인액이 가장 큰 조합 (같으면 쿠폰 수가 적은, 그다음 유효기간이 먼저 끝나는 쿠폰)"
    )
    selectedBenefitInfo = BenefitInfoOut(
        required=False, help_text="cpnIsuNoList 를 보냈을 때: 고른 쿠폰들의 가장 좋은 적용"
    )
    refusedCpnList = RefusedCpnOut(many=True, help_text="고른 쿠폰 중 적용하지 못한 쿠폰과 사유")


# -- shaping -----------------------------------------------------------------------------------
class _Shaper:
    """One answer's shaping: each copy's validity end rendered once (a cart of 30 lines shows a
    copy in hundreds of rows) and the best choice's places computed once (`Pricing.is_max`
    rebuilds them per call)."""

    def __init__(self, p: pricing.Pricing):
        self._iso: dict[int, str | None] = {}
        best = p.best.places()
        self.is_max = lambda b: b.place in best

    def valid_until(self, copy) -> str | None:
        iso = self._iso.get(copy.cpn_isu_no, _MISSING)
        if iso is _MISSING:
            iso = self._iso[copy.cpn_isu_no] = local_iso(copy.valid_until)
        return iso


_MISSING = object()


def _benefit_row(b: pricing.Benefit, is_max: bool, shaper: _Shaper) -> dict:
    t = b.copy.terms
    row = {
        "promoNo": t.promo_no,
        "promoNm": t.promo_nm,
        "promoTypCd": t.promo_typ_cd,
        "cpnIsuNo": b.copy.cpn_isu_no,
        "valiEndDtm": shaper.valid_until(b.copy),
        "dcAmt": b.dc_amt,
        "dcAmtPerCnt": b.dc_amt_per_cnt,
        "ourDcAmt": b.our_dc_amt,
        "entrDcAmt": b.entr_dc_amt,
        "isMaxYn": "Y" if is_max else "N",
    }
    if t.promo_typ_cd == codes.PromoType.CART:
        row["goodsList"] = [
            {
                "ordGoodsSeq": a.ord_goods_seq,
                "dcAmt": a.dc_amt,
                "dcAmtPerCnt": a.dc_amt_per_cnt,
                "ourDcAmt": a.our_dc_amt,
                "entrDcAmt": a.entr_dc_amt,
            }
            for a in b.allocations
        ]
    if b.deli_no is not None:
        row["deliNo"] = b.deli_no
    return row


def _info(
    order: pricing.Order,
    total: int,
    goods: dict[int, list],
    carts: list,
    ships: list,
    is_max,
    shaper: _Shaper,
) -> dict:
    by_group: dict[str, list] = {g.deli_no: [] for g in order.groups}
    for b in ships:
        by_group[b.deli_no].append(b)
    return {
        "totalDcAmt": total,
        "goodsBenefitList": [
            {
                "ordGoodsSeq": line.ord_goods_seq,
                "goodsNo": line.goods_no,
                "itmNo": line.itm_no or None,
                "cnt": line.cnt,
                "amtBeforeDiscount": line.amount,
                "benefitList": [
                    _benefit_row(b, is_max(b), shaper) for b in goods.get(line.ord_goods_seq, ())
                ],
            }
            for line in order.lines
        ],
        "orderBenefitList": [_benefit_row(b, is_max(b), shaper) for b in carts],
        "dlvCouponInfo": {
            "dlvCpnCnt": len({b.copy.cpn_isu_no for b in ships}),
            "dlvGrpInfo": [
                {
                    "deliNo": g.deli_no,
                    "dlexAmt": g.dlex_amt,
                    "benefitList": [
                        _benefit_row(b, is_max(b), shaper) for b in by_group[g.deli_no]
                    ],
                }
                for g in order.groups
            ],
        },
    }


def _choice_info(order: pricing.Order, choice: pricing.Choice, is_max, shaper: _Shaper) -> dict:
    goods: dict[int, list] = {}
    for b in choice.of_type(*pricing.LINE_TYPES):
        goods.setdefault(b.ord_goods_seq, []).append(b)
    return _info(
        order,
        choice.total_dc_amt,
        goods,
        choice.of_type(codes.PromoType.CART),
        choice.of_type(codes.PromoType.FREE_SHIPPING),
        is_max,
        shaper,
    )


def pricing_body(p: pricing.Pricing) -> dict:
    """orderCpnCalc's answer, in the storefront's names (SPEC §7)."""
    shaper = _Shaper(p)
    body = _info(
        p.order,
        p.total_dc_amt,
        dict(p.goods_benefits),
        list(p.cart_benefits),
        list(p.shipping_benefits),
        shaper.is_max,
        shaper,
    )
    body["maxBenefitInfo"] = _choice_info(p.order, p.best, lambda b: True, shaper)
    if p.selected is not None:
        body["selectedBenefitInfo"] = _choice_info(p.order, p.selected, shaper.is_max, shaper)
    body["refusedCpnList"] = [
        {"cpnIsuNo": r.cpn_isu_no, "code": r.code, "message": r.message} for r in p.refusals
    ]
    return body


# -- the view ----------------------------------------------------------------------------------
EX_REQUEST = {
    "ordMediaCd": "20",
    "siteNo": "1",
    "goodsList": [
        {"ordGoodsSeq": 1, "goodsNo": "1000000001", "itmNo": "001", "cnt": 2, "salePrc": 25000},
        {"ordGoodsSeq": 2, "goodsNo": "1000000002", "cnt": 1, "salePrc": 33330},
    ],
    "dlvGrpList": [{"deliNo": "D1", "dlexAmt": 3000, "ordGoodsSeqList": [1, 2]}],
}
_EX_FIXED = {
    "promoNo": "C1000000",
    "promoNm": "3천원 할인",
    "promoTypCd": "11",
    "cpnIsuNo": 101,
    "valiEndDtm": "2026-12-31T23:59:59+09:00",
    "dcAmt": 6000,
    "dcAmtPerCnt": 3000,
    "ourDcAmt": 3600,
    "entrDcAmt": 2400,
    "isMaxYn": "Y",
}
_EX_CART = {
    "promoNo": "C1000001",
    "promoNm": "장바구니 10%",
    "promoTypCd": "12",
    "cpnIsuNo": 102,
    "valiEndDtm": "2026-12-15T23:59:59+09:00",
    "dcAmt": 7730,
    "dcAmtPerCnt": 2576,
    "ourDcAmt": 7730,
    "entrDcAmt": 0,
    "isMaxYn": "Y",
    "goodsList": [
        {"ordGoodsSeq": 1, "dcAmt": 4400, "dcAmtPerCnt": 2200, "ourDcAmt": 4400, "entrDcAmt": 0},
        {"ordGoodsSeq": 2, "dcAmt": 3330, "dcAmtPerCnt": 3330, "ourDcAmt": 3330, "entrDcAmt": 0},
    ],
}
_EX_SHIP = {
    "promoNo": "C1000002",
    "promoNm": "무료배송",
    "promoTypCd": "14",
    "cpnIsuNo": 103,
    "valiEndDtm": "2026-12-31T23:59:59+09:00",
    "dcAmt": 3000,
    "dcAmtPerCnt": 3000,
    "ourDcAmt": 3000,
    "entrDcAmt": 0,
    "isMaxYn": "Y",
    "deliNo": "D1",
}
_EX_INFO = {
    "totalDcAmt": 16730,
    "goodsBenefitList": [
        {
            "ordGoodsSeq": 1,
            "goodsNo": "1000000001",
            "itmNo": "001",
            "cnt": 2,
            "amtBeforeDiscount": 50000,
            "benefitList": [_EX_FIXED],
        },
        {
            "ordGoodsSeq": 2,
            "goodsNo": "1000000002",
            "itmNo": None,
            "cnt": 1,
            "amtBeforeDiscount": 33330,
            "benefitList": [],
        },
    ],
    "orderBenefitList": [_EX_CART],
    "dlvCouponInfo": {
        "dlvCpnCnt": 1,
        "dlvGrpInfo": [{"deliNo": "D1", "dlexAmt": 3000, "benefitList": [_EX_SHIP]}],
    },
}
EX_RESPONSE = {**_EX_INFO, "maxBenefitInfo": _EX_INFO, "refusedCpnList": []}


class OrderCpnCalcView(MemberView):
    serializer_class = OrderCpnCalcIn

    @extend_schema(
        operation_id="orderCpnCalc",
        summary="주문 쿠폰 계산 (장바구니/주문서 쿠폰 팝업)",
        description="회원 전용, 부작용 없음. 회원의 사용 가능한 쿠폰 하나하나가 어디에 얼마나 적용되는지 — "
        "상품·중복할인쿠폰은 goodsBenefitList(주문상품별), 장바구니쿠폰은 orderBenefitList(주문상품별 배분 포함), "
        "무료배송쿠폰은 dlvCouponInfo(배송그룹별) — 와 할인액이 가장 큰 조합 maxBenefitInfo(같으면 쿠폰 수가 적은, "
        "그다음 유효기간이 먼저 끝나는 쿠폰)를 답합니다. 상품쿠폰 행은 주문상품 금액 기준, 중복할인쿠폰 행은 최대혜택의 "
        "상품쿠폰을 뺀 금액 기준, 장바구니쿠폰 행은 그 쿠폰을 쓰는 가장 좋은 조합에서의 금액입니다. cpnIsuNoList 를 "
        "보내면 totalDcAmt 는 고른 쿠폰들의 가장 좋은 적용(selectedBenefitInfo)의 할인액이고, 적용하지 못한 쿠폰은 "
        "refusedCpnList 에 사유 코드와 함께 나옵니다.",
        request=OrderCpnCalcIn,
        responses={200: OrderCpnCalcOut, **error_responses(400, 401)},
        examples=[
            OpenApiExample("요청", request_only=True, value=EX_REQUEST),
            OpenApiExample(
                "회원이 고른 쿠폰",
                request_only=True,
                value={**EX_REQUEST, "cpnIsuNoList": [101, 102]},
            ),
            OpenApiExample("응답", response_only=True, status_codes=["200"], value=EX_RESPONSE),
        ],
    )
    def post(self, request):
        self.refuse_other_member(request.data)
        data = OrderCpnCalcIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        chosen = v.get("cpnIsuNoList")
        loaded = pricing.load_order(
            member=self.member,
            ord_media_cd=v["ordMediaCd"],
            site_no=v["siteNo"],
            goods_list=order_lines(v),
            dlv_grp_list=delivery_groups(v),
            cpn_isu_nos=chosen or (),
        )
        if len(loaded.copies) > MAX_COPIES:
            raise DomainError(
                _("한 번에 계산할 수 있는 쿠폰은 %(n)s장까지입니다.") % {"n": MAX_COPIES},
                code="TOO_MANY_COUPONS",
                http_status=400,
            )
        if loaded.unknown_goods:
            unknown = set(loaded.unknown_goods)
            raise DomainError(
                "존재하지 않는 상품이 있습니다.",
                code="UNKNOWN_GOODS",
                http_status=400,
                fields={
                    f"goodsList[{i}].goodsNo": ["존재하지 않는 상품번호입니다."]
                    for i, g in enumerate(v["goodsList"])
                    if g["goodsNo"] in unknown
                },
            )
        result = pricing.price_order(loaded.order, loaded.copies, chosen=chosen)
        # Built in OrderCpnCalcOut's shape directly (the schema), as the coupon box is.
        return Response(pricing_body(result))
