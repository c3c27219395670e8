"""Use and the budget under real concurrency: threads, each with its own PostgreSQL connection."""

from collections import Counter

import pytest

from coupons.models import CouponOrder, CouponUse, MemberCoupon, Promotion
from coupons.use import coupons_use
from tests.coupons.issuing_factories import members_sql
from tests.coupons.test_issuing_concurrency import run_concurrently
from tests.coupons.use_factories import give, goods, goods_promotion, member, use_kwargs

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

LINE = [{"ord_goods_seq": 1, "goods_no": "G1", "cnt": 2, "sale_prc": 15000}]


def outcome_codes(results) -> Counter:
    return Counter(getattr(r, "code", "OK" if hasattr(r, "body") else repr(r)) for r in results)


def test_50_orders_racing_for_one_copy_exactly_one_wins():
    goods("G1", 15000)
    mbr = member("420000001")
    promo = goods_promotion(budget_amt=1_000_000)
    (copy,) = give(mbr, promo)
    uses = [{"cpn_isu_no": copy.pk, "ord_goods_seq": 1, "dc_amt": 2000}]

    results = run_concurrently(
        50, lambda i: coupons_use(**use_kwargs(f"RACE-{i}", mbr, uses, LINE)), threads=25
    )

    counts = outcome_codes(results)
    assert counts["OK"] == 1, counts
    assert sum(counts.values()) == 50
    assert set(counts) <= {"OK", "COUPON_NOT_USABLE", "COUPON_ALREADY_USED"}, counts
    assert CouponUse.objects.count() == 1 and CouponOrder.objects.count() == 1
    winner = next(r for r in results if hasattr(r, "body"))
    assert MemberCoupon.objects.get(pk=copy.pk).use_ord_no == winner.body["ordNo"]
    assert Promotion.objects.get(pk=promo.pk).budget_used == 2000


def test_200_uses_against_a_budget_never_pass_it():
    goods("G1", 15000)
    members_sql(200, first=730_000_000)
    # 2,000 a use; a budget of 101,000 holds 50 uses (the 51st would need 102,000)
    promo = goods_promotion(budget_amt=101_000)
    copies = [give(str(730_000_000 + i), promo.promo_no)[0] for i in range(200)]

    def use(i):
        coupon = copies[i]
        uses = [{"cpn_isu_no": coupon.pk, "ord_goods_seq": 1, "dc_amt": 2000}]
        return coupons_use(**use_kwargs(f"BUDGET-{i}", coupon.member, uses, LINE))

    results = run_concurrently(200, use)

    assert outcome_codes(results) == Counter({"OK": 50, "BUDGET_EXHAUSTED": 150})
    assert Promotion.objects.get(pk=promo.pk).budget_used == 100_000
    assert MemberCoupon.objects.filter(promotion=promo, status="USED").count() == 50
    assert CouponUse.objects.count() == 50


def test_the_same_order_sent_by_20_threads_is_one_use():
    goods("G1", 15000)
    mbr = member("420000002")
    promo = goods_promotion()
    (copy,) = give(mbr, promo)
    uses = [{"cpn_isu_no": copy.pk, "ord_goods_seq": 1, "dc_amt": 2000}]

    results = run_concurrently(20, lambda i: coupons_use(**use_kwargs("SAME-1", mbr, uses, LINE)))

    assert outcome_codes(results) == Counter({"OK": 20}), results
    assert {r.body["ordNo"] for r in results} == {"SAME-1"}
    assert len({r.body["useDtm"] for r in results}) == 1  # every answer is the first one
    assert CouponUse.objects.count() == 1
    assert Promotion.objects.get(pk=promo.pk).budget_used == 2000
