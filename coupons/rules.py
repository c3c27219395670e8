"""Every SPEC §3 promotion rule, once: a named function each.

A one-row rule takes the promotion (anything with its fields as attributes) and yields
`(field, message)` for each violation, `field` being the model field the message belongs on.
Rules that need other rows take the facts the service looked up (`code_taken`, `type_in_use`,
…), so this module reads no table and imports no model: `Promotion.clean()` runs
`ONE_ROW_RULES`, `services.promotion_errors` adds the context rules, and the admin form and the
REST serializer reach both through the service. The CheckConstraints in models.py are built
from the constants below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext_lazy as _

from . import codes

FieldErrors = Iterator[tuple[str, str]]

# Rule 1
AMOUNT_UNIT = 10  # KRW: fixed amounts and the rate cap are multiples of this
RATE_MIN, RATE_MAX = 1, 99  # percent
# Rule 3
CHARGE_RATE_MIN, CHARGE_RATE_MAX = 0, 100
CHARGE_TOTAL = 100
# Rule 4
VALI_DAYS_MIN, VALI_DAYS_MAX = 1, 365
# Rule 5
DC_CPN_CD_RE = re.compile(r"^[A-Z0-9]{4,20}$")
# Rule 6
PRE_ISSUE_DAYS_MIN, PRE_ISSUE_DAYS_MAX = 1, 30
AUTO_ISSUE_QTY_MIN = 1
AUTO_ISSUE_FIELDS = ("auto_issu_typ_cd", "auto_issu_potm_cd", "anvy_pre_isu_dds", "auto_issu_qty")
# Limits
MEMBER_LIMIT_MIN = 1
SITE_NO_RE = re.compile(r"^\d{1,10}$")

FROZEN_MESSAGE = _("이미 쿠폰이 발급되어 변경할 수 없습니다. '새 프로모션으로 복사'를 이용하세요.")


# -- input normalisation -----------------------------------------------------------------------
def normalize_dc_cpn_cd(value: str | None) -> str | None:
    """A discount-coupon code as a merchandiser types it (`spring2031`, ` SPRING2031 `) becomes
    the stored form (`SPRING2031`); blank becomes None."""
    value = (value or "").strip().upper()
    return value or None


# -- rule 1: the discount --------------------------------------------------------------------
def discount_kind_chosen(p) -> FieldErrors:
    """A discount coupon is a fixed amount or a fixed rate."""
    if (
        p.promo_typ_cd
        and p.promo_typ_cd not in codes.NO_DISCOUNT_TYPES
        and not p.fix_amt_fxrt_gb_cd
    ):
        yield "fix_amt_fxrt_gb_cd", _("정액 또는 정률을 선택하세요.")


def _is_amount(p) -> bool:
    return (
        p.promo_typ_cd not in codes.NO_DISCOUNT_TYPES
        and p.fix_amt_fxrt_gb_cd == codes.DiscountKind.AMOUNT
    )


def _is_rate(p) -> bool:
    return (
        p.promo_typ_cd not in codes.NO_DISCOUNT_TYPES
        and p.fix_amt_fxrt_gb_cd == codes.DiscountKind.RATE
    )


def fixed_amount_valid(p) -> FieldErrors:
    """A fixed amount is positive and a multiple of 10 KRW."""
    if not p.promo_typ_cd or not _is_amount(p):
        return
    value = p.dc_rate_amt
    if not value or value <= 0:
        yield "dc_rate_amt", _("정액 할인금액은 0보다 커야 합니다.")
    elif value % AMOUNT_UNIT:
        yield "dc_rate_amt", _("정액 할인금액은 10원 단위여야 합니다.")


def max_discount_only_with_rate(p) -> FieldErrors:
    """`maxDcAmt` belongs to a rate discount."""
    if p.promo_typ_cd and _is_amount(p) and p.max_dc_amt is not None:
        yield "max_dc_amt", _("최대할인금액은 정률 할인에만 설정할 수 있습니다.")


def min_buy_covers_amount(p) -> FieldErrors:
    """With a fixed amount, `minBuyAmt` is at least the amount."""
    if p.promo_typ_cd and _is_amount(p) and p.dc_rate_amt and (p.min_buy_amt or 0) < p.dc_rate_amt:
        yield "min_buy_amt", _("정액 할인이면 최소구매금액이 할인금액 이상이어야 합니다.")


def fixed_rate_valid(p) -> FieldErrors:
    """A fixed rate is 1–99 %."""
    if p.promo_typ_cd and _is_rate(p):
        if p.dc_rate_amt is None or not RATE_MIN <= p.dc_rate_amt <= RATE_MAX:
            yield "dc_rate_amt", _("정률 할인율은 1~99% 사이여야 합니다.")


def max_discount_unit(p) -> FieldErrors:
    """A rate's cap, when set, is a positive multiple of 10 KRW."""
    if p.promo_typ_cd and _is_rate(p) and p.max_dc_amt is not None:
        if p.max_dc_amt <= 0 or p.max_dc_amt % AMOUNT_UNIT:
            yield "max_dc_amt", _("최대할인금액은 10원 단위의 양수여야 합니다.")


