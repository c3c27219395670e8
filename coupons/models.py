"""The mall's promotions (coupon masters), issued member coupons, and the catalog mirror."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from . import codes, rules
from .fields import CodeListField


class CommonCode(models.Model):
    """An entry of an extensible code table (MK008 auto-issue types in particular)."""

    group = models.CharField(_("코드그룹"), max_length=10, db_index=True)
    code = models.CharField(_("코드"), max_length=10)
    name = models.CharField(_("코드명"), max_length=100)
    sort_order = models.PositiveIntegerField(_("정렬순서"), default=0)
    in_use = models.BooleanField(_("사용여부"), default=True)

    class Meta:
        verbose_name = _("공통코드")
        verbose_name_plural = _("공통코드")
        ordering = ["group", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="commoncode_group_code_uniq"),
        ]

    def __str__(self):
        return f"{self.group} {self.code} {self.name}"

    def clean(self):
        if self.group == "MK008" and not re.fullmatch(r"\d{4}", self.code or ""):
            raise ValidationError({"code": _("자동발급유형(MK008) 코드는 숫자 4자리입니다.")})


class Member(models.Model):
    """Mirror of a mall member: enough to decide eligibility."""

    mbr_no = models.CharField(_("회원번호"), max_length=20, primary_key=True)
    grade_cd = models.CharField(_("회원등급"), max_length=2, choices=codes.Grade.choices)
    birthday = models.DateField(_("생일"), null=True, blank=True)
    anniversary = models.DateField(_("결혼기념일"), null=True, blank=True)
    joined_at = models.DateTimeField(_("가입일시"), null=True, blank=True)
    site_no = models.CharField(_("사이트번호"), max_length=10, default="1")

    class Meta:
        verbose_name = _("회원")
        verbose_name_plural = _("회원")
        ordering = ["mbr_no"]

    def __str__(self):
        return self.mbr_no


class Goods(models.Model):
    """Mirror of a catalog goods: price and the codes a coupon can target."""

    goods_no = models.CharField(_("상품번호"), max_length=20, primary_key=True)
    goods_nm = models.CharField(_("상품명"), max_length=200)
    sale_price = models.PositiveBigIntegerField(_("판매가(원)"))
    entr_no = models.CharField(_("협력사번호"), max_length=20, db_index=True)
    disp_ctg_no = models.CharField(_("전시카테고리번호"), max_length=20, db_index=True)
    brand_no = models.CharField(_("브랜드번호"), max_length=20, blank=True, db_index=True)
    site_no = models.CharField(_("사이트번호"), max_length=10, default="1")

    class Meta:
        verbose_name = _("상품")
        verbose_name_plural = _("상품")
        ordering = ["goods_no"]

    def __str__(self):
        return f"{self.goods_no} {self.goods_nm}"


class Exhibition(models.Model):
    """A 기획전 (curated exhibition) and the goods in it."""

    exhibition_no = models.CharField(_("기획전번호"), max_length=20, primary_key=True)
    exhibition_nm = models.CharField(_("기획전명"), max_length=200)
    goods = models.ManyToManyField(
        Goods, related_name="exhibitions", blank=True, verbose_name=_("상품")
    )

    class Meta:
        verbose_name = _("기획전")
        verbose_name_plural = _("기획전")
        ordering = ["exhibition_no"]

    def __str__(self):
        return f"{self.exhibition_no} {self.exhibition_nm}"


class PromoNoCounter(models.Model):
    """One row holding the next promoNo; moved by an atomic UPDATE … RETURNING."""

    name = models.CharField(max_length=20, primary_key=True)
    next_value = models.BigIntegerField()

    class Meta:
        verbose_name = _("프로모션번호 채번")
        verbose_name_plural = _("프로모션번호 채번")

    def __str__(self):
        return f"{self.name}: {self.next_value}"


# Fields that make up a promotion's terms: frozen once a coupon has been issued (rule 8).
FROZEN_FIELDS = (
    "promo_typ_cd",
    "cpn_issu_main_cd",
    "cpn_issu_way_cd",
    "fix_amt_fxrt_gb_cd",
    "dc_rate_amt",
    "min_buy_amt",
    "min_buy_qty",
    "max_dc_amt",
    "our_chrg_rate",
    "entr_chrg_rate",
    "vali_basis_cd",
    "vali_strt_dtm",
    "vali_end_dtm",
    "vali_days",
    "weekdays",
    "time_from",
    "time_to",
    "mbr_issu_lmt_qty",
    "ord_media_cds",
    "grade_cds",
    "upr_grade_aply_yn",
    "site_nos",
    "all_goods_yn",
    "dc_cpn_cd",
    "auto_issu_typ_cd",
)


class Promotion(models.Model):
    """A coupon master (프로모션): discount, eligibility, limits, validity, status."""

    promo_no = models.CharField(_("프로모션번호"), max_length=8, unique=True, editable=False)
    promo_nm = models.CharField(_("프로모션명"), max_length=100)
    promo_typ_cd = models.CharField(
        _("프로모션유형"), max_length=2, choices=codes.PromoType.choices
    )
    cpn_issu_main_cd = models.CharField(
        _("쿠폰발급주체"), max_length=2, choices=codes.Issuer.choices
    )
    cpn_issu_way_cd = models.CharField(
        _("쿠폰발급방식"), max_length=2, choices=codes.IssueMethod.choices
    )

    fix_amt_fxrt_gb_cd = models.CharField(
        _("정액/정률"), max_length=2, choices=codes.DiscountKind.choices, blank=True
    )
    dc_rate_amt = models.PositiveIntegerField(
        _("할인금액/율"), null=True, blank=True, help_text=_("정액이면 원, 정률이면 %")
    )
    min_buy_amt = models.PositiveBigIntegerField(_("최소구매금액"), default=0)
    min_buy_qty = models.PositiveIntegerField(_("최소구매수량"), default=1)
    max_dc_amt = models.PositiveBigIntegerField(_("최대할인금액"), null=True, blank=True)
    our_chrg_rate = models.PositiveSmallIntegerField(_("당사부담율(%)"), default=100)
    entr_chrg_rate = models.PositiveSmallIntegerField(_("협력사부담율(%)"), default=0)

    promo_str_dtm = models.DateTimeField(_("프로모션 시작일시"))
    promo_end_dtm = models.DateTimeField(_("프로모션 종료일시"))
    vali_basis_cd = models.CharField(
        _("유효기간 기준"),
        max_length=2,
        choices=codes.ValidityBasis.choices,
        default=codes.ValidityBasis.FIXED,
    )
    vali_strt_dtm = models.DateTimeField(_("유효기간 시작일시"), null=True, blank=True)
    vali_end_dtm = models.DateTimeField(_("유효기간 종료일시"), null=True, blank=True)
    vali_days = models.PositiveSmallIntegerField(_("발급 후 유효일수"), null=True, blank=True)
    weekdays = CodeListField(
        _("사용 요일"), choices=codes.Weekday.choices, help_text=_("비우면 모든 요일")
    )
    time_from = models.TimeField(_("사용 시작 시각"), null=True, blank=True)
    time_to = models.TimeField(_("사용 종료 시각"), null=True, blank=True)

    issu_lmt_qty = models.PositiveIntegerField(
        _("총 발급한도"), null=True, blank=True, help_text=_("비우면 무제한")
    )
    issu_qty = models.PositiveIntegerField(_("발급수량"), default=0, editable=False)
    mbr_issu_lmt_qty = models.PositiveIntegerField(_("회원당 발급한도"), default=1)
    budget_amt = models.PositiveBigIntegerField(
        _("예산(원)"), null=True, blank=True, help_text=_("비우면 예산 한도 없음")
    )
    # Moved only by coupons.use's conditional UPDATEs (a use adds its dcAmt, a restore gives it back).
    budget_used = models.PositiveBigIntegerField(_("사용 할인금액(원)"), default=0, editable=False)

    # "at least one" is rules.order_media_chosen (one message in the admin and the API)
    ord_media_cds = CodeListField(_("주문매체"), choices=codes.OrdMedia.choices)
    grade_cds = CodeListField(
        _("회원등급"), choices=codes.Grade.choices, help_text=_("비우면 전체 등급")
    )
    upr_grade_aply_yn = models.BooleanField(_("상위등급 포함"), default=False)
    site_nos = CodeListField(_("사이트"), help_text=_("쉼표로 구분, 비우면 전체 사이트"))
    all_goods_yn = models.BooleanField(
        _("전체상품 적용"),
        default=True,
        help_text=_("해제하면 적용대상(상품/카테고리/협력사/브랜드/기획전/사이트)에만 적용"),
    )

    dc_cpn_cd = models.CharField(
        _("할인쿠폰코드"), max_length=20, null=True, blank=True, unique=True
    )
    auto_issu_typ_cd = models.CharField(_("자동발급유형(MK008)"), max_length=4, blank=True)
    auto_issu_potm_cd = models.CharField(
        _("자동발급시점"), max_length=2, blank=True, choices=codes.AutoIssueTiming.choices
    )
    anvy_pre_isu_dds = models.PositiveSmallIntegerField(_("사전발급일수"), null=True, blank=True)
    auto_issu_qty = models.PositiveSmallIntegerField(_("자동발급수량"), null=True, blank=True)

    promo_stat_cd = models.CharField(
        _("상태"),
        max_length=10,
        choices=codes.PromoStatus.choices,
        default=codes.PromoStatus.DRAFT,
        editable=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("승인자"),
    )
    approved_at = models.DateTimeField(_("승인일시"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("등록자"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("최종수정자"),
    )
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
        verbose_name=_("원본 프로모션"),
    )

    class Meta:
        verbose_name = _("프로모션(쿠폰)")
        verbose_name_plural = _("프로모션(쿠폰)")
        ordering = ["-promo_no"]
        permissions = [
            ("approve_promotion", _("프로모션 승인/중지/종료")),
        ]
        indexes = [
            models.Index(
                fields=["promo_stat_cd", "cpn_issu_way_cd", "promo_end_dtm"],
                name="promo_status_way_end_idx",
            ),
            models.Index(fields=["auto_issu_typ_cd", "promo_stat_cd"], name="promo_autotype_idx"),
            # The all-goods promotions, a goods-detail lookup's candidates besides its targets.
            models.Index(fields=["id"], condition=Q(all_goods_yn=True), name="promo_all_goods_idx"),
            # The desk's "near the limit or budget" section: the approved promotions that have
            # either, by end. Neither issu_qty nor budget_used is in it, so issuing pays nothing.
            models.Index(
                fields=["promo_end_dtm"],
                condition=Q(promo_stat_cd="APPROVED")
                & (Q(issu_lmt_qty__isnull=False) | Q(budget_amt__isnull=False)),
                name="promo_limited_end_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(our_chrg_rate__lte=rules.CHARGE_RATE_MAX)
                & Q(entr_chrg_rate__lte=rules.CHARGE_RATE_MAX)
                & Q(our_chrg_rate=rules.CHARGE_TOTAL - F("entr_chrg_rate")),
                name="promo_cost_split_100",
            ),
            models.CheckConstraint(
                condition=Q(promo_str_dtm__lt=F("promo_end_dtm")), name="promo_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(issu_lmt_qty__isnull=True) | Q(issu_qty__lte=F("issu_lmt_qty")),
                name="promo_issued_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(mbr_issu_lmt_qty__gte=rules.MEMBER_LIMIT_MIN),
                name="promo_member_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(budget_amt__isnull=True) | Q(budget_used__lte=F("budget_amt")),
                name="promo_used_within_budget",
            ),
        ]

    def __str__(self):
        return f"{self.promo_no} {self.promo_nm}"

    # -- derived ---------------------------------------------------------------------------
    @property
    def has_discount(self) -> bool:
        return self.promo_typ_cd not in codes.NO_DISCOUNT_TYPES

    @property
    def remaining_qty(self) -> int | None:
        return None if self.issu_lmt_qty is None else max(self.issu_lmt_qty - self.issu_qty, 0)

    @property
    def budget_left(self) -> int | None:
        return None if self.budget_amt is None else max(self.budget_amt - self.budget_used, 0)

    @property
    def budget_burn(self) -> int | None:
        """Used amount as a whole percentage of the budget (None without a budget)."""
        if not self.budget_amt:
            return None
        return self.budget_used * 100 // self.budget_amt

    def allows_grade(self, grade_cd: str) -> bool:
        """Whether a member of `grade_cd` may hold this coupon (empty = all; "and every higher")."""
        if not self.grade_cds:
            return True
        if grade_cd in self.grade_cds:
            return True
        return bool(self.upr_grade_aply_yn) and grade_cd > min(self.grade_cds)

    def allows_medium(self, ord_media_cd: str | None) -> bool:
        return not ord_media_cd or ord_media_cd in self.ord_media_cds

    def in_period(self, now) -> bool:
        return self.promo_str_dtm <= now < self.promo_end_dtm

    def usable_at(self, local_now) -> bool:
        """The weekday and time-of-day window of a "time coupon", for a local (Asia/Seoul) time."""
        if self.weekdays and str(local_now.isoweekday()) not in self.weekdays:
            return False
        if self.time_from is not None and not self.time_from <= local_now.time() < self.time_to:
            return False
        return True

    def validity_for(self, issued_at):
        """(valid_from, valid_until) for a copy issued at `issued_at` (MK015)."""
        if self.vali_basis_cd == codes.ValidityBasis.DAYS:
            return issued_at, issued_at + timedelta(days=self.vali_days or 0)
        return self.vali_strt_dtm, self.vali_end_dtm

    def cost_split(self, order_value: int) -> dict:
        """Discount on a sample order value and who pays it, in KRW."""
        discount = 0
        if self.has_discount and self.dc_rate_amt and order_value >= (self.min_buy_amt or 0):
            if self.fix_amt_fxrt_gb_cd == codes.DiscountKind.RATE:
                discount = order_value * self.dc_rate_amt // 100
                if self.max_dc_amt:
                    discount = min(discount, self.max_dc_amt)
            else:
                discount = min(self.dc_rate_amt, order_value)
        ours = discount * (self.our_chrg_rate or 0) // 100
        return {
            "order_value": order_value,
            "discount": discount,
            "ours": ours,
            "vendor": discount - ours,
        }

    # -- one-row rules (SPEC §3 rules 1–7, each a function of coupons.rules) ---------------
    def clean(self):
        errors = rules.one_row_errors(self)
        if self.budget_amt is not None and self.budget_amt < (self.budget_used or 0):
            errors.setdefault("budget_amt", []).append(
                _("예산은 이미 사용된 할인금액(%(used)s원)보다 작을 수 없습니다.")
                % {"used": f"{self.budget_used:,}"}
            )
        if errors:
            raise ValidationError(errors)


class PromotionTarget(models.Model):
    """An apply or exclude target of a promotion (MK013 × MK014)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="targets")
    aply_gb_cd = models.CharField(
        _("적용구분"), max_length=2, choices=codes.ApplyKind.choices, default=codes.ApplyKind.APPLY
    )
    aply_typ_cd = models.CharField(
        _("적용대상유형"), max_length=2, choices=codes.TargetType.choices
    )
    tgt_no = models.CharField(_("대상번호"), max_length=20)

    class Meta:
        verbose_name = _("적용대상")
        verbose_name_plural = _("적용대상")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "aply_typ_cd", "tgt_no"], name="promotarget_uniq"
            ),
        ]
        indexes = [models.Index(fields=["aply_typ_cd", "tgt_no"], name="promotarget_lookup_idx")]

    def __str__(self):
        return f"{self.get_aply_gb_cd_display()} {self.get_aply_typ_cd_display()} {self.tgt_no}"


