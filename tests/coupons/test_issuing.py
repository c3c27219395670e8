"""coupon_issue and the request-level downloads: every rule, exact counters, and nothing issued on refusal."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coupons import codes, errors
from coupons.errors import Conflict, DomainError, IssueRefused
from coupons.issuing import coupon_issue, coupons_download, coupons_download_bo
from coupons.models import IssueIdempotency, MemberCoupon, MemberPromotionCounter, Promotion
from coupons.services import promotion_suspend
from tests.coupons.issuing_factories import (
    approved_promotion,
    auto_promotion,
    cs_promotion,
    member,
    staff,
)

pytestmark = pytest.mark.django_db

C, W, G = codes.Channel, codes.IssueMethod, codes.Grade


def counter(promotion, mbr_no) -> int | None:
    row = MemberPromotionCounter.objects.filter(promotion=promotion, member_id=mbr_no).first()
    return None if row is None else row.issued_qty


def issued_qty(promotion) -> int:
    return Promotion.objects.values_list("issu_qty", flat=True).get(pk=promotion.pk)


def assert_nothing_issued(promotion, mbr_no="100"):
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 0
    assert issued_qty(promotion) == 0
    assert counter(promotion, mbr_no) in (None, 0)


@pytest.fixture
def m100():
    return member("100")


def test_issue_two_copies_moves_both_counters_and_records_who(m100):
    promotion = approved_promotion(issu_lmt_qty=10, mbr_issu_lmt_qty=3)
    now = timezone.now()
    coupons = coupon_issue(
        member="100", promotion=promotion.promo_no, qty=2, channel=C.DOWNLOAD, now=now
    )
    assert [c.seq for c in coupons] == [1, 2]
    assert all(c.pk for c in coupons)
    stored = list(MemberCoupon.objects.filter(promotion=promotion).order_by("seq"))
    assert len(stored) == 2
    first = stored[0]
    assert (first.member_id, first.status, first.channel, first.system_user_no) == (
        "100",
        "ISSUED",
        "FO_DOWNLOAD",
        "BATCH",
    )
    assert (
        first.issued_at == now
        and first.valid_from == now
        and first.valid_until == now + timedelta(days=30)
    )
    assert issued_qty(promotion) == 2
    assert counter(promotion, "100") == 2


def test_per_member_limit_refuses_all_copies(m100):
    promotion = approved_promotion(mbr_issu_lmt_qty=2)
    coupon_issue(member=m100, promotion=promotion, qty=1, channel=C.DOWNLOAD)
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=promotion, qty=2, channel=C.DOWNLOAD)
    assert info.value.code == errors.MEMBER_LIMIT
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 1
    assert issued_qty(promotion) == 1, "the total counter rolled back with the refusal"
    assert counter(promotion, "100") == 1


def test_total_limit_refuses_all_copies(m100):
    promotion = approved_promotion(issu_lmt_qty=3, mbr_issu_lmt_qty=5)
    member("200")
    coupon_issue(member="200", promotion=promotion, qty=2, channel=C.DOWNLOAD)
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=promotion, qty=2, channel=C.DOWNLOAD)
    assert info.value.code == errors.SOLD_OUT
    assert info.value.http_status == 409
    assert MemberCoupon.objects.filter(member=m100).count() == 0
    assert issued_qty(promotion) == 2
    assert counter(promotion, "100") is None
    coupon_issue(member=m100, promotion=promotion, qty=1, channel=C.DOWNLOAD)
    assert issued_qty(promotion) == 3


CHANNEL_CASES = [
    # method, issuer, channel, allowed
    (W.DOWNLOAD, codes.Issuer.FIXED, C.DOWNLOAD, True),
    (W.DOWNLOAD, codes.Issuer.FIXED, C.BO, False),
    (W.DOWNLOAD, codes.Issuer.FIXED, C.CODE, False),
    (W.TARGETED, codes.Issuer.FIXED, C.BO, True),
    (W.TARGETED, codes.Issuer.FIXED, C.DOWNLOAD, False),
    (W.TARGETED, codes.Issuer.FIXED, C.BATCH, False),
    (W.TARGETED, codes.Issuer.FIXED, C.CS, False),
    (W.AUTO, codes.Issuer.AUTO, C.BATCH, True),
    (W.AUTO, codes.Issuer.AUTO, C.BO, True),
    (W.AUTO, codes.Issuer.AUTO, C.DOWNLOAD, False),
    (W.TARGETED, codes.Issuer.CS, C.CS, True),
    (W.TARGETED, codes.Issuer.CS, C.BO, False),
]


@pytest.mark.parametrize(("method", "issuer", "channel", "allowed"), CHANNEL_CASES)
def test_channel_against_method(m100, method, issuer, channel, allowed):
    extra = {}
    if method == W.AUTO:
        extra = {"auto_issu_typ_cd": "2101", "auto_issu_potm_cd": "10", "auto_issu_qty": 1}
    promotion = approved_promotion(cpn_issu_way_cd=method, cpn_issu_main_cd=issuer, **extra)
    reason = codes.CsReason.LATE_DELIVERY if issuer == codes.Issuer.CS else ""
    if allowed:
        assert (
            len(coupon_issue(member=m100, promotion=promotion, channel=channel, reason_cd=reason))
            == 1
        )
    else:
        with pytest.raises(IssueRefused) as info:
            coupon_issue(member=m100, promotion=promotion, channel=channel, reason_cd=reason)
        assert info.value.code == errors.NOT_DOWNLOADABLE
        assert_nothing_issued(promotion)


def test_cs_coupon_needs_a_reason(m100):
    promotion = cs_promotion()
    for reason in ("", "99"):
        with pytest.raises(IssueRefused) as info:
            coupon_issue(member=m100, promotion=promotion, channel=C.CS, reason_cd=reason)
        assert info.value.code == errors.REASON_REQUIRED
        assert info.value.http_status == 400
    assert_nothing_issued(promotion)
    (coupon,) = coupon_issue(
        member=m100,
        promotion=promotion,
        channel=C.CS,
        reason_cd="02",
        user=staff("cs1", "CS agent"),
        memo="늦은 배송",
        ord_no="O-1",
    )
    assert (
        coupon.cs_cpn_pay_caus_cd,
        coupon.system_user_no,
        coupon.issued_by.username,
        coupon.memo,
        coupon.ord_no,
    ) == ("02", "cs1", "cs1", "늦은 배송", "O-1")


def test_grade_medium_status_period_and_unknowns(m100):
    gold_up = approved_promotion(grade_cds=[G.GOLD], upr_grade_aply_yn=True)
    member("green", grade=G.GREEN)
    member("vip", grade=G.VIP)
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member="green", promotion=gold_up, channel=C.DOWNLOAD)
    assert info.value.code == errors.GRADE_NOT_ELIGIBLE
    assert len(coupon_issue(member="vip", promotion=gold_up, channel=C.DOWNLOAD)) == 1

    pc_only = approved_promotion(ord_media_cds=[codes.OrdMedia.PC])
    with pytest.raises(IssueRefused) as info:
        coupon_issue(
            member=m100, promotion=pc_only, channel=C.DOWNLOAD, ord_media_cd=codes.OrdMedia.IOS
        )
    assert info.value.code == errors.MEDIUM_NOT_ELIGIBLE
    assert_nothing_issued(pc_only)

    suspended = promotion_suspend(
        user=staff("boss", superuser=True), promotion=approved_promotion()
    )
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=suspended, channel=C.DOWNLOAD)
    assert info.value.code == errors.NOT_APPROVED

    later = approved_promotion()
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=later, channel=C.DOWNLOAD, now=later.promo_end_dtm)
    assert info.value.code == errors.NOT_IN_PERIOD
    assert_nothing_issued(later)

    with pytest.raises(IssueRefused) as info:
        coupon_issue(member="nobody", promotion=later, channel=C.DOWNLOAD)
    assert (info.value.code, info.value.http_status) == (errors.UNKNOWN_MEMBER, 404)
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion="C9999999", channel=C.DOWNLOAD)
    assert (info.value.code, info.value.http_status) == (errors.UNKNOWN_PROMOTION, 404)


def test_suspended_between_read_and_update_is_refused_by_the_update(m100):
    """The status is re-checked inside the conditional UPDATE, not only on the (stale) instance."""
    promotion = approved_promotion()
    Promotion.objects.filter(pk=promotion.pk).update(promo_stat_cd=codes.PromoStatus.SUSPENDED)
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=promotion, channel=C.DOWNLOAD)
    assert info.value.code == errors.NOT_APPROVED
    assert_nothing_issued(promotion)


def test_deleted_between_read_and_update_is_refused_not_a_500(m100):
    """A promotion removed after it was read (a draft deleted mid-request) answers UNKNOWN_PROMOTION."""
    promotion = approved_promotion()
    Promotion.objects.filter(pk=promotion.pk).delete()
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member=m100, promotion=promotion, channel=C.DOWNLOAD)
    assert (info.value.code, info.value.http_status) == (errors.UNKNOWN_PROMOTION, 404)
    assert MemberCoupon.objects.count() == 0


def test_period_bounds_are_compared_by_the_database_exactly(m100):
    """The conditional UPDATE compares datetimes in SQL (UTC on SQLite too): start inclusive, end exclusive."""
    promotion = approved_promotion()
    assert (
        len(
            coupon_issue(
                member=m100, promotion=promotion, channel=C.DOWNLOAD, now=promotion.promo_str_dtm
            )
        )
        == 1
    )
    assert issued_qty(promotion) == 1


def test_counter_cannot_exceed_the_limit_even_by_sql():
    promotion = approved_promotion(issu_lmt_qty=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.filter(pk=promotion.pk).update(issu_qty=2)


def test_round_is_issued_once(m100):
    promotion = auto_promotion(auto_issu_qty=2, mbr_issu_lmt_qty=10)
    first = coupon_issue(
        member=m100, promotion=promotion, qty=2, channel=C.BATCH, auto_issu_odr="20260101"
    )
    assert [c.seq for c in first] == [1, 2]
    with pytest.raises(IssueRefused) as info:
        coupon_issue(
            member=m100, promotion=promotion, qty=2, channel=C.BATCH, auto_issu_odr="20260101"
        )
    assert info.value.code == errors.ALREADY_ISSUED
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 2
    assert issued_qty(promotion) == 2 and counter(promotion, "100") == 2
    assert (
        len(
            coupon_issue(
                member=m100, promotion=promotion, qty=2, channel=C.BATCH, auto_issu_odr="20260102"
            )
        )
        == 2
    )
    assert issued_qty(promotion) == 4


def test_round_unique_key_refuses_a_duplicate_row(m100):
    promotion = auto_promotion()
    (coupon,) = coupon_issue(member=m100, promotion=promotion, channel=C.BATCH, auto_issu_odr="R1")
    coupon.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        coupon.save()


# -- request level -----------------------------------------------------------------------------


def test_download_repeated_promo_no_asks_for_copies_each_all_or_nothing(m100):
    two = approved_promotion(mbr_issu_lmt_qty=2)
    one = approved_promotion(mbr_issu_lmt_qty=1)
    outcome = coupons_download(
        member="100", promo_nos=[two.promo_no, one.promo_no, two.promo_no, one.promo_no, "C0000000"]
    )
    assert outcome.as_dict() == {
        "issuedCnt": 2,
        "results": [
            {
                "promoNo": two.promo_no,
                "issuedQty": 2,
                "code": "OK",
                "message": "2장 발급되었습니다.",
            },
            {
                "promoNo": one.promo_no,
                "issuedQty": 0,
                "code": "MEMBER_LIMIT",
                "message": "회원당 발급한도(1장)를 넘습니다.",
            },
            {
                "promoNo": "C0000000",
                "issuedQty": 0,
                "code": "UNKNOWN_PROMOTION",
                "message": "존재하지 않는 프로모션입니다: C0000000",
            },
        ],
    }
    assert outcome.http_status == 200
    assert MemberCoupon.objects.filter(promotion=one).count() == 0
    assert issued_qty(one) == 0


def test_download_refused_everything_answers_the_first_refusal(m100):
    code_promo = approved_promotion(cpn_issu_way_cd=W.CODE, dc_cpn_cd="WELCOME10")
    outcome = coupons_download(member=m100, promo_nos=[code_promo.promo_no])
    assert outcome.issued_cnt == 0
    assert outcome.first_refusal.code == errors.NOT_DOWNLOADABLE
    assert outcome.http_status == 409
    by_code = coupons_download(member=m100, promo_nos=None, dc_cpn_cd="welcome10")
    assert by_code.as_dict()["results"] == [
        {
            "promoNo": code_promo.promo_no,
            "issuedQty": 1,
            "code": "OK",
            "message": "1장 발급되었습니다.",
        }
    ]
    assert MemberCoupon.objects.get(promotion=code_promo).channel == C.CODE
    unknown = coupons_download(member=m100, promo_nos=[], dc_cpn_cd="NOPE1234")
    assert (unknown.first_refusal.code, unknown.http_status) == (errors.UNKNOWN_PROMOTION, 404)
    with pytest.raises(DomainError) as info:
        coupons_download(member=m100, promo_nos=[], dc_cpn_cd="")
    assert info.value.code == "NOTHING_REQUESTED"


def test_idempotency_key_replays_first_outcome_and_issues_nothing_more(m100):
    promotion = approved_promotion(mbr_issu_lmt_qty=5)
    first = coupons_download(member=m100, promo_nos=[promotion.promo_no], idempotency_key="k-1")
    again = coupons_download(member=m100, promo_nos=[promotion.promo_no], idempotency_key="k-1")
    assert not first.replayed and again.replayed
    assert again.as_dict() == first.as_dict()
    assert again.results[0].cpn_isu_nos == first.results[0].cpn_isu_nos
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 1
    assert issued_qty(promotion) == 1
    # The key is scoped to the member: another member's identical key is a new request.
    member("200")
    other = coupons_download(member="200", promo_nos=[promotion.promo_no], idempotency_key="k-1")
    assert not other.replayed and other.issued_cnt == 1
    # The same key with another body is a client error, and issues nothing.
    with pytest.raises(Conflict) as info:
        coupons_download(
            member=m100, promo_nos=[promotion.promo_no, promotion.promo_no], idempotency_key="k-1"
        )
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 2
    assert IssueIdempotency.objects.count() == 2


def test_refused_outcome_is_replayed_too(m100):
    promotion = approved_promotion(issu_lmt_qty=1)
    member("200")
    coupon_issue(member="200", promotion=promotion, channel=C.DOWNLOAD)
    first = coupons_download(member=m100, promo_nos=[promotion.promo_no], idempotency_key="k-2")
    assert first.first_refusal.code == errors.SOLD_OUT
    # Even once stock is back, the key answers its first outcome.
    Promotion.objects.filter(pk=promotion.pk).update(issu_lmt_qty=5)
    again = coupons_download(member=m100, promo_nos=[promotion.promo_no], idempotency_key="k-2")
    assert again.replayed and again.as_dict() == first.as_dict()
    assert MemberCoupon.objects.filter(member=m100).count() == 0


def test_bo_download_auto_issue_round_and_cs_reason(m100):
    auto = auto_promotion(auto_issu_qty=3, mbr_issu_lmt_qty=10)
    cs = cs_promotion()
    bo_user = staff("bo-batch", "Merchandiser")
    outcome = coupons_download_bo(
        mbr_no="100",
        promo_nos=[auto.promo_no, cs.promo_no],
        system_user_no="BATCH",
        auto_issu_odr="20260501",
        user=bo_user,
    )
    assert [(r["promoNo"], r["issuedQty"], r["code"]) for r in outcome.as_dict()["results"]] == [
        (auto.promo_no, 3, "OK"),
        (cs.promo_no, 0, "REASON_REQUIRED"),
    ]
    assert set(
        MemberCoupon.objects.filter(promotion=auto).values_list(
            "channel", "system_user_no", "auto_issu_odr"
        )
    ) == {("BATCH", "BATCH", "20260501")}
    again = coupons_download_bo(
        mbr_no="100",
        promo_nos=[auto.promo_no, cs.promo_no],
        system_user_no="BATCH",
        auto_issu_odr="20260501",
        cs_reason_cd="05",
        user=bo_user,
    )
    assert [(r["promoNo"], r["issuedQty"], r["code"]) for r in again.as_dict()["results"]] == [
        (auto.promo_no, 0, "ALREADY_ISSUED"),
        (cs.promo_no, 1, "OK"),
    ]
    assert MemberCoupon.objects.filter(promotion=auto).count() == 3
    assert issued_qty(auto) == 3
    cs_coupon = MemberCoupon.objects.get(promotion=cs)
    assert (cs_coupon.channel, cs_coupon.cs_cpn_pay_caus_cd, cs_coupon.issued_by) == (
        "CS",
        "05",
        bo_user,
    )
    unknown = coupons_download_bo(
        mbr_no="nobody",
        promo_nos=[auto.promo_no],
        system_user_no="BATCH",
        auto_issu_odr="20260501",
        user=bo_user,
    )
    assert (unknown.first_refusal.code, unknown.http_status) == (errors.UNKNOWN_MEMBER, 404)