# -- rule 2: free shipping / free return -----------------------------------------------------
def no_discount_on_free_types(p) -> FieldErrors:
    """Free-shipping and free-return coupons carry no discount amount, rate, kind or cap."""
    if p.promo_typ_cd not in codes.NO_DISCOUNT_TYPES:
        return
    if p.dc_rate_amt:
        yield (
            "dc_rate_amt",
            _("무료배송/무료반품 쿠폰에는 할인금액이나 할인율을 둘 수 없습니다."),
        )
    if p.fix_amt_fxrt_gb_cd:
        yield (
            "fix_amt_fxrt_gb_cd",
            _("무료배송/무료반품 쿠폰에는 정액/정률 구분을 둘 수 없습니다."),
        )
    if p.max_dc_amt:
        yield "max_dc_amt", _("무료배송/무료반품 쿠폰에는 최대할인금액을 둘 수 없습니다.")


# -- rule 3: the cost split ------------------------------------------------------------------
def charge_rates_in_range(p) -> FieldErrors:
    """`ourChrgRate` and `entrChrgRate` are each 0–100."""
    for field in ("our_chrg_rate", "entr_chrg_rate"):
        rate = getattr(p, field)
        if rate is not None and not CHARGE_RATE_MIN <= rate <= CHARGE_RATE_MAX:
            yield field, _("부담율은 0~100 사이여야 합니다.")


def charge_rates_total(p) -> FieldErrors:
    """`ourChrgRate + entrChrgRate = 100`."""
    if (p.our_chrg_rate or 0) + (p.entr_chrg_rate or 0) != CHARGE_TOTAL:
        yield "entr_chrg_rate", _("당사부담율과 협력사부담율의 합은 100이어야 합니다.")


# -- rule 4: period and validity -------------------------------------------------------------
def period_ordered(p) -> FieldErrors:
    """The promotion period starts before it ends."""
    if p.promo_str_dtm and p.promo_end_dtm and p.promo_str_dtm >= p.promo_end_dtm:
        yield "promo_end_dtm", _("프로모션 종료일시는 시작일시 이후여야 합니다.")


def fixed_validity_window(p) -> FieldErrors:
    """A fixed validity (MK015 01) has a start and an end after it, and no day count."""
    if p.vali_basis_cd != codes.ValidityBasis.FIXED:
        return
    if not p.vali_strt_dtm:
        yield "vali_strt_dtm", _("유효기간 시작일시를 입력하세요.")
    if not p.vali_end_dtm:
        yield "vali_end_dtm", _("유효기간 종료일시를 입력하세요.")
    elif p.vali_strt_dtm and p.vali_end_dtm <= p.vali_strt_dtm:
        yield "vali_end_dtm", _("쿠폰 유효기간 종료일시는 시작일시 이후여야 합니다.")
    if p.vali_days:
        yield "vali_days", _("기간 지정 유효기간에는 유효일수를 둘 수 없습니다.")