class MemberCoupon(models.Model):
    """One issued copy of a promotion held by a member (회원쿠폰)."""

    cpn_isu_no = models.BigAutoField(_("쿠폰발급번호"), primary_key=True)
    # No single-column FK indexes: mcpn_box_idx leads with member and mcpn_promo_idx with
    # promotion, and at tens of millions of rows every extra index slows each insert.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="coupons",
        verbose_name=_("회원"),
        db_index=False,
    )
    promotion = models.ForeignKey(
        Promotion,
        on_delete=models.PROTECT,
        related_name="member_coupons",
        verbose_name=_("프로모션"),
        db_index=False,
    )
    seq = models.PositiveIntegerField(_("발급순번"), default=1)
    issued_at = models.DateTimeField(_("발급일시"))
    valid_from = models.DateTimeField(_("유효기간 시작"))
    valid_until = models.DateTimeField(_("유효기간 종료"))
    status = models.CharField(
        _("상태"),
        max_length=10,
        choices=codes.CouponStatus.choices,
        default=codes.CouponStatus.ISSUED,
    )
    channel = models.CharField(_("발급경로"), max_length=12, choices=codes.Channel.choices)
    cs_cpn_pay_caus_cd = models.CharField(
        _("발급사유"), max_length=2, blank=True, choices=codes.CsReason.choices
    )
    system_user_no = models.CharField(_("시스템사용자번호"), max_length=50, blank=True)
    auto_issu_odr = models.CharField(_("자동발급차수"), max_length=20, blank=True)
    memo = models.CharField(_("메모"), max_length=500, blank=True)
    ord_no = models.CharField(_("주문번호"), max_length=30, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("발급자"),
        db_index=False,
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("회수자"),
        db_index=False,
    )
    revoked_at = models.DateTimeField(_("회수일시"), null=True, blank=True)
    revoke_reason = models.CharField(_("회수사유"), max_length=500, blank=True)
    # The current use (coupons.use), kept on the row so the coupon box reads it with no join;
    # the history of uses and restores is CouponUse.
    used_at = models.DateTimeField(_("사용일시"), null=True, blank=True)
    # a database default too: the set-based inserts (auto-issue rounds, COPY) name their columns
    use_ord_no = models.CharField(
        _("사용 주문번호"), max_length=30, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("회원쿠폰")
        verbose_name_plural = _("회원쿠폰")
        permissions = [
            ("issue_membercoupon", _("쿠폰 발급(BO/배치)")),
            ("issue_compensation", _("CS 보상쿠폰 발급")),
            ("revoke_membercoupon", _("회원쿠폰 회수")),
            ("use_membercoupon", _("쿠폰 사용/복원(주문 시스템)")),
        ]
        indexes = [
            # A member's coupon box by status and validity.
            models.Index(fields=["member", "status", "valid_until"], name="mcpn_box_idx"),
            # A promotion's issued list.
            models.Index(fields=["promotion", "-cpn_isu_no"], name="mcpn_promo_idx"),
            # The admin's issue-date range, newest first (the first page read off the index).
            models.Index(fields=["issued_at", "cpn_isu_no"], name="mcpn_issued_at_idx"),
            # coupons_expire: issued copies by end of validity (partial: the rest never expire).
            models.Index(
                fields=["valid_until"], condition=Q(status="ISSUED"), name="mcpn_issued_until_idx"
            ),
            # A user's coupons (PROTECT checks on user delete): partial, as batch copies have no user.
            models.Index(
                fields=["issued_by"],
                condition=Q(issued_by__isnull=False),
                name="mcpn_issued_by_idx",
            ),
            models.Index(
                fields=["revoked_by"],
                condition=Q(revoked_by__isnull=False),
                name="mcpn_revoked_by_idx",
            ),
        ]
        constraints = [
            # An auto-issue round (or a BO round) issues each copy of a promotion to a member once.
            models.UniqueConstraint(
                fields=["promotion", "member", "auto_issu_odr", "seq"],
                condition=~Q(auto_issu_odr=""),
                name="mcpn_round_uniq",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_until")), name="mcpn_validity_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.cpn_isu_no}"


# -- issuing bookkeeping (issue 3) ---------------------------------------------------------------


class MemberPromotionCounter(models.Model):
    """How many non-revoked copies of a promotion a member holds; the per-member limit is enforced
    by a conditional upsert on this row, never by counting coupons in Python."""

    # Looked up only by (promotion, member): the unique index serves; no single-column FK indexes.
    promotion = models.ForeignKey(
        Promotion,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("프로모션"),
        db_index=False,
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("회원"), db_index=False
    )
    issued_qty = models.PositiveIntegerField(_("보유수량"), default=0)

    class Meta:
        verbose_name = _("회원별 발급수량")
        verbose_name_plural = _("회원별 발급수량")
        constraints = [
            models.UniqueConstraint(fields=["promotion", "member"], name="mpcounter_uniq"),
        ]

    def __str__(self):
        return f"{self.promotion_id}/{self.member_id}: {self.issued_qty}"


class IssueIdempotency(models.Model):
    """The first outcome of a download request, keyed by (caller scope, Idempotency-Key)."""

    scope = models.CharField(_("호출자"), max_length=60)
    key = models.CharField(_("Idempotency-Key"), max_length=100)
    request_hash = models.CharField(_("요청 해시"), max_length=64)
    response = models.JSONField(_("최초 응답"), default=dict)
    created_at = models.DateTimeField(_("등록일시"))

    class Meta:
        verbose_name = _("중복요청 방지 키")
        verbose_name_plural = _("중복요청 방지 키")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="issueidem_scope_key_uniq"),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class CompensationRun(models.Model):
    """One submission of the CS compensation page: its members, progress and outcome."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("대기")
        RUNNING = "RUNNING", _("진행중")
        DONE = "DONE", _("완료")
        FAILED = "FAILED", _("실패")

    submission_key = models.CharField(_("제출키"), max_length=64, unique=True)
    promotion = models.ForeignKey(
        Promotion, on_delete=models.PROTECT, related_name="+", verbose_name=_("프로모션")
    )
    cs_cpn_pay_caus_cd = models.CharField(
        _("발급사유"), max_length=2, choices=codes.CsReason.choices
    )
    memo = models.CharField(_("메모"), max_length=500, blank=True)
    ord_no = models.CharField(_("주문번호"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("요청자"),
    )
    created_at = models.DateTimeField(_("요청일시"))
    background = models.BooleanField(_("백그라운드 작업"), default=False)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("대상 회원수"), default=0)
    processed = models.PositiveIntegerField(_("처리 회원수"), default=0)
    issued = models.PositiveIntegerField(_("발급 회원수"), default=0)
    refused = models.PositiveIntegerField(_("실패 회원수"), default=0)
    started_at = models.DateTimeField(_("시작일시"), null=True, blank=True)
    finished_at = models.DateTimeField(_("종료일시"), null=True, blank=True)
    error = models.TextField(_("오류"), blank=True)

    class Meta:
        verbose_name = _("CS 보상쿠폰 발급")
        verbose_name_plural = _("CS 보상쿠폰 발급")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="comprun_progress_le_total"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.promotion_id} ({self.processed}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.processed * 100 // self.total


class CompensationItem(models.Model):
    """One member of a compensation run and what happened to them."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("대기")
        ISSUED = "ISSUED", _("발급")
        REFUSED = "REFUSED", _("실패")

    run = models.ForeignKey(CompensationRun, on_delete=models.CASCADE, related_name="items")
    line_no = models.PositiveIntegerField(_("순번"))
    mbr_no = models.CharField(_("회원번호"), max_length=20)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    code = models.CharField(_("결과코드"), max_length=40, blank=True)
    message = models.CharField(_("메시지"), max_length=300, blank=True)
    coupon = models.ForeignKey(
        MemberCoupon,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("회원쿠폰"),
    )

    class Meta:
        verbose_name = _("CS 보상 대상")
        verbose_name_plural = _("CS 보상 대상")
        ordering = ["run", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mbr_no"], name="compitem_run_member_uniq"),
        ]
        indexes = [models.Index(fields=["run", "status", "line_no"], name="compitem_todo_idx")]

    def __str__(self):
        return f"{self.run_id}#{self.line_no} {self.mbr_no} {self.status}"


# -- revisions of an approved promotion (SPEC §3 rule 10) -----------------------------------------

# What an edit of an APPROVED or SUSPENDED promotion may change without a revision.
UNREVISED_FIELDS = ("promo_nm",)


class PromotionRevision(models.Model):
    """A pending edit of an APPROVED or SUSPENDED promotion: the proposed values (only the fields
    that differ, and the whole target list when it changes) wait for another user's approval while
    the promotion row keeps serving the approved terms."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("승인대기")
        APPROVED = "APPROVED", _("승인")
        REJECTED = "REJECTED", _("반려")

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("프로모션")
    )
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # {field: value} in the field's JSON form (datetimes ISO 8601); only fields that change
    changes = models.JSONField(_("변경 항목"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # the old values at the time of the proposal, shown beside the new ones once decided
    previous = models.JSONField(
        _("변경 전 값"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    # the whole proposed target list [{aply_gb_cd, aply_typ_cd, tgt_no}], null when unchanged
    targets = models.JSONField(_("적용대상"), null=True, blank=True)
    previous_targets = models.JSONField(_("변경 전 적용대상"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("작성자"),
    )
    created_at = models.DateTimeField(_("작성일시"))
    updated_at = models.DateTimeField(_("수정일시"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("처리자"),
    )
    decided_at = models.DateTimeField(_("처리일시"), null=True, blank=True)
    decision_note = models.CharField(_("처리 메모"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("프로모션 수정안")
        verbose_name_plural = _("프로모션 수정안")
        ordering = ["-id"]
        constraints = [
            # One pending revision per promotion: a second edit updates it (same author) or is
            # refused (another user) — never a second, conflicting proposal.
            models.UniqueConstraint(
                fields=["promotion"],
                condition=Q(status="PENDING"),
                name="promorev_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status="PENDING", decided_at__isnull=True)
                | (~Q(status="PENDING") & Q(decided_at__isnull=False)),
                name="promorev_decided_iff_not_pending",
            ),
        ]

    def __str__(self):
        return f"{self.promotion_id} #{self.pk} {self.status}"


# -- use at order, restore at cancel (SPEC §7) ------------------------------------------------------


class CouponOrder(models.Model):
    """One order's `cpnUse`: the request it was (its hash) and the first answer, so the same
    `ordNo` sent again answers the same and another body with it is refused."""

    ord_no = models.CharField(_("주문번호"), max_length=30, unique=True)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("회원"), db_index=False
    )
    request_hash = models.CharField(_("요청 해시"), max_length=64)
    response = models.JSONField(_("최초 응답"), default=dict)
    used_at = models.DateTimeField(_("사용일시"))
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("요청자"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("쿠폰 사용 주문")
        verbose_name_plural = _("쿠폰 사용 주문")
        ordering = ["-id"]

    def __str__(self):
        return self.ord_no


class CouponUse(models.Model):
    """One copy used on an order: where (a line, a delivery group, or the order for a cart coupon),
    how much and who pays it, and — once every line it applies to is cancelled — its restore."""

    order = models.ForeignKey(
        CouponOrder, on_delete=models.PROTECT, related_name="uses", verbose_name=_("주문")
    )
    ord_no = models.CharField(_("주문번호"), max_length=30)
    member_coupon = models.ForeignKey(
        MemberCoupon,
        on_delete=models.PROTECT,
        related_name="uses",
        verbose_name=_("회원쿠폰"),
        db_index=False,
    )
    promotion = models.ForeignKey(
        Promotion,
        on_delete=models.PROTECT,
        related_name="uses",
        verbose_name=_("프로모션"),
        db_index=False,
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("회원"), db_index=False
    )
    promo_typ_cd = models.CharField(
        _("프로모션유형"), max_length=2, choices=codes.PromoType.choices
    )
    ord_goods_seq = models.PositiveIntegerField(_("주문상품순번"), null=True, blank=True)
    deli_no = models.CharField(_("배송그룹번호"), max_length=30, blank=True)
    dc_amt = models.PositiveBigIntegerField(_("할인금액"))
    our_dc_amt = models.PositiveBigIntegerField(_("당사부담 할인금액"))
    entr_dc_amt = models.PositiveBigIntegerField(_("협력사부담 할인금액"))
    used_at = models.DateTimeField(_("사용일시"))
    # A cart coupon whose lines are partly cancelled stays used: the share on those lines is
    # clawed back from the refund (and given back to the budget).
    clawback_amt = models.PositiveBigIntegerField(_("환수 할인금액"), default=0)
    restored_at = models.DateTimeField(_("복원일시"), null=True, blank=True)
    restore_clm_no = models.CharField(_("복원 클레임번호"), max_length=30, blank=True)
    restored_status = models.CharField(
        _("복원 후 상태"), max_length=10, blank=True, choices=codes.CouponStatus.choices
    )

    class Meta:
        verbose_name = _("쿠폰 사용")
        verbose_name_plural = _("쿠폰 사용")
        ordering = ["-id"]
        indexes = [
            # The admin's order-number search and the API's ordNo filter.
            models.Index(fields=["ord_no"], name="cpnuse_ord_no_idx"),
            models.Index(fields=["member", "-id"], name="cpnuse_member_idx"),
            models.Index(fields=["promotion", "-id"], name="cpnuse_promo_idx"),
            models.Index(fields=["used_at"], name="cpnuse_used_at_idx"),
            models.Index(fields=["member_coupon", "-id"], name="cpnuse_coupon_idx"),
        ]
        constraints = [
            # A copy is in use by one order at a time, whatever the concurrency.
            models.UniqueConstraint(
                fields=["member_coupon"],
                condition=Q(restored_at__isnull=True),
                name="cpnuse_one_open_use",
            ),
            models.CheckConstraint(
                condition=Q(dc_amt=F("our_dc_amt") + F("entr_dc_amt")),
                name="cpnuse_split_sums",
            ),
            models.CheckConstraint(
                condition=Q(clawback_amt__lte=F("dc_amt")), name="cpnuse_clawback_le_dc"
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True, restore_clm_no="")
                | Q(restored_at__isnull=False) & ~Q(restore_clm_no=""),
                name="cpnuse_restored_with_claim",
            ),
        ]

    def __str__(self):
        return f"{self.ord_no}/{self.member_coupon_id}"

    @property
    def kept_dc_amt(self) -> int:
        """What the discount costs now: nothing once restored, less any claw-back."""
        return 0 if self.restored_at else self.dc_amt - self.clawback_amt


class CouponUseLine(models.Model):
    """An order line a use applies to, with its share of the discount (a cart coupon's allocation;
    a goods coupon's whole amount; 0 on a delivery group's lines) and the claim that cancelled it."""

    use = models.ForeignKey(
        CouponUse, on_delete=models.CASCADE, related_name="lines", verbose_name=_("쿠폰 사용")
    )
    ord_goods_seq = models.PositiveIntegerField(_("주문상품순번"))
    dc_amt = models.PositiveBigIntegerField(_("할인금액"))
    our_dc_amt = models.PositiveBigIntegerField(_("당사부담 할인금액"))
    entr_dc_amt = models.PositiveBigIntegerField(_("협력사부담 할인금액"))
    clm_no = models.CharField(_("클레임번호"), max_length=30, blank=True)
    cancelled_at = models.DateTimeField(_("취소일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("쿠폰 사용 주문상품")
        verbose_name_plural = _("쿠폰 사용 주문상품")
        ordering = ["use", "ord_goods_seq"]
        constraints = [
            models.UniqueConstraint(fields=["use", "ord_goods_seq"], name="cpnuseline_uniq"),
            models.CheckConstraint(
                condition=Q(dc_amt=F("our_dc_amt") + F("entr_dc_amt")),
                name="cpnuseline_split_sums",
            ),
        ]

    def __str__(self):
        return f"{self.use_id}#{self.ord_goods_seq}"


class CouponClaim(models.Model):
    """One `cpnRestore` (a cancellation or return), keyed by `clmNo`: the request and the first
    answer, so the same claim sent again restores nothing more."""

    clm_no = models.CharField(_("클레임번호"), max_length=30, unique=True)
    order = models.ForeignKey(
        CouponOrder, on_delete=models.PROTECT, related_name="claims", verbose_name=_("주문")
    )
    request_hash = models.CharField(_("요청 해시"), max_length=64)
    response = models.JSONField(_("최초 응답"), default=dict)
    created_at = models.DateTimeField(_("처리일시"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("요청자"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("쿠폰 복원 클레임")
        verbose_name_plural = _("쿠폰 복원 클레임")
        ordering = ["-id"]

    def __str__(self):
        return self.clm_no


# -- the cost report's daily rollup (SPEC §8) --------------------------------------------------------


class CouponDailyStat(models.Model):
    """The coupon figures of one Asia/Seoul day for one (promotion, channel, MK021 reason), kept
    current by the transactions that issue, use, restore, revoke and expire (coupons.reports).

    Counts are copies; the amounts are net, signed: a use adds its discount on its day, a restore
    or a claw-back takes back what it gave back on its own day, so a day may be negative.
    """

    day = models.DateField(_("일자"))
    promotion = models.ForeignKey(
        Promotion,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("프로모션"),
        db_index=False,
    )
    channel = models.CharField(_("발급경로"), max_length=12, choices=codes.Channel.choices)
    reason_cd = models.CharField(
        _("발급사유"), max_length=2, blank=True, default="", choices=codes.CsReason.choices
    )
    issued = models.PositiveIntegerField(_("발급"), default=0)
    used = models.PositiveIntegerField(_("사용"), default=0)
    restored = models.PositiveIntegerField(_("복원"), default=0)
    revoked = models.PositiveIntegerField(_("회수"), default=0)
    expired = models.PositiveIntegerField(_("만료"), default=0)
    # Of the copies issued that day, those in use now (used and not restored): the usage rate's
    # numerator, so the rate stays within 0..1 and speaks of the period's own copies. Signed and
    # unchecked: a restore of a copy issued before the rollup existed (not yet rebuilt) must
    # still go through.
    issued_in_use = models.IntegerField(_("발급분 중 사용"), default=0)
    dc_amt = models.BigIntegerField(_("할인금액(순)"), default=0)
    our_dc_amt = models.BigIntegerField(_("당사부담(순)"), default=0)
    entr_dc_amt = models.BigIntegerField(_("협력사부담(순)"), default=0)

    class Meta:
        verbose_name = _("쿠폰 일별 집계")
        verbose_name_plural = _("쿠폰 비용 리포트")
        permissions = [("view_coupon_report", _("쿠폰 비용 리포트 조회"))]
        ordering = ["day", "promotion", "channel", "reason_cd"]
        indexes = [
            # One promotion's figures (its change page, the report's promotion filter).
            models.Index(fields=["promotion", "day"], name="cpnstat_promo_day_idx"),
        ]
        constraints = [
            # The upserts' conflict target: one row per key, whatever the concurrency.
            models.UniqueConstraint(
                fields=["day", "promotion", "channel", "reason_cd"], name="cpnstat_key_uniq"
            ),
            models.CheckConstraint(
                condition=Q(dc_amt=F("our_dc_amt") + F("entr_dc_amt")),
                name="cpnstat_split_sums",
            ),
        ]

    def __str__(self):
        return f"{self.day}/{self.promotion_id}/{self.channel}/{self.reason_cd}"
