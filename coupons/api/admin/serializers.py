"""Shape only, for the admin REST API (/api/v1/admin/): input serializers check types, choices and
ranges; output serializers name fields. Fields are declared under the service names and exposed
under the API names of `coupons.api.names`; the rules are the service's (SPEC §3)."""

from __future__ import annotations

from rest_framework import serializers

from coupons import codes
from coupons.api.fields import (
    BIGINT_MAX,
    INT_MAX,
    SMALLINT_MAX,
    ApiSerializer,
    BoundedDateTimeField,
    CodeField,
    YnField,
    bounded_int,
    no_comma,
    promo_no_validator,
)
from coupons.api.names import api_name


# -- admin API: promotions ---------------------------------------------------------------------
class TargetIO(ApiSerializer):
    aply_gb_cd = CodeField(codes.ApplyKind, default=codes.ApplyKind.APPLY)
    aply_typ_cd = CodeField(codes.TargetType)
    tgt_no = serializers.CharField(max_length=20)

    def validate(self, attrs):
        # A PATCH is partial for the promotion, not for a target: DRF skips a nested field missing
        # from a partial update, so a target given whole is checked here (`[{}]` was a KeyError).
        missing = {
            api_name(name): [self.fields[api_name(name)].error_messages["required"]]
            for name in ("aply_typ_cd", "tgt_no")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        attrs.setdefault("aply_gb_cd", codes.ApplyKind.APPLY)
        return attrs


class PromotionIn(ApiSerializer):
    """Create (POST), replace (PUT) or change (PATCH) a promotion. Y/N fields accept "Y"/"N" or a
    boolean and are answered as "Y"/"N". `allGoodsYn` defaults to "Y" unless `targets` has an apply
    (01) target. Rules are the service's; messages name these camelCase fields."""

    promo_nm = serializers.CharField(max_length=100)
    promo_typ_cd = CodeField(codes.PromoType)
    cpn_issu_main_cd = CodeField(codes.Issuer)
    cpn_issu_way_cd = CodeField(codes.IssueMethod)
    fix_amt_fxrt_gb_cd = CodeField(
        codes.DiscountKind,
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    dc_rate_amt = bounded_int(INT_MAX, required=False, allow_null=True)
    min_buy_amt = bounded_int(BIGINT_MAX, required=False)
    min_buy_qty = bounded_int(INT_MAX, required=False)
    max_dc_amt = bounded_int(BIGINT_MAX, required=False, allow_null=True)
    our_chrg_rate = bounded_int(SMALLINT_MAX, required=False)
    entr_chrg_rate = bounded_int(SMALLINT_MAX, required=False)
    promo_str_dtm = BoundedDateTimeField()
    promo_end_dtm = BoundedDateTimeField()
    vali_basis_cd = CodeField(codes.ValidityBasis, required=False)
    vali_strt_dtm = BoundedDateTimeField(required=False, allow_null=True)
    vali_end_dtm = BoundedDateTimeField(required=False, allow_null=True)
    vali_days = bounded_int(SMALLINT_MAX, required=False, allow_null=True)
    weekdays = serializers.ListField(
        child=CodeField(codes.Weekday),
        required=False,
        max_length=7,
        help_text="사용 요일 (ISO 1=월 … 7=일); 비우면 모든 요일",
    )
    time_from = serializers.TimeField(
        required=False,
        allow_null=True,
        help_text="타임쿠폰 사용 시작 시각 (HH:MM)",
    )
    time_to = serializers.TimeField(
        required=False,
        allow_null=True,
        help_text="타임쿠폰 사용 종료 시각 (HH:MM)",
    )
    issu_lmt_qty = bounded_int(
        INT_MAX,
        required=False,
        allow_null=True,
        help_text="총 발급한도; null 이면 무제한",
    )
    mbr_issu_lmt_qty = bounded_int(INT_MAX, required=False)  # ≥ 1: rules.member_limit_positive
    # "at least one" is a rule (rules.order_media_chosen): the service says it, as in the admin
    ord_media_cds = serializers.ListField(child=CodeField(codes.OrdMedia), max_length=6)
    grade_cds = serializers.ListField(
        child=CodeField(codes.Grade),
        required=False,
        max_length=5,
        help_text="비우면 전체 등급",
    )
    upr_grade_aply_yn = YnField(required=False, help_text='"Y"/"N" (또는 true/false)')
    site_nos = serializers.ListField(
        child=serializers.CharField(max_length=10, validators=[no_comma]),
        required=False,
        max_length=15,
        help_text="비우면 전체 사이트",
    )
    all_goods_yn = YnField(
        required=False,
        help_text='"Y": 전체상품(제외 대상만 뺌), "N": 적용 대상에만',
    )
    targets = TargetIO(many=True, required=False, help_text="적용/제외 대상")
    dc_cpn_cd = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True
    )
    auto_issu_typ_cd = serializers.CharField(max_length=4, required=False, allow_blank=True)
    auto_issu_potm_cd = CodeField(codes.AutoIssueTiming, required=False, allow_blank=True)
    anvy_pre_isu_dds = bounded_int(SMALLINT_MAX, required=False, allow_null=True)
    auto_issu_qty = bounded_int(SMALLINT_MAX, required=False, allow_null=True)
    budget_amt = bounded_int(
        BIGINT_MAX, required=False, allow_null=True, help_text="예산(원); null 이면 한도 없음"
    )

    def validate_targets(self, value):
        if len(value) > 1000:
            raise serializers.ValidationError("적용대상은 1,000개까지입니다.")
        return value

    def validate(self, attrs):
        if attrs.get("fix_amt_fxrt_gb_cd") is None and "fix_amt_fxrt_gb_cd" in attrs:
            attrs["fix_amt_fxrt_gb_cd"] = ""
        if "targets" in attrs and "all_goods_yn" not in attrs:
            attrs["all_goods_yn"] = not any(
                t["aply_gb_cd"] == codes.ApplyKind.APPLY for t in attrs["targets"]
            )
        return attrs


class PromotionOut(ApiSerializer):
    promo_no = serializers.CharField()
    promo_nm = serializers.CharField()
    promo_typ_cd = serializers.CharField()
    cpn_issu_main_cd = serializers.CharField()
    cpn_issu_way_cd = serializers.CharField()
    fix_amt_fxrt_gb_cd = serializers.CharField()
    dc_rate_amt = serializers.IntegerField(allow_null=True)
    min_buy_amt = serializers.IntegerField()
    min_buy_qty = serializers.IntegerField()
    max_dc_amt = serializers.IntegerField(allow_null=True)
    our_chrg_rate = serializers.IntegerField()
    entr_chrg_rate = serializers.IntegerField()
    promo_str_dtm = serializers.DateTimeField()
    promo_end_dtm = serializers.DateTimeField()
    vali_basis_cd = serializers.CharField()
    vali_strt_dtm = serializers.DateTimeField(allow_null=True)
    vali_end_dtm = serializers.DateTimeField(allow_null=True)
    vali_days = serializers.IntegerField(allow_null=True)
    weekdays = serializers.ListField(child=serializers.CharField())
    time_from = serializers.TimeField(allow_null=True)
    time_to = serializers.TimeField(allow_null=True)
    issu_lmt_qty = serializers.IntegerField(allow_null=True)
    issu_qty = serializers.IntegerField(help_text="발급수량 (읽기 전용)")
    mbr_issu_lmt_qty = serializers.IntegerField()
    ord_media_cds = serializers.ListField(child=serializers.CharField())
    grade_cds = serializers.ListField(child=serializers.CharField())
    upr_grade_aply_yn = YnField()
    site_nos = serializers.ListField(child=serializers.CharField())
    all_goods_yn = YnField()
    targets = TargetIO(many=True, source="targets.all")
    dc_cpn_cd = serializers.CharField(allow_null=True)
    auto_issu_typ_cd = serializers.CharField()
    auto_issu_potm_cd = serializers.CharField()
    anvy_pre_isu_dds = serializers.IntegerField(allow_null=True)
    auto_issu_qty = serializers.IntegerField(allow_null=True)
    budget_amt = serializers.IntegerField(
        allow_null=True, help_text="예산(원); null 이면 한도 없음"
    )
    budget_used = serializers.IntegerField(help_text="사용 할인금액(원, 읽기 전용)")
    budget_burn = serializers.IntegerField(
        allow_null=True, help_text="예산 소진율(%, 읽기 전용; 예산이 없으면 null)"
    )
    promo_stat_cd = serializers.CharField(help_text="DRAFT/APPROVED/SUSPENDED/ENDED (읽기 전용)")
    approved_at = serializers.DateTimeField(allow_null=True, help_text="승인일시")


# -- admin API: members, goods, exhibitions ----------------------------------------------------
class MemberOut(ApiSerializer):
    mbr_no = serializers.CharField()
    grade_cd = serializers.CharField()
    birthday = serializers.DateField(allow_null=True)
    anniversary = serializers.DateField(allow_null=True)
    joined_at = serializers.DateTimeField(allow_null=True)
    site_no = serializers.CharField()


class GoodsOut(ApiSerializer):
    goods_no = serializers.CharField()
    goods_nm = serializers.CharField()
    sale_price = serializers.IntegerField()
    entr_no = serializers.CharField()
    disp_ctg_no = serializers.CharField()
    brand_no = serializers.CharField()
    site_no = serializers.CharField()


class ExhibitionOut(ApiSerializer):
    exhibition_no = serializers.CharField()
    exhibition_nm = serializers.CharField()
    goods_nos = serializers.SerializerMethodField(method_name="get_goods_nos")

    def get_goods_nos(self, obj) -> list[str]:
        return sorted(g.goods_no for g in obj.goods.all())


class MemberRowIn(ApiSerializer):
    mbr_no = serializers.CharField(max_length=20)
    grade_cd = CodeField(codes.Grade)
    birthday = serializers.DateField(required=False, allow_null=True)
    anniversary = serializers.DateField(required=False, allow_null=True)
    joined_at = serializers.DateTimeField(required=False, allow_null=True)
    site_no = serializers.CharField(max_length=10, required=False)


class GoodsRowIn(ApiSerializer):
    goods_no = serializers.CharField(max_length=20)
    goods_nm = serializers.CharField(max_length=200)
    sale_price = serializers.IntegerField(min_value=0)
    entr_no = serializers.CharField(max_length=20)
    disp_ctg_no = serializers.CharField(max_length=20)
    brand_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
    site_no = serializers.CharField(max_length=10, required=False)


class ExhibitionRowIn(ApiSerializer):
    exhibition_no = serializers.CharField(max_length=20)
    exhibition_nm = serializers.CharField(max_length=200)
    goods_nos = serializers.ListField(child=serializers.CharField(max_length=20))


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
class MemberCouponOut(ApiSerializer):
    cpn_isu_no = serializers.IntegerField()
    member = serializers.CharField(source="member_id")
    promotion = serializers.CharField(source="promotion.promo_no")
    seq = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    status = serializers.CharField()
    channel = serializers.CharField()
    cs_cpn_pay_caus_cd = serializers.CharField()
    system_user_no = serializers.CharField()
    auto_issu_odr = serializers.CharField()
    memo = serializers.CharField()
    ord_no = serializers.CharField()
    issued_by = serializers.CharField(
        source="issued_by.get_username", allow_null=True, default=None
    )
    revoked_by = serializers.CharField(
        source="revoked_by.get_username", allow_null=True, default=None
    )
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()


class RevokeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="회수 사유 (필수)")