def validity_days(p) -> FieldErrors:
    """Validity counted from issue (MK015 02) is 1–365 days, with no fixed window."""
    if p.vali_basis_cd != codes.ValidityBasis.DAYS:
        return
    if p.vali_days is None or not VALI_DAYS_MIN <= p.vali_days <= VALI_DAYS_MAX:
        yield "vali_days", _("유효일수는 1~365일이어야 합니다.")
    if p.vali_strt_dtm or p.vali_end_dtm:
        yield "vali_strt_dtm", _("발급일 기준 유효기간에는 유효기간 일시를 둘 수 없습니다.")


def time_window(p) -> FieldErrors:
    """A time coupon's time of day has both ends, the start before the end."""
    if (p.time_from is None) != (p.time_to is None):
        yield "time_to", _("사용 시각은 시작과 종료를 함께 입력하세요.")
    elif p.time_from is not None and p.time_from >= p.time_to:
        yield "time_to", _("사용 종료 시각은 시작 시각 이후여야 합니다.")


# -- eligibility -----------------------------------------------------------------------------
def order_media_chosen(p) -> FieldErrors:
    """At least one order medium (OM007)."""
    if not p.ord_media_cds:
        yield "ord_media_cds", _("주문매체를 하나 이상 선택하세요.")


def site_numbers(p) -> FieldErrors:
    """Site numbers are numbers (1–10 digits)."""
    for site in p.site_nos or []:
        if not SITE_NO_RE.match(str(site)):
            yield "site_nos", _("사이트번호는 숫자여야 합니다: %(site)s") % {"site": site}


# -- rule 5: discount-coupon codes -----------------------------------------------------------
def discount_code(p) -> FieldErrors:
    """Method 04 needs a code of 4–20 A–Z / 0–9; no other method has one."""
    if p.cpn_issu_way_cd == codes.IssueMethod.CODE:
        if not p.dc_cpn_cd:
            yield "dc_cpn_cd", _("할인쿠폰코드 발급에는 할인쿠폰코드가 필요합니다.")
        elif not DC_CPN_CD_RE.match(p.dc_cpn_cd):
            yield "dc_cpn_cd", _("할인쿠폰코드는 영문 대문자와 숫자 4~20자입니다.")
    elif p.dc_cpn_cd:
        yield "dc_cpn_cd", _("할인쿠폰코드는 할인쿠폰코드 발급(04) 방식에만 입력합니다.")


def discount_code_unique(p, *, code_taken: bool) -> FieldErrors:
    """No two promotions share a code (`code_taken`: another promotion holds `p.dc_cpn_cd`)."""
    if p.dc_cpn_cd and code_taken:
        yield "dc_cpn_cd", _("이미 다른 프로모션이 쓰는 할인쿠폰코드입니다.")


# -- rule 6: conditional auto-issue ----------------------------------------------------------
def auto_issue_terms(p) -> FieldErrors:
    """Method 02 needs a type, a timing and a quantity ≥ 1; timing 20 needs 1–30 days ahead."""
    if p.cpn_issu_way_cd != codes.IssueMethod.AUTO:
        return
    if not p.auto_issu_typ_cd:
        yield "auto_issu_typ_cd", _("조건부 자동발급에는 자동발급유형이 필요합니다.")
    if not p.auto_issu_qty or p.auto_issu_qty < AUTO_ISSUE_QTY_MIN:
        yield "auto_issu_qty", _("자동발급수량은 1 이상이어야 합니다.")
    if not p.auto_issu_potm_cd:
        yield "auto_issu_potm_cd", _("자동발급시점을 선택하세요.")
    elif p.auto_issu_potm_cd == codes.AutoIssueTiming.BEFORE:
        days = p.anvy_pre_isu_dds
        if days is None or not PRE_ISSUE_DAYS_MIN <= days <= PRE_ISSUE_DAYS_MAX:
            yield "anvy_pre_isu_dds", _("사전발급일수는 1~30일이어야 합니다.")
    elif p.anvy_pre_isu_dds:
        yield (
            "anvy_pre_isu_dds",
            _("사전발급일수는 자동발급시점이 사전 발급(20)일 때만 입력합니다."),
        )


def auto_issue_fields_only_for_auto(p) -> FieldErrors:
    """No other method has auto-issue fields."""
    if p.cpn_issu_way_cd == codes.IssueMethod.AUTO:
        return
    for field in AUTO_ISSUE_FIELDS:
        if getattr(p, field):
            yield field, _("자동발급 항목은 조건부 자동발급(02) 방식에만 입력합니다.")


