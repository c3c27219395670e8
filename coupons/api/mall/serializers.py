"""Shape only, for the mall's coupon API (/v1/marketing/): input serializers check types, choices
and ranges; output serializers name fields. Field names are the seed's camelCase; rules live in
the services."""

from __future__ import annotations

from rest_framework import serializers

from coupons import codes, errors
from coupons.api.fields import (
    PAGE_IDX_MAX,
    ApiSerializer,
    CodeField,
    no_comma,
    promo_no_validator,
)


# -- the mall coupon API: inputs ---------------------------------------------------------------
class GoodsDetailCpnListIn(serializers.Serializer):
    goodsNo = serializers.CharField(
        max_length=20,
        required=False,
        help_text="상품번호 (seed 에는 없던 항목; 없으면 상품 조건 없이 조회)",
    )
    ordMediaCd = CodeField(codes.OrdMedia, help_text="주문매체 코드(OM007)")
    cpnType = CodeField(codes.CpnType, help_text="10: 사용가능쿠폰, 20: 다운로드가능쿠폰")
    sortGb = CodeField(codes.SortGb, help_text="10: 최근등록순, 20: 마감임박순")
    rowsPerPage = serializers.IntegerField(min_value=1, max_value=100)
    pageIdx = serializers.IntegerField(min_value=1, max_value=PAGE_IDX_MAX)


class PromoNoListField(serializers.ListField):
    """A list of promoNos; each element may itself be comma-separated (the seed's example
    `["C1000000, C1000001"]`). A promoNo repeated n times asks for n copies."""

    child = serializers.CharField(max_length=200)

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        promo_nos = [part.strip() for item in items for part in item.split(",") if part.strip()]
        bad = [p for p in promo_nos if not promo_no_validator.regex.match(p)]
        if bad:
            raise serializers.ValidationError(f"프로모션번호 형식이 아닙니다: {', '.join(bad[:5])}")
        if len(promo_nos) > 100:
            raise serializers.ValidationError("한 번에 100장까지 요청할 수 있습니다.")
        return promo_nos


class CpnDownIn(serializers.Serializer):
    promoNoList = PromoNoListField(
        required=False, max_length=100, help_text="프로모션번호; n번 반복하면 n장"
    )
    dcCpnCd = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="할인쿠폰코드"
    )
    downloadByPromoNo = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="true: promoNoList로, false: dcCpnCd로 (생략 시 채워진 쪽)",
    )
    ordMediaCd = CodeField(codes.OrdMedia, required=False, help_text="주문매체 (선택)")

    def validate(self, attrs):
        by_promo = attrs.get("downloadByPromoNo")
        promo_nos = attrs.get("promoNoList") or []
        code = (attrs.get("dcCpnCd") or "").strip()
        if by_promo is None:
            by_promo = bool(promo_nos) or not code
        if by_promo and not promo_nos:
            raise serializers.ValidationError(
                {"promoNoList": ["프로모션번호를 하나 이상 입력하세요."]}
            )
        if not by_promo and not code:
            raise serializers.ValidationError({"dcCpnCd": ["할인쿠폰코드를 입력하세요."]})
        attrs["downloadByPromoNo"] = by_promo
        attrs["promoNoList"] = promo_nos if by_promo else []
        attrs["dcCpnCd"] = None if by_promo else code.upper()
        return attrs


class CpnDownBoIn(serializers.Serializer):
    promoNoList = PromoNoListField(min_length=1, max_length=100, help_text="프로모션번호")
    mbrNo = serializers.CharField(max_length=20, help_text="회원번호")
    csCpnPayCausCd = CodeField(
        codes.CsReason,
        required=False,
        allow_blank=True,
        help_text="쿠폰발급사유코드(MK021); CS보상쿠폰(발급주체 20)에는 필수",
    )
    systemUserNo = serializers.CharField(
        max_length=50, help_text="시스템사용자번호: BATCH 또는 BO 사용자 ID"
    )
    autoIssuOdr = serializers.CharField(
        max_length=20, validators=[no_comma], help_text="자동발급차수 (예: 20230101)"
    )
    dcCpnCd = serializers.CharField(max_length=20, required=False, allow_blank=True)
    downloadByPromoNo = serializers.BooleanField(required=False, allow_null=True)


class AutoIssueTypeQueryIn(serializers.Serializer):
    autoIssuTypCd = serializers.RegexField(
        r"^\d{4}$", help_text="자동발급유형코드(MK008), 사용 중인 코드"
    )
    gradeCd = CodeField(codes.Grade, required=False, help_text="회원등급코드(ME008)")


class CpnIssuListQueryIn(serializers.Serializer):
    sortGb = CodeField(codes.SortGb, help_text="10: 최근등록순, 20: 마감임박순")
    rowsPerPage = serializers.IntegerField(min_value=1, max_value=100)
    pageIdx = serializers.IntegerField(min_value=1, max_value=PAGE_IDX_MAX)
    siteNo = serializers.CharField(
        max_length=10, required=False, validators=[no_comma], help_text="사이트번호"
    )