class CompensationIn(ApiSerializer):
    mbr_nos = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=BULK_MAX_ROWS,
        help_text="회원번호 목록",
    )
    promotion = serializers.CharField(
        max_length=8, validators=[promo_no_validator], help_text="CS보상쿠폰(발급주체 20) 프로모션"
    )
    cs_cpn_pay_caus_cd = CodeField(codes.CsReason, help_text="보상사유(MK021), 필수")
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    ord_no = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
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


# -- admin API: coupon uses (SPEC §7) ------------------------------------------------------------
class CouponUseLineOut(serializers.Serializer):
    ordGoodsSeq = serializers.IntegerField(source="ord_goods_seq")
    dcAmt = serializers.IntegerField(source="dc_amt")
    ourDcAmt = serializers.IntegerField(source="our_dc_amt")
    entrDcAmt = serializers.IntegerField(source="entr_dc_amt")
    clmNo = serializers.CharField(
        source="clm_no", help_text="취소한 클레임번호 (취소 전이면 빈 값)"
    )
    cnclDtm = serializers.DateTimeField(source="cancelled_at", allow_null=True)


class CouponUseOut(serializers.Serializer):
    useNo = serializers.IntegerField(source="pk", help_text="사용 번호")
    ordNo = serializers.CharField(source="ord_no")
    mbrNo = serializers.CharField(source="member_id")
    cpnIsuNo = serializers.IntegerField(source="member_coupon_id")
    promoNo = serializers.CharField(source="promotion.promo_no")
    promoTypCd = serializers.CharField(source="promo_typ_cd")
    ordGoodsSeq = serializers.IntegerField(source="ord_goods_seq", allow_null=True)
    deliNo = serializers.CharField(source="deli_no")
    dcAmt = serializers.IntegerField(source="dc_amt")
    ourDcAmt = serializers.IntegerField(source="our_dc_amt", help_text="당사부담")
    entrDcAmt = serializers.IntegerField(source="entr_dc_amt", help_text="협력사부담")
    useDtm = serializers.DateTimeField(source="used_at")
    clawbackAmt = serializers.IntegerField(source="clawback_amt", help_text="환수 할인금액")
    rstrDtm = serializers.DateTimeField(source="restored_at", allow_null=True)
    rstrClmNo = serializers.CharField(source="restore_clm_no")
    rstrStatCd = serializers.CharField(
        source="restored_status", help_text="복원 후 상태 ISSUED/EXPIRED (복원 전이면 빈 값)"
    )
    goodsList = CouponUseLineOut(many=True, source="lines.all")
