"""Shape only: input serializers check types, choices and ranges; output serializers name fields.

Field names are the seed's camelCase. Rules live in the services (and `Model.clean`); the ranges
here only keep every value inside what the database columns hold, so bad input is a 400, never a
500.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coupons import codes

# Database column ranges (PostgreSQL): a value outside is a 400 here rather than a DataError.
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
SMALLINT_MAX = 2**15 - 1
PAGE_IDX_MAX = 1_000_000
DATETIME_MIN = datetime(1971, 1, 1, tzinfo=UTC)
DATETIME_MAX = datetime(9000, 1, 1, tzinfo=UTC)

PROMO_NO_RE = r"^C\d{7}$"
promo_no_validator = RegexValidator(PROMO_NO_RE, "프로모션번호는 C + 숫자 7자리입니다.")
no_comma = RegexValidator(r"^[^,\s]+$", "쉼표나 공백을 포함할 수 없습니다.")


def _choices(choices_cls):
    return [(c.value, c.label) for c in choices_cls]


class BoundedDateTimeField(serializers.DateTimeField):
    """ISO 8601 (an offset is expected; a naive value is taken as Asia/Seoul), years 1971–8999."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not DATETIME_MIN <= parsed < DATETIME_MAX:
            self.fail("overflow")
        return parsed


@extend_schema_field({"type": "string", "enum": ["Y", "N"]})
class YnField(serializers.Field):
    """ "Y" / "N" on output; accepts "Y"/"N" (any case) or a JSON boolean on input."""

    default_error_messages = {"invalid": '"Y", "N", true 또는 false여야 합니다.'}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.upper() in ("Y", "N"):
            return data.upper() == "Y"
        self.fail("invalid")

    def to_representation(self, value):
        return "Y" if value else "N"


class CodeField(serializers.ChoiceField):
    """A code of a code table; the schema shows the codes as an enum of strings."""

    def __init__(self, choices_cls, **kwargs):
        super().__init__(choices=_choices(choices_cls), **kwargs)


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
        help_text="OK 또는 거절 사유 (NOT_DOWNLOADABLE, SOLD_OUT, MEMBER_LIMIT, …)"
    )
    message = serializers.CharField(allow_blank=True)


class IssueOut(serializers.Serializer):
    issuedCnt = serializers.IntegerField()
    results = IssueResultOut(many=True)


class AutoIssuePromotionOut(serializers.Serializer):
    promoNo = serializers.CharField(source="promo_no")
    promoNm = serializers.CharField(source="promo_nm")
    promoTypCd = serializers.CharField(source="promo_typ_cd")
    ourChrgRate = serializers.IntegerField(source="our_chrg_rate")
    entrChrgRate = serializers.IntegerField(source="entr_chrg_rate")
    fixAmtFxrtGbCd = serializers.CharField(source="fix_amt_fxrt_gb_cd", allow_null=True)
    dcRateAmt = serializers.IntegerField(source="dc_rate_amt", allow_null=True)
    minBuyAmt = serializers.IntegerField(source="min_buy_amt")
    maxDcAmt = serializers.IntegerField(source="max_dc_amt", allow_null=True)
    autoIssuPotmCd = serializers.CharField(source="auto_issu_potm_cd", allow_null=True)
    anvyPreIsuDds = serializers.IntegerField(source="anvy_pre_isu_dds", allow_null=True)
    autoIssuQty = serializers.IntegerField(source="auto_issu_qty", allow_null=True)

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
    useYn = serializers.ChoiceField(choices=["Y", "N"], help_text="지금 사용 가능하면 Y")


class CpnIssuListOut(serializers.Serializer):
    promoCnt = serializers.IntegerField(help_text="지금 사용 가능한 쿠폰 수 (useYn=Y)")
    totPromoCnt = serializers.IntegerField(help_text="발급된 전체 쿠폰 수 (회수 제외)")
    rowsPerPage = serializers.IntegerField()
    pageIdx = serializers.IntegerField()
    list = CpnIssuOut(many=True)