def auto_issue_type_in_use(p, *, type_in_use: bool) -> FieldErrors:
    """The MK008 type is a code in use (`type_in_use`: the code table says so)."""
    if p.cpn_issu_way_cd == codes.IssueMethod.AUTO and p.auto_issu_typ_cd and not type_in_use:
        yield "auto_issu_typ_cd", _("사용 중인 자동발급유형(MK008) 코드가 아닙니다.")


# -- rule 7: issuer and method ---------------------------------------------------------------
def cs_issues_targeted_only(p) -> FieldErrors:
    """Issuer 20 (CS compensation) issues only by method 01."""
    way = p.cpn_issu_way_cd
    if p.cpn_issu_main_cd == codes.Issuer.CS and way and way != codes.IssueMethod.TARGETED:
        yield "cpn_issu_way_cd", _("CS보상쿠폰은 대상자지정발급(01)으로만 발급합니다.")


def download_and_code_for_fixed_issuer(p) -> FieldErrors:
    """Customer download (03) and codes (04) belong to issuer 10."""
    issuer = p.cpn_issu_main_cd
    if (
        p.cpn_issu_way_cd in (codes.IssueMethod.DOWNLOAD, codes.IssueMethod.CODE)
        and issuer
        and issuer != codes.Issuer.FIXED
    ):
        yield (
            "cpn_issu_way_cd",
            _("고객다운로드(03)와 할인쿠폰코드(04) 발급은 고정판촉쿠폰에만 쓸 수 있습니다."),
        )


# -- limits ----------------------------------------------------------------------------------
def limit_covers_issued(p) -> FieldErrors:
    """The total limit is never below what has been issued."""
    if p.issu_lmt_qty is not None and p.issu_lmt_qty < (p.issu_qty or 0):
        yield "issu_lmt_qty", _("총 발급한도는 이미 발급된 수량보다 작을 수 없습니다.")


def member_limit_positive(p) -> FieldErrors:
    """Each member may receive at least one copy."""
    if p.mbr_issu_lmt_qty is None or p.mbr_issu_lmt_qty < MEMBER_LIMIT_MIN:
        yield "mbr_issu_lmt_qty", _("회원당 발급한도는 1 이상이어야 합니다.")


# -- apply targets ---------------------------------------------------------------------------
def targets_distinct(targets: Iterable[dict]) -> FieldErrors:
    """A target (type, number) appears once per promotion, applied or excluded."""
    seen = set()
    for t in targets:
        key = (t["aply_typ_cd"], str(t["tgt_no"]))
        if key in seen:
            yield "targets", _("적용대상이 중복되었습니다: %(tgt)s") % {"tgt": t["tgt_no"]}
        seen.add(key)


# -- rule 8: frozen terms --------------------------------------------------------------------
def terms_frozen(changed: Iterable[str]) -> FieldErrors:
    """Once a coupon is issued, each changed term (`changed`: the fields that differ) is refused."""
    for field in changed:
        yield field, FROZEN_MESSAGE


ONE_ROW_RULES = (
    discount_kind_chosen,
    fixed_amount_valid,
    max_discount_only_with_rate,
    min_buy_covers_amount,
    fixed_rate_valid,
    max_discount_unit,
    no_discount_on_free_types,
    charge_rates_in_range,
    charge_rates_total,
    period_ordered,
    fixed_validity_window,
    validity_days,
    time_window,
    order_media_chosen,
    site_numbers,
    discount_code,
    auto_issue_terms,
    auto_issue_fields_only_for_auto,
    cs_issues_targeted_only,
    download_and_code_for_fixed_issuer,
    limit_covers_issued,
    member_limit_positive,
)


def collect(*results: Iterable[tuple[str, str]]) -> dict[str, list]:
    """Field errors from rule results, by field, in rule order."""
    errors: dict[str, list] = {}
    for result in results:
        for field, message in result:
            errors.setdefault(field, []).append(message)
    return errors


def one_row_errors(p) -> dict[str, list]:
    """Every one-row rule's errors for `p`, by field (empty when all hold)."""
    return collect(*(rule(p) for rule in ONE_ROW_RULES))
