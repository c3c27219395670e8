"""SPEC §3 rules 1–9: each refused on its exact field with its message, and a valid case."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coupons import codes
from coupons.errors import Conflict, DomainError
from coupons.models import CommonCode, Member, MemberCoupon, Promotion
from coupons.selectors import issuable_q
from coupons.services import (
    promotion_approve,
    promotion_copy,
    promotion_create,
    promotion_end,
    promotion_suspend,
    promotion_update,
)
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db

T, Iss, W, K = codes.PromoType, codes.Issuer, codes.IssueMethod, codes.DiscountKind


@pytest.fixture
def md():
    return user("md1", "Merchandiser")


def refused(md, **overrides) -> dict:
    with pytest.raises(ValidationError) as info:
        promotion_create(user=md, data=promotion_data(**overrides))
    assert Promotion.objects.count() == 0, "a refused promotion must not be stored"
    return info.value.message_dict


INVALID = [
    # rule 1
    ("1 amount positive", {"dc_rate_amt": 0}, "dc_rate_amt", "정액 할인금액은 0보다 커야 합니다."),
    (
        "1 amount multiple of 10",
        {"dc_rate_amt": 1005},
        "dc_rate_amt",
        "정액 할인금액은 10원 단위여야 합니다.",
    ),
    (
        "1 rate 1-99",
        {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 100},
        "dc_rate_amt",
        "정률 할인율은 1~99% 사이여야 합니다.",
    ),
    (
        "1 max with amount",
        {"max_dc_amt": 1000},
        "max_dc_amt",
        "최대할인금액은 정률 할인에만 설정할 수 있습니다.",
    ),
    (
        "1 max multiple of 10",
        {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 10, "max_dc_amt": 1005},
        "max_dc_amt",
        "최대할인금액은 10원 단위의 양수여야 합니다.",
    ),
    (
        "1 min buy >= amount",
        {"dc_rate_amt": 5000, "min_buy_amt": 4990},
        "min_buy_amt",
        "정액 할인이면 최소구매금액이 할인금액 이상이어야 합니다.",
    ),
    # rule 2
    (
        "2 free shipping no amount",
        {"promo_typ_cd": T.FREE_SHIPPING, "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": 1000},
        "dc_rate_amt",
        "무료배송/무료반품 쿠폰에는 할인금액이나 할인율을 둘 수 없습니다.",
    ),
    (
        "2 free return no kind",
        {"promo_typ_cd": T.FREE_RETURN, "fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": None},
        "fix_amt_fxrt_gb_cd",
        "무료배송/무료반품 쿠폰에는 정액/정률 구분을 둘 수 없습니다.",
    ),
    # rule 3
    (
        "3 split sums to 100",
        {"our_chrg_rate": 60, "entr_chrg_rate": 30},
        "entr_chrg_rate",
        "당사부담율과 협력사부담율의 합은 100이어야 합니다.",
    ),
    (
        "3 each 0-100",
        {"our_chrg_rate": 120, "entr_chrg_rate": 0},
        "our_chrg_rate",
        "부담율은 0~100 사이여야 합니다.",
    ),
    # rule 4
    (
        "4 period ordered",
        {"promo_end_dtm": timezone.now() - timedelta(days=2)},
        "promo_end_dtm",
        "프로모션 종료일시는 시작일시 이후여야 합니다.",
    ),
    (
        "4 validity ordered",
        {
            "vali_basis_cd": codes.ValidityBasis.FIXED,
            "vali_days": None,
            "vali_strt_dtm": timezone.now(),
            "vali_end_dtm": timezone.now() - timedelta(hours=1),
        },
        "vali_end_dtm",
        "쿠폰 유효기간 종료일시는 시작일시 이후여야 합니다.",
    ),
    ("4 days 1-365", {"vali_days": 366}, "vali_days", "유효일수는 1~365일이어야 합니다."),
    ("4 days at least 1", {"vali_days": 0}, "vali_days", "유효일수는 1~365일이어야 합니다."),
    # rule 5
    (
        "5 code required",
        {"cpn_issu_way_cd": W.CODE},
        "dc_cpn_cd",
        "할인쿠폰코드 발급에는 할인쿠폰코드가 필요합니다.",
    ),
    (
        "5 code pattern",
        {"cpn_issu_way_cd": W.CODE, "dc_cpn_cd": "ab-12"},
        "dc_cpn_cd",
        "할인쿠폰코드는 영문 대문자와 숫자 4~20자입니다.",
    ),
    (
        "5 code only for 04",
        {"dc_cpn_cd": "SPRING2026"},
        "dc_cpn_cd",
        "할인쿠폰코드는 할인쿠폰코드 발급(04) 방식에만 입력합니다.",
    ),
    # rule 6
    (
        "6 type required",
        {
            "cpn_issu_main_cd": Iss.AUTO,
            "cpn_issu_way_cd": W.AUTO,
            "auto_issu_qty": 1,
            "auto_issu_potm_cd": "10",
        },
        "auto_issu_typ_cd",
        "조건부 자동발급에는 자동발급유형이 필요합니다.",
    ),
    (
        "6 qty >= 1",
        {
            "cpn_issu_main_cd": Iss.AUTO,
            "cpn_issu_way_cd": W.AUTO,
            "auto_issu_typ_cd": "2101",
            "auto_issu_potm_cd": "10",
            "auto_issu_qty": 0,
        },
        "auto_issu_qty",
        "자동발급수량은 1 이상이어야 합니다.",
    ),
    (
        "6 pre-issue days 1-30",
        {
            "cpn_issu_main_cd": Iss.AUTO,
            "cpn_issu_way_cd": W.AUTO,
            "auto_issu_typ_cd": "2101",
            "auto_issu_potm_cd": "20",
            "anvy_pre_isu_dds": 31,
            "auto_issu_qty": 1,
        },
        "anvy_pre_isu_dds",
        "사전발급일수는 1~30일이어야 합니다.",
    ),
    (
        "6 type in use",
        {
            "cpn_issu_main_cd": Iss.AUTO,
            "cpn_issu_way_cd": W.AUTO,
            "auto_issu_typ_cd": "9999",
            "auto_issu_potm_cd": "10",
            "auto_issu_qty": 1,
        },
        "auto_issu_typ_cd",
        "사용 중인 자동발급유형(MK008) 코드가 아닙니다.",
    ),
    # rule 7
    (
        "7 CS only targeted",
        {"cpn_issu_main_cd": Iss.CS, "cpn_issu_way_cd": W.DOWNLOAD},
        "cpn_issu_way_cd",
        "CS보상쿠폰은 대상자지정발급(01)으로만 발급합니다.",
    ),
    (
        "7 download only fixed issuer",
        {"cpn_issu_main_cd": Iss.AUTO, "cpn_issu_way_cd": W.DOWNLOAD},
        "cpn_issu_way_cd",
        "고객다운로드(03)와 할인쿠폰코드(04) 발급은 고정판촉쿠폰에만 쓸 수 있습니다.",
    ),
    (
        "media at least one",
        {"ord_media_cds": []},
        "ord_media_cds",
        "주문매체를 하나 이상 선택하세요.",
    ),
]


@pytest.mark.parametrize("case,overrides,field,message", INVALID, ids=[c[0] for c in INVALID])
def test_rule_refused_on_field(md, case, overrides, field, message):
    errors = refused(md, **overrides)
    assert message in errors[field], errors


VALID = [
    ("amount", {}),
    ("rate with cap", {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 99, "max_dc_amt": 10000}),
    (
        "free shipping",
        {"promo_typ_cd": T.FREE_SHIPPING, "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": None},
    ),
    ("split 30/70", {"our_chrg_rate": 30, "entr_chrg_rate": 70}),
    (
        "fixed validity",
        {
            "vali_basis_cd": codes.ValidityBasis.FIXED,
            "vali_days": None,
            "vali_strt_dtm": timezone.now(),
            "vali_end_dtm": timezone.now() + timedelta(days=3),
        },
    ),
    ("365 days", {"vali_days": 365}),
    ("code", {"cpn_issu_way_cd": W.CODE, "dc_cpn_cd": "SPRING2026"}),
    (
        "auto-issue before",
        {
            "cpn_issu_main_cd": Iss.AUTO,
            "cpn_issu_way_cd": W.AUTO,
            "auto_issu_typ_cd": "2101",
            "auto_issu_potm_cd": "20",
            "anvy_pre_isu_dds": 30,
            "auto_issu_qty": 1,
        },
    ),
    ("CS targeted", {"cpn_issu_main_cd": Iss.CS, "cpn_issu_way_cd": W.TARGETED}),
]


@pytest.mark.parametrize("case,overrides", VALID, ids=[c[0] for c in VALID])
def test_rule_valid_case_saves(md, case, overrides):
    promotion = promotion_create(user=md, data=promotion_data(**overrides))
    promotion.refresh_from_db()
    assert promotion.promo_no.startswith("C") and len(promotion.promo_no) == 8
    assert promotion.promo_stat_cd == codes.PromoStatus.DRAFT
    assert promotion.created_by == md and promotion.updated_by == md


def test_rule5_code_unique(md):
    promotion_create(user=md, data=promotion_data(cpn_issu_way_cd=W.CODE, dc_cpn_cd="SPRING2026"))
    with pytest.raises(ValidationError) as info:
        promotion_create(
            user=md, data=promotion_data(cpn_issu_way_cd=W.CODE, dc_cpn_cd="SPRING2026")
        )
    assert info.value.message_dict["dc_cpn_cd"] == ["이미 다른 프로모션이 쓰는 할인쿠폰코드입니다."]
    assert Promotion.objects.count() == 1


def test_rule6_type_not_in_use_is_refused(md):
    CommonCode.objects.filter(group="MK008", code="2101").update(in_use=False)
    errors = refused(
        md,
        cpn_issu_main_cd=Iss.AUTO,
        cpn_issu_way_cd=W.AUTO,
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="10",
        auto_issu_qty=1,
    )
    assert errors["auto_issu_typ_cd"] == ["사용 중인 자동발급유형(MK008) 코드가 아닙니다."]


def test_rule6_new_mk008_code_can_be_used(md):
    CommonCode.objects.create(group="MK008", code="5001", name="VIP 승급 축하")
    promotion = promotion_create(
        user=md,
        data=promotion_data(
            cpn_issu_main_cd=Iss.AUTO,
            cpn_issu_way_cd=W.AUTO,
            auto_issu_typ_cd="5001",
            auto_issu_potm_cd="10",
            auto_issu_qty=1,
        ),
    )
    assert promotion.auto_issu_typ_cd == "5001"


def _issue_row(promotion):
    member = Member.objects.create(mbr_no="100", grade_cd="10")
    now = timezone.now()
    return MemberCoupon.objects.create(
        member=member,
        promotion=promotion,
        issued_at=now,
        valid_from=now,
        valid_until=now + timedelta(days=1),
        channel=codes.Channel.BO,
    )


def test_rule8_terms_frozen_once_issued(md):
    promotion = promotion_create(user=md, data=promotion_data())
    _issue_row(promotion)
    with pytest.raises(ValidationError) as info:
        promotion_update(
            user=md,
            promotion=Promotion.objects.get(pk=promotion.pk),
            data={"dc_rate_amt": 2000, "mbr_issu_lmt_qty": 3},
        )
    frozen = "이미 쿠폰이 발급되어 변경할 수 없습니다. '새 프로모션으로 복사'를 이용하세요."
    assert info.value.message_dict["dc_rate_amt"] == [frozen]
    assert info.value.message_dict["mbr_issu_lmt_qty"] == [frozen]
    assert Promotion.objects.get(pk=promotion.pk).dc_rate_amt == 1000
    with pytest.raises(ValidationError) as info:
        promotion_update(
            user=md,
            promotion=Promotion.objects.get(pk=promotion.pk),
            data={},
            targets=[{"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": "G1"}],
        )
    assert info.value.message_dict["targets"] == [frozen]
    # Not terms: the name and the total limit may still change.
    promotion_update(
        user=md,
        promotion=Promotion.objects.get(pk=promotion.pk),
        data={"promo_nm": "새 이름", "issu_lmt_qty": 500},
    )
    assert Promotion.objects.get(pk=promotion.pk).promo_nm == "새 이름"


def test_rule8_copy_as_new_carries_terms_and_targets(md):
    promotion = promotion_create(
        user=md,
        data=promotion_data(all_goods_yn=False),
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "EX1"}],
    )
    _issue_row(promotion)
    copy = promotion_copy(user=md, promotion=promotion)
    assert copy.promo_no != promotion.promo_no and copy.copied_from == promotion
    assert copy.promo_stat_cd == codes.PromoStatus.DRAFT and copy.issu_qty == 0
    assert list(copy.targets.values_list("aply_typ_cd", "tgt_no")) == [("08", "EX1")]
    promotion_update(user=md, promotion=copy, data={"dc_rate_amt": 2000})
    assert Promotion.objects.get(pk=copy.pk).dc_rate_amt == 2000


def test_rule9_approver_differs_from_last_editor(md):
    promotion = promotion_create(user=md, data=promotion_data())
    with pytest.raises(DomainError) as info:
        promotion_approve(user=md, promotion=promotion)
    assert info.value.code == "SELF_APPROVAL"
    assert info.value.fields == {"approved_by": ["마지막으로 수정한 사람은 승인할 수 없습니다."]}
    assert Promotion.objects.get(pk=promotion.pk).promo_stat_cd == codes.PromoStatus.DRAFT
    other = user("md2", "Merchandiser")
    approved = promotion_approve(user=other, promotion=promotion)
    assert approved.promo_stat_cd == codes.PromoStatus.APPROVED and approved.approved_by == other
    assert approved.approved_at is not None


def _issuable(promotion, now) -> bool:
    """Rule 9 as the issuing engine and every list apply it (selectors.issuable_q)."""
    return Promotion.objects.filter(pk=promotion.pk).filter(issuable_q(now)).exists()


def test_rule9_issuable_only_approved_and_in_period(md):
    now = timezone.now()
    promotion = promotion_create(user=md, data=promotion_data())
    assert not _issuable(promotion, now)
    promotion = promotion_approve(user=user("md2", "Merchandiser"), promotion=promotion)
    assert _issuable(promotion, now)
    assert not _issuable(promotion, now + timedelta(days=31))
    promotion = promotion_suspend(user=md, promotion=promotion)
    assert not _issuable(promotion, now)
    promotion = promotion_end(user=md, promotion=promotion)
    with pytest.raises(Conflict) as info:
        promotion_approve(user=user("md3", "Merchandiser"), promotion=promotion)
    assert info.value.code == "INVALID_STATUS"


def test_database_refuses_bad_split_and_overshoot(md):
    promotion = promotion_create(user=md, data=promotion_data(issu_lmt_qty=5))
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.filter(pk=promotion.pk).update(our_chrg_rate=50)
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.filter(pk=promotion.pk).update(issu_qty=6)


def test_grade_and_higher(md):
    promotion = Promotion(**promotion_data(grade_cds=[codes.Grade.GOLD], upr_grade_aply_yn=True))
    assert [g for g in codes.Grade.values if promotion.allows_grade(g)] == ["30", "40", "50"]
    promotion.upr_grade_aply_yn = False
    assert [g for g in codes.Grade.values if promotion.allows_grade(g)] == ["30"]
    promotion.grade_cds = []
    assert all(promotion.allows_grade(g) for g in codes.Grade.values)


def test_cost_split_in_money():
    promotion = Promotion(
        **promotion_data(
            fix_amt_fxrt_gb_cd=K.RATE,
            dc_rate_amt=10,
            max_dc_amt=3000,
            min_buy_amt=0,
            our_chrg_rate=60,
            entr_chrg_rate=40,
        )
    )
    assert promotion.cost_split(20000) == {
        "order_value": 20000,
        "discount": 2000,
        "ours": 1200,
        "vendor": 800,
    }
    assert promotion.cost_split(100000) == {
        "order_value": 100000,
        "discount": 3000,
        "ours": 1800,
        "vendor": 1200,
    }