# -- admin API: promotions ---------------------------------------------------------------------
class TargetIO(serializers.Serializer):
    aplyGbCd = CodeField(codes.ApplyKind, source="aply_gb_cd", default=codes.ApplyKind.APPLY)
    aplyTypCd = CodeField(codes.TargetType, source="aply_typ_cd")
    tgtNo = serializers.CharField(max_length=20, source="tgt_no")


def _int(max_value, **kw):
    kw.setdefault("min_value", 0)
    return serializers.IntegerField(max_value=max_value, **kw)


class PromotionIn(serializers.Serializer):
    """Create (POST), replace (PUT) or change (PATCH) a promotion. Y/N fields accept "Y"/"N" or a
    boolean and are answered as "Y"/"N". `allGoodsYn` defaults to "Y" unless `targets` has an apply
    (01) target. Rules are the service's; messages name these camelCase fields."""

    promoNm = serializers.CharField(max_length=100, source="promo_nm")
    promoTypCd = CodeField(codes.PromoType, source="promo_typ_cd")
    cpnIssuMainCd = CodeField(codes.Issuer, source="cpn_issu_main_cd")
    cpnIssuWayCd = CodeField(codes.IssueMethod, source="cpn_issu_way_cd")
    fixAmtFxrtGbCd = CodeField(
        codes.DiscountKind,
        source="fix_amt_fxrt_gb_cd",
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    dcRateAmt = _int(INT_MAX, source="dc_rate_amt", required=False, allow_null=True)
    minBuyAmt = _int(BIGINT_MAX, source="min_buy_amt", required=False)
    minBuyQty = _int(INT_MAX, source="min_buy_qty", required=False)
    maxDcAmt = _int(BIGINT_MAX, source="max_dc_amt", required=False, allow_null=True)
    ourChrgRate = _int(SMALLINT_MAX, source="our_chrg_rate", required=False)
    entrChrgRate = _int(SMALLINT_MAX, source="entr_chrg_rate", required=False)
    promoStrDtm = BoundedDateTimeField(source="promo_str_dtm")
    promoEndDtm = BoundedDateTimeField(source="promo_end_dtm")
    valiBasisCd = CodeField(codes.ValidityBasis, source="vali_basis_cd", required=False)
    valiStrtDtm = BoundedDateTimeField(source="vali_strt_dtm", required=False, allow_null=True)
    valiEndDtm = BoundedDateTimeField(source="vali_end_dtm", required=False, allow_null=True)
    valiDays = _int(SMALLINT_MAX, source="vali_days", required=False, allow_null=True)
    weekdayList = serializers.ListField(
        child=CodeField(codes.Weekday),
        source="weekdays",
        required=False,
        max_length=7,
        help_text="사용 요일 (ISO 1=월 … 7=일); 비우면 모든 요일",
    )
    useStrtTm = serializers.TimeField(
        source="time_from",
        required=False,
        allow_null=True,
        help_text="타임쿠폰 사용 시작 시각 (HH:MM)",
    )
    useEndTm = serializers.TimeField(
        source="time_to",
        required=False,
        allow_null=True,
        help_text="타임쿠폰 사용 종료 시각 (HH:MM)",
    )
    issuLmtQty = _int(
        INT_MAX,
        source="issu_lmt_qty",
        required=False,
        allow_null=True,
        help_text="총 발급한도; null 이면 무제한",
    )
    mbrIssuLmtQty = _int(INT_MAX, source="mbr_issu_lmt_qty", required=False, min_value=1)
    ordMediaCdList = serializers.ListField(
        child=CodeField(codes.OrdMedia), source="ord_media_cds", min_length=1, max_length=6
    )
    gradeCdList = serializers.ListField(
        child=CodeField(codes.Grade),
        source="grade_cds",
        required=False,
        max_length=5,
        help_text="비우면 전체 등급",
    )
    uprGradeAplyYn = YnField(
        source="upr_grade_aply_yn", required=False, help_text='"Y"/"N" (또는 true/false)'
    )
    siteNoList = serializers.ListField(
        child=serializers.CharField(max_length=10, validators=[no_comma]),
        source="site_nos",
        required=False,
        max_length=15,
        help_text="비우면 전체 사이트",
    )
    allGoodsYn = YnField(
        source="all_goods_yn",
        required=False,
        help_text='"Y": 전체상품(제외 대상만 뺌), "N": 적용 대상에만',
    )
    targets = TargetIO(many=True, required=False, help_text="적용/제외 대상")
    dcCpnCd = serializers.CharField(
        max_length=20, source="dc_cpn_cd", required=False, allow_null=True, allow_blank=True
    )
    autoIssuTypCd = serializers.CharField(
        max_length=4, source="auto_issu_typ_cd", required=False, allow_blank=True
    )
    autoIssuPotmCd = CodeField(
        codes.AutoIssueTiming, source="auto_issu_potm_cd", required=False, allow_blank=True
    )
    anvyPreIsuDds = _int(SMALLINT_MAX, source="anvy_pre_isu_dds", required=False, allow_null=True)
    autoIssuQty = _int(SMALLINT_MAX, source="auto_issu_qty", required=False, allow_null=True)

    def validate_targets(self, value):
        if len(value) > 1000:
            raise serializers.ValidationError("적용대상은 1,000개까지입니다.")
        return value

    def validate(self, attrs):
        if attrs.get("fix_amt_fxrt_gb_cd") is None and "fix_amt_fxrt_gb_cd" in attrs:
            attrs["fix_amt_fxrt_gb_cd"] = ""
        if "dc_cpn_cd" in attrs:
            attrs["dc_cpn_cd"] = attrs["dc_cpn_cd"] or None
        if "targets" in attrs and "all_goods_yn" not in attrs:
            attrs["all_goods_yn"] = not any(
                t["aply_gb_cd"] == codes.ApplyKind.APPLY for t in attrs["targets"]
            )
        return attrs


class PromotionOut(serializers.Serializer):
    promoNo = serializers.CharField(source="promo_no")
    promoNm = serializers.CharField(source="promo_nm")
    promoTypCd = serializers.CharField(source="promo_typ_cd")
    cpnIssuMainCd = serializers.CharField(source="cpn_issu_main_cd")
    cpnIssuWayCd = serializers.CharField(source="cpn_issu_way_cd")
    fixAmtFxrtGbCd = serializers.CharField(source="fix_amt_fxrt_gb_cd")
    dcRateAmt = serializers.IntegerField(source="dc_rate_amt", allow_null=True)
    minBuyAmt = serializers.IntegerField(source="min_buy_amt")
    minBuyQty = serializers.IntegerField(source="min_buy_qty")
    maxDcAmt = serializers.IntegerField(source="max_dc_amt", allow_null=True)
    ourChrgRate = serializers.IntegerField(source="our_chrg_rate")
    entrChrgRate = serializers.IntegerField(source="entr_chrg_rate")
    promoStrDtm = serializers.DateTimeField(source="promo_str_dtm")
    promoEndDtm = serializers.DateTimeField(source="promo_end_dtm")
    valiBasisCd = serializers.CharField(source="vali_basis_cd")
    valiStrtDtm = serializers.DateTimeField(source="vali_strt_dtm", allow_null=True)
    valiEndDtm = serializers.DateTimeField(source="vali_end_dtm", allow_null=True)
    valiDays = serializers.IntegerField(source="vali_days", allow_null=True)
    weekdayList = serializers.ListField(child=serializers.CharField(), source="weekdays")
    useStrtTm = serializers.TimeField(source="time_from", allow_null=True)
    useEndTm = serializers.TimeField(source="time_to", allow_null=True)
    issuLmtQty = serializers.IntegerField(source="issu_lmt_qty", allow_null=True)
    issuQty = serializers.IntegerField(source="issu_qty", help_text="발급수량 (읽기 전용)")
    mbrIssuLmtQty = serializers.IntegerField(source="mbr_issu_lmt_qty")
    ordMediaCdList = serializers.ListField(child=serializers.CharField(), source="ord_media_cds")
    gradeCdList = serializers.ListField(child=serializers.CharField(), source="grade_cds")
    uprGradeAplyYn = YnField(source="upr_grade_aply_yn")
    siteNoList = serializers.ListField(child=serializers.CharField(), source="site_nos")
    allGoodsYn = YnField(source="all_goods_yn")
    targets = TargetIO(many=True, source="targets.all")
    dcCpnCd = serializers.CharField(source="dc_cpn_cd", allow_null=True)
    autoIssuTypCd = serializers.CharField(source="auto_issu_typ_cd")
    autoIssuPotmCd = serializers.CharField(source="auto_issu_potm_cd")
    anvyPreIsuDds = serializers.IntegerField(source="anvy_pre_isu_dds", allow_null=True)
    autoIssuQty = serializers.IntegerField(source="auto_issu_qty", allow_null=True)
    promoStatCd = serializers.CharField(
        source="promo_stat_cd", help_text="DRAFT/APPROVED/SUSPENDED/ENDED (읽기 전용)"
    )
    aprvDtm = serializers.DateTimeField(source="approved_at", allow_null=True, help_text="승인일시")


# model field name -> camelCase, to translate the service's field errors
PROMOTION_FIELD_NAMES = {
    f.source: name for name, f in PromotionIn().fields.items() if f.source and f.source != "*"
}
PROMOTION_FIELD_NAMES.update(
    {
        "promo_stat_cd": "promoStatCd",
        "issu_qty": "issuQty",
        "approved_by": "approvedBy",
        "__all__": "non_field_errors",
    }
)


class NoBody(serializers.Serializer):
    """An action without a request body."""


# -- admin API: members, goods, exhibitions ----------------------------------------------------
class MemberOut(serializers.Serializer):
    mbrNo = serializers.CharField(source="mbr_no")
    gradeCd = serializers.CharField(source="grade_cd")
    birthday = serializers.DateField(allow_null=True)
    anniversary = serializers.DateField(allow_null=True)
    joinedAt = serializers.DateTimeField(source="joined_at", allow_null=True)
    siteNo = serializers.CharField(source="site_no")


class GoodsOut(serializers.Serializer):
    goodsNo = serializers.CharField(source="goods_no")
    goodsNm = serializers.CharField(source="goods_nm")
    salePrice = serializers.IntegerField(source="sale_price")
    entrNo = serializers.CharField(source="entr_no")
    dispCtgNo = serializers.CharField(source="disp_ctg_no")
    brandNo = serializers.CharField(source="brand_no")
    siteNo = serializers.CharField(source="site_no")


class ExhibitionOut(serializers.Serializer):
    exhibitionNo = serializers.CharField(source="exhibition_no")
    exhibitionNm = serializers.CharField(source="exhibition_nm")
    goodsNoList = serializers.SerializerMethodField()

    def get_goodsNoList(self, obj) -> list[str]:
        return sorted(g.goods_no for g in obj.goods.all())


class MemberRowIn(serializers.Serializer):
    mbrNo = serializers.CharField(max_length=20)
    gradeCd = CodeField(codes.Grade)
    birthday = serializers.DateField(required=False, allow_null=True)
    anniversary = serializers.DateField(required=False, allow_null=True)
    joinedAt = serializers.DateTimeField(required=False, allow_null=True)
    siteNo = serializers.CharField(max_length=10, required=False)


class GoodsRowIn(serializers.Serializer):
    goodsNo = serializers.CharField(max_length=20)
    goodsNm = serializers.CharField(max_length=200)
    salePrice = serializers.IntegerField(min_value=0)
    entrNo = serializers.CharField(max_length=20)
    dispCtgNo = serializers.CharField(max_length=20)
    brandNo = serializers.CharField(max_length=20, required=False, allow_blank=True)
    siteNo = serializers.CharField(max_length=10, required=False)


class ExhibitionRowIn(serializers.Serializer):
    exhibitionNo = serializers.CharField(max_length=20)
    exhibitionNm = serializers.CharField(max_length=200)
    goodsNoList = serializers.ListField(child=serializers.CharField(max_length=20))


BULK_MAX_ROWS = 10_000


class BulkIn(serializers.Serializer):
    """`rows`: up to 10,000 objects. Each row is checked on its own: a bad row is reported in
    `rejected` with its 1-based index and never stops the good ones."""

    rows = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=BULK_MAX_ROWS
    )