# -- the mall coupon API: outputs --------------------------------------------------------------
class AplyTgtOut(serializers.Serializer):
    aplyGbCd = serializers.CharField(help_text="적용구분(MK013) 01 적용, 02 제외")
    aplyTypCd = serializers.CharField(
        help_text="적용대상유형(MK014) 01 사이트 02 상품 03 전시카테고리 05 협력사 06 브랜드 08 기획전"
    )
    tgtNo = serializers.CharField()
    tgtNm = serializers.CharField(
        allow_null=True, help_text="상품명/기획전명 (그 밖의 유형은 null)"
    )


class GoodsDetailCpnOut(serializers.Serializer):
    promoNo = serializers.CharField()
    promoNm = serializers.CharField()
    promoTypCd = serializers.CharField()
    cpnIssuMainCd = serializers.CharField()
    cpnIssuWayCd = serializers.CharField()
    fixAmtFxrtGbCd = serializers.CharField(allow_null=True)
    dcRateAmt = serializers.IntegerField(allow_null=True)
    minBuyAmt = serializers.IntegerField()
    minBuyQty = serializers.IntegerField()
    maxDcAmt = serializers.IntegerField(allow_null=True)
    valiStrtDtm = serializers.DateTimeField()
    valiEndDtm = serializers.DateTimeField()
    aplyTgtList = AplyTgtOut(many=True)
    cpnIsuNo = serializers.IntegerField(required=False, help_text="cpnType 10 만: 쿠폰발급번호")
    dnldPsbQty = serializers.IntegerField(
        required=False, help_text="cpnType 20 만: 더 받을 수 있는 수량"
    )


class GoodsDetailCpnListOut(serializers.Serializer):
    promoCnt = serializers.IntegerField(help_text="전체 건수")
    rowsPerPage = serializers.IntegerField()
    pageIdx = serializers.IntegerField()
    list = GoodsDetailCpnOut(many=True)


class IssueResultOut(serializers.Serializer):
    promoNo = serializers.CharField(allow_null=True)
    issuedQty = serializers.IntegerField()
    code = serializers.CharField(
        help_text="OK 또는 거절 사유: "
        + "; ".join(f"{code} {meaning}" for code, meaning in errors.REFUSAL_CODES.items())
    )
    message = serializers.CharField(allow_blank=True)


class IssueOut(serializers.Serializer):
    issuedCnt = serializers.IntegerField()
    results = IssueResultOut(many=True)


class AutoIssuePromotionOut(ApiSerializer):
    promo_no = serializers.CharField()
    promo_nm = serializers.CharField()
    promo_typ_cd = serializers.CharField()
    our_chrg_rate = serializers.IntegerField()
    entr_chrg_rate = serializers.IntegerField()
    fix_amt_fxrt_gb_cd = serializers.CharField(allow_null=True)
    dc_rate_amt = serializers.IntegerField(allow_null=True)
    min_buy_amt = serializers.IntegerField()
    max_dc_amt = serializers.IntegerField(allow_null=True)
    auto_issu_potm_cd = serializers.CharField(allow_null=True)
    anvy_pre_isu_dds = serializers.IntegerField(allow_null=True)
    auto_issu_qty = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key in ("fixAmtFxrtGbCd", "autoIssuPotmCd"):
            data[key] = data[key] or None
        return data


class CpnIssuOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField()
    promoNo = serializers.CharField()
    promoNm = serializers.CharField()
    promoTypCd = serializers.CharField()
    fixAmtFxrtGbCd = serializers.CharField(allow_null=True)
    dcRateAmt = serializers.IntegerField(allow_null=True)
    minBuyQty = serializers.IntegerField()
    minBuyAmt = serializers.IntegerField()
    maxDcAmt = serializers.IntegerField(allow_null=True)
    ordMediaCdList = serializers.ListField(child=serializers.CharField())
    cpnIsuDtm = serializers.DateTimeField()
    valiStrtDtm = serializers.DateTimeField()
    valiEndDtm = serializers.DateTimeField()
    cpnStatCd = serializers.ChoiceField(choices=["ISSUED", "USED", "EXPIRED"])
    useYn = serializers.ChoiceField(
        choices=["Y", "N"], help_text="사용여부: 주문에 사용된 쿠폰(cpnStatCd USED)이면 Y"
    )
    useDtm = serializers.DateTimeField(allow_null=True, help_text="사용일시 (사용된 쿠폰만)")
    ordNo = serializers.CharField(allow_null=True, help_text="사용한 주문번호 (사용된 쿠폰만)")
    usePsbYn = serializers.ChoiceField(
        choices=["Y", "N"], help_text="지금 사용 가능하면 Y (발급 상태, 유효기간·요일/시간 안)"
    )


class CpnIssuListOut(serializers.Serializer):
    promoCnt = serializers.IntegerField(help_text="지금 사용 가능한 쿠폰 수 (usePsbYn=Y)")
    totPromoCnt = serializers.IntegerField(help_text="발급된 전체 쿠폰 수 (회수 제외)")
    rowsPerPage = serializers.IntegerField()
    pageIdx = serializers.IntegerField()
    list = CpnIssuOut(many=True)