class MembersBulkDoc(serializers.Serializer):
    """Schema only: the row shape of `members/bulk/` (rows are validated one by one)."""

    rows = MemberRowIn(many=True)


class GoodsBulkDoc(serializers.Serializer):
    """Schema only: the row shape of `goods/bulk/`."""

    rows = GoodsRowIn(many=True)


class ExhibitionsBulkDoc(serializers.Serializer):
    """Schema only: the row shape of `exhibitions/bulk/`."""

    rows = ExhibitionRowIn(many=True)


class RejectedRowOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="1부터 센 행 번호")
    reason = serializers.CharField()


class BulkOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = RejectedRowOut(many=True)


# -- admin API: member coupons, compensation ---------------------------------------------------
class MemberCouponOut(serializers.Serializer):
    cpnIsuNo = serializers.IntegerField(source="cpn_isu_no")
    mbrNo = serializers.CharField(source="member_id")
    promoNo = serializers.CharField(source="promotion.promo_no")
    seq = serializers.IntegerField()
    cpnIsuDtm = serializers.DateTimeField(source="issued_at")
    valiStrtDtm = serializers.DateTimeField(source="valid_from")
    valiEndDtm = serializers.DateTimeField(source="valid_until")
    cpnStatCd = serializers.CharField(source="status")
    channel = serializers.CharField()
    csCpnPayCausCd = serializers.CharField(source="cs_cpn_pay_caus_cd")
    systemUserNo = serializers.CharField(source="system_user_no")
    autoIssuOdr = serializers.CharField(source="auto_issu_odr")
    memo = serializers.CharField()
    ordNo = serializers.CharField(source="ord_no")
    issuedBy = serializers.CharField(source="issued_by.get_username", allow_null=True, default=None)
    revokedBy = serializers.CharField(
        source="revoked_by.get_username", allow_null=True, default=None
    )
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)
    revokeReason = serializers.CharField(source="revoke_reason")


class RevokeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="회수 사유 (필수)")


class CompensationIn(serializers.Serializer):
    mbrNoList = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=BULK_MAX_ROWS,
        help_text="회원번호 목록",
    )
    promoNo = serializers.CharField(
        max_length=8, validators=[promo_no_validator], help_text="CS보상쿠폰(발급주체 20) 프로모션"
    )
    csCpnPayCausCd = CodeField(codes.CsReason, help_text="보상사유(MK021), 필수")
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    ordNo = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    preview = serializers.BooleanField(
        required=False, default=False, help_text="true 면 검증만 하고 발급하지 않음"
    )


class CompensationRowOut(serializers.Serializer):
    mbrNo = serializers.CharField()
    issuedQty = serializers.IntegerField()
    code = serializers.CharField(
        help_text="OK 또는 문제 (UNKNOWN_MEMBER, MEMBER_LIMIT, GRADE_NOT_ELIGIBLE, …)"
    )
    message = serializers.CharField(allow_blank=True)


class CompensationOut(serializers.Serializer):
    preview = serializers.BooleanField()
    runId = serializers.IntegerField(allow_null=True, help_text="발급 실행 번호 (preview 면 null)")
    runStatCd = serializers.CharField(
        allow_null=True, help_text="PENDING/RUNNING/DONE/FAILED (preview 면 null)"
    )
    issuedCnt = serializers.IntegerField()
    results = CompensationRowOut(many=True)
