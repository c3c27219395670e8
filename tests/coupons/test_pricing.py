"""Worked examples of SPEC §7's pricing rules with exact amounts, on the pure part of
coupons.pricing (dataclasses in and out, no database)."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from coupons import codes, pricing
from coupons.pricing import Assignment, Copy, DeliveryGroup, Line, Order, Terms, Use

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=SEOUL)  # a Tuesday, 13:00
MBR = "M0001"
_ids = itertools.count(1)


def terms(typ=codes.PromoType.GOODS, *, rate=None, amount=None, **kw) -> Terms:
    pk = next(_ids)
    kind = codes.DiscountKind.RATE if rate is not None else codes.DiscountKind.AMOUNT
    data = {
        "promo_id": pk,
        "promo_no": f"C{1000000 + pk}",
        "promo_nm": f"쿠폰 {pk}",
        "promo_typ_cd": typ,
        "fix_amt_fxrt_gb_cd": "" if typ == codes.PromoType.FREE_SHIPPING else kind,
        "dc_rate_amt": rate if rate is not None else (amount or 0),
    }
    data.update(kw)
    return Terms(**data)


def copy(t: Terms, *, no=None, days=10, **kw) -> Copy:
    data = {
        "cpn_isu_no": no or next(_ids),
        "mbr_no": MBR,
        "terms": t,
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=days),
    }
    data.update(kw)
    return Copy(**data)


def line(seq, prc, cnt=1, **kw) -> Line:
    data = {
        "ord_goods_seq": seq,
        "goods_no": f"G{seq}",
        "cnt": cnt,
        "sale_prc": prc,
        "site_no": "1",
        "entr_no": "V1",
        "disp_ctg_no": "CAT1",
        "brand_no": "B1",
    }
    data.update(kw)
    return Line(**data)


def order(*lines, groups=(), now=NOW, medium="20", site="1") -> Order:
    return Order(mbr_no=MBR, ord_media_cd=medium, site_no=site, now=now, lines=lines, groups=groups)


def priced(o: Order, copies, **placed):
    choice, refusals = pricing.evaluate(o, {c.cpn_isu_no: c for c in copies}, Assignment(**placed))
    return choice, refusals


def amounts(choice) -> dict:
    return {b.copy.cpn_isu_no: (b.dc_amt, b.our_dc_amt, b.entr_dc_amt) for b in choice.benefits}


# -- worked examples ---------------------------------------------------------------------------
def test_fixed_and_rate_goods_coupons_on_two_lines_and_a_stackable_on_top():
    fixed = copy(terms(amount=3000, our_chrg_rate=60, entr_chrg_rate=40), no=1)
    rate = copy(terms(rate=15), no=2)
    stack = copy(
        terms(codes.PromoType.STACKABLE, rate=5, our_chrg_rate=0, entr_chrg_rate=100), no=3
    )
    o = order(line(1, 25000, cnt=2), line(2, 33330))
    choice, refusals = priced(o, [fixed, rate, stack], goods=((1, 1), (2, 2)), stackable=((2, 3),))
    assert refusals == ()
    assert amounts(choice) == {
        1: (6000, 3600, 2400),  # 3,000 off each of 2 units; mall 60 %
        2: (4990, 4990, 0),  # 33,330 × 15 % = 4,999.5 → cut to 4,990
        3: (1410, 0, 1410),  # (33,330 − 4,990) × 5 % = 1,417 → 1,410, all the vendor's
    }
    assert choice.total_dc_amt == 12400
    by_no = {b.copy.cpn_isu_no: b for b in choice.benefits}
    assert by_no[1].dc_amt_per_cnt == 3000 and by_no[1].cnt == 2


def test_fixed_amount_is_at_most_the_unit_price():
    big = copy(terms(amount=5000), no=1)
    choice, _ = priced(order(line(1, 3000, cnt=3)), [big], goods=((1, 1),))
    assert amounts(choice) == {1: (9000, 9000, 0)}


@pytest.mark.parametrize(
    "rate, expected, remainder_line",
    [
        # 60,001 × 10 % = 6,000; shares 999.98 / 1,999.97 / 3,000.05 cut → 999 / 1,999 / 3,000,
        # the 2 KRW left go on the largest line.
        (10, [999, 1999, 3002], 3),
    ],
)
def test_cart_coupon_allocated_over_three_lines_with_the_rounding_remainder(
    rate, expected, remainder_line
):
    cart = copy(terms(codes.PromoType.CART, rate=rate, our_chrg_rate=70, entr_chrg_rate=30), no=9)
    goods = copy(terms(amount=1000, applies=frozenset({("02", "G1")}), all_goods_yn=False), no=8)
    # line 1 is 11,000 − a 1,000 goods coupon: the cart works on what the line coupons leave
    o = order(line(1, 11000), line(2, 20000), line(3, 30001))
    choice, refusals = priced(o, [cart, goods], goods=((1, 8),), cart=9)
    assert refusals == ()
    benefit = next(b for b in choice.benefits if b.copy.cpn_isu_no == 9)
    assert (benefit.dc_amt, benefit.our_dc_amt, benefit.entr_dc_amt) == (6000, 4200, 1800)
    assert [a.dc_amt for a in benefit.allocations] == expected
    assert [a.ord_goods_seq for a in benefit.allocations] == [1, 2, 3]
    # the mall share allocated the same way: 699.3 / 1,399.3 / 2,101.4 → +1 on the largest
    assert [a.our_dc_amt for a in benefit.allocations] == [699, 1399, 2102]
    assert [a.entr_dc_amt for a in benefit.allocations] == [300, 600, 900]
    assert sum(a.dc_amt for a in benefit.allocations) == benefit.dc_amt


def test_fixed_cart_coupon_remainder_on_the_largest_line():
    cart = copy(terms(codes.PromoType.CART, amount=10000, min_buy_amt=50000), no=1)
    o = order(line(1, 10000), line(2, 20000), line(3, 30001))
    choice, _ = priced(o, [cart], cart=1)
    (benefit,) = choice.benefits
    # 1,666.64 / 3,333.28 / 5,000.08 → 1,666 / 3,333 / 5,000 and the 1 KRW left on line 3
    assert [a.dc_amt for a in benefit.allocations] == [1666, 3333, 5001]


def test_max_dc_amt_caps_the_whole_discount():
    capped = copy(terms(rate=20, max_dc_amt=5000), no=1)
    choice, _ = priced(order(line(1, 50000, cnt=2)), [capped], goods=((1, 1),))
    assert amounts(choice) == {1: (5000, 5000, 0)}  # 20 % of 100,000 is 20,000, capped


@pytest.mark.parametrize("prc, applies", [(29990, False), (30000, True)])
def test_min_buy_amt_just_missed_and_just_met(prc, applies):
    c = copy(terms(amount=3000, min_buy_amt=30000), no=1)
    o = order(line(1, prc))
    choice, refusals = priced(o, [c], goods=((1, 1),))
    if applies:
        assert amounts(choice) == {1: (3000, 3000, 0)} and refusals == ()
        assert pricing.best_choice(o, [c]).total_dc_amt == 3000
    else:
        assert choice.benefits == ()
        assert [r.code for r in refusals] == [pricing.MIN_BUY_NOT_MET]
        assert pricing.best_choice(o, [c]).benefits == ()


def test_cart_minimum_is_on_the_amount_after_line_discounts():
    cart = copy(terms(codes.PromoType.CART, amount=5000, min_buy_amt=50000), no=1)
    goods = copy(terms(amount=1000), no=2)
    o = order(line(1, 50000))
    _, refusals = priced(o, [cart, goods], goods=((1, 2),), cart=1)
    assert [r.code for r in refusals] == [pricing.MIN_BUY_NOT_MET]  # 49,000 < 50,000
    # so the best choice is the cart coupon alone (5,000), not both, not the goods coupon (1,000)
    best = pricing.best_choice(o, [cart, goods])
    assert amounts(best) == {1: (5000, 5000, 0)}


def test_free_shipping_on_one_of_two_delivery_groups():
    ship = copy(
        terms(codes.PromoType.FREE_SHIPPING, applies=frozenset({("05", "V1")}), all_goods_yn=False),
        no=1,
    )
    o = order(
        line(1, 10000, entr_no="V1"),
        line(2, 20000, entr_no="V2"),
        groups=(DeliveryGroup("D1", 3000, (1,)), DeliveryGroup("D2", 2500, (2,))),
    )
    choice, refusals = priced(o, [ship], shipping=(1, "D1"))
    assert amounts(choice) == {1: (3000, 3000, 0)} and refusals == ()
    _, refusals = priced(o, [ship], shipping=(1, "D2"))
    assert [r.code for r in refusals] == [pricing.GOODS_NOT_ELIGIBLE]
    best = pricing.best_choice(o, [ship])
    assert [(b.copy.cpn_isu_no, b.deli_no, b.dc_amt) for b in best.benefits] == [(1, "D1", 3000)]
    listed = pricing.price_order(o, [ship]).shipping_benefits
    assert [(b.deli_no, b.dc_amt) for b in listed] == [("D1", 3000)]


@pytest.mark.parametrize(
    "window, usable",
    [
        ({"weekdays": ("1",)}, False),  # Mondays only; now is a Tuesday
        ({"weekdays": ("2",)}, True),
        ({"time_from": time(10), "time_to": time(12)}, False),  # now is 13:00
        ({"time_from": time(12), "time_to": time(14)}, True),
    ],
)
def test_time_coupon_outside_its_window(window, usable):
    c = copy(terms(amount=1000, **window), no=1)
    o = order(line(1, 20000))
    refusal = pricing.copy_refusal(o, c)
    assert (refusal is None) == usable
    if not usable:
        assert refusal.code == pricing.OUT_OF_TIME_WINDOW
        _, refusals = priced(o, [c], goods=((1, 1),))
        assert [r.code for r in refusals] == [pricing.OUT_OF_TIME_WINDOW]
    assert pricing.best_choice(o, [c]).total_dc_amt == (1000 if usable else 0)


def test_excluded_brand():
    c = copy(terms(rate=10, excludes=frozenset({("06", "B9")})), no=1)
    o = order(line(1, 20000, brand_no="B9"), line(2, 30000, brand_no="B1"))
    _, refusals = priced(o, [c], goods=((1, 1),))
    assert [r.code for r in refusals] == [pricing.GOODS_NOT_ELIGIBLE]
    best = pricing.best_choice(o, [c])
    assert [(b.ord_goods_seq, b.dc_amt) for b in best.benefits] == [(2, 3000)]


@pytest.mark.parametrize(
    "change, code",
    [
        ({"status": codes.CouponStatus.USED}, pricing.COUPON_NOT_USABLE),
        ({"mbr_no": "OTHER"}, pricing.UNKNOWN_COUPON),
        ({"valid_until": NOW}, pricing.NOT_IN_VALIDITY),
        ({"valid_from": NOW + timedelta(seconds=1)}, pricing.NOT_IN_VALIDITY),
    ],
)
def test_copy_level_refusals(change, code):
    c = copy(terms(amount=1000), no=1, **change)
    assert pricing.copy_refusal(order(line(1, 20000)), c).code == code


def test_medium_site_and_free_return():
    o = order(line(1, 20000), medium="40", site="2")
    pc_only = copy(terms(amount=1000, ord_media_cds=("20",)), no=1)
    site1 = copy(terms(amount=1000, site_nos=("1",)), no=2)
    free_return = copy(terms(codes.PromoType.FREE_RETURN), no=3)
    assert pricing.copy_refusal(o, pc_only).code == pricing.MEDIUM_NOT_ELIGIBLE
    assert pricing.copy_refusal(o, site1).code == pricing.SITE_NOT_ELIGIBLE
    assert pricing.copy_refusal(o, free_return).code == pricing.NOT_PRICED_AT_ORDER


def test_scope_by_exhibition_category_and_goods_site():
    by_exh = copy(terms(amount=1000, all_goods_yn=False, applies=frozenset({("08", "E1")})), no=1)
    site2 = copy(terms(amount=1000, site_nos=("1", "2")), no=2)
    o = order(line(1, 20000, exhibitions=frozenset({"E1"})), line(2, 20000, site_no="3"))
    assert pricing.in_scope(by_exh.terms, o.lines[0])
    assert not pricing.in_scope(by_exh.terms, o.lines[1])
    assert pricing.in_scope(site2.terms, o.lines[0])
    assert not pricing.in_scope(site2.terms, o.lines[1])  # the goods' own site is not open


def test_one_goods_coupon_per_line_and_one_cart_per_order():
    a, b = copy(terms(amount=1000), no=1), copy(terms(amount=2000), no=2)
    _, refusals = priced(order(line(1, 20000)), [a, b], goods=((1, 1), (1, 2)))
    assert [(r.cpn_isu_no, r.code) for r in refusals] == [(2, pricing.NOT_COMBINABLE)]
    uses = [Use(1, 0), Use(2, 0)]
    carts = [copy(terms(codes.PromoType.CART, amount=1000), no=n) for n in (1, 2)]
    check = pricing.check_use(order(line(1, 20000)), carts, uses)
    assert [(r.cpn_isu_no, r.code) for r in check.refusals] == [
        (2, pricing.NOT_COMBINABLE),
        (1, pricing.DC_AMT_MISMATCH),
    ]


def test_two_copies_of_one_promotion_on_two_lines():
    t = terms(amount=1000)
    c1, c2 = copy(t, no=1), copy(t, no=2)
    best = pricing.best_choice(order(line(1, 20000), line(2, 30000)), [c1, c2])
    assert sorted((b.ord_goods_seq, b.copy.cpn_isu_no) for b in best.benefits) == [(1, 1), (2, 2)]
    assert best.total_dc_amt == 2000


# -- the best choice's tie-breaks ----------------------------------------------------------------
def test_ties_fewer_coupons_first():
    # 2,000 either way: the cart coupon alone, or a goods and a stackable coupon (with which the
    # cart's 20,000 minimum is no longer met)
    one = copy(terms(codes.PromoType.CART, amount=2000, min_buy_amt=20000), no=1)
    half_a = copy(terms(amount=1000), no=2)
    half_b = copy(terms(codes.PromoType.STACKABLE, amount=1000), no=3)
    best = pricing.best_choice(order(line(1, 20000)), [half_a, half_b, one])
    assert [b.copy.cpn_isu_no for b in best.benefits] == [1]


def test_ties_then_the_copy_that_expires_first():
    late = copy(terms(amount=1000), no=1, days=20)
    soon = copy(terms(amount=1000), no=2, days=3)
    best = pricing.best_choice(order(line(1, 20000)), [late, soon])
    assert [b.copy.cpn_isu_no for b in best.benefits] == [2]


def test_best_choice_is_not_greedy():
    # Greedy puts the 30 % coupon on the first (bigger) line and leaves the 20,000-only coupon
    # nothing; the best puts the fixed coupon where only it fits.
    rate = copy(terms(rate=30), no=1)
    fixed = copy(terms(amount=5000, all_goods_yn=False, applies=frozenset({("02", "G1")})), no=2)
    o = order(line(1, 20000), line(2, 15000))
    best = pricing.best_choice(o, [rate, fixed])
    assert sorted((b.ord_goods_seq, b.copy.cpn_isu_no, b.dc_amt) for b in best.benefits) == [
        (1, 2, 5000),
        (2, 1, 4500),
    ]


# -- price_order: the listing, the member's choice ---------------------------------------------
def test_price_order_lists_every_usable_copy_and_marks_the_best():
    goods = copy(terms(amount=1000), no=1)
    stack = copy(terms(codes.PromoType.STACKABLE, rate=10), no=2)
    cart = copy(terms(codes.PromoType.CART, rate=10), no=3)
    used = copy(terms(amount=9000), no=4, status=codes.CouponStatus.USED)
    o = order(line(1, 20000), line(2, 10000))
    p = pricing.price_order(o, [goods, stack, cart, used])
    assert [c.cpn_isu_no for c in p.usable] == [1, 2, 3]
    rows = {
        seq: [(b.copy.cpn_isu_no, b.dc_amt, p.is_max(b)) for b in bs]
        for seq, bs in p.goods_benefits.items()
    }
    # Not both on line 1 (1,000 + 19,000 × 10 % = 2,900): the stackable on line 1 (2,000) and
    # the goods coupon on line 2 (1,000); a stackable row shows it after the line's best goods
    # coupon (line 2: 9,000 × 10 % = 900)
    assert rows == {
        1: [(1, 1000, False), (2, 2000, True)],
        2: [(1, 1000, True), (2, 900, False)],
    }
    # the cart coupon: (20,000 − 2,000 + 10,000 − 1,000) × 10 % = 2,700
    assert [(b.copy.cpn_isu_no, b.dc_amt, p.is_max(b)) for b in p.cart_benefits] == [
        (3, 2700, True)
    ]
    assert p.total_dc_amt == p.best.total_dc_amt == 1000 + 2000 + 2700
    assert p.selected is None and p.refusals == ()


def test_price_order_with_the_members_choice():
    goods = copy(terms(amount=1000), no=1)
    cart_a = copy(terms(codes.PromoType.CART, amount=2000), no=2)
    cart_b = copy(terms(codes.PromoType.CART, amount=1000), no=3)
    expired = copy(terms(amount=500), no=4, valid_until=NOW - timedelta(hours=1))
    o = order(line(1, 20000))
    p = pricing.price_order(o, [goods, cart_a, cart_b, expired], chosen=[1, 2, 3, 4, 99])
    assert p.selected.cpn_isu_nos == {1, 2}
    assert p.total_dc_amt == 3000
    assert sorted((r.cpn_isu_no, r.code) for r in p.refusals) == [
        (3, pricing.NOT_COMBINABLE),
        (4, pricing.NOT_IN_VALIDITY),
        (99, pricing.UNKNOWN_COUPON),
    ]


def test_check_use_accepts_the_recomputed_amounts_and_names_the_expected_one():
    goods = copy(terms(rate=15), no=1)
    cart = copy(terms(codes.PromoType.CART, amount=2000), no=2)
    ship = copy(terms(codes.PromoType.FREE_SHIPPING), no=3)
    o = order(line(1, 33330), groups=(DeliveryGroup("D1", 3000, (1,)),))
    ok = pricing.check_use(
        o,
        [goods, cart, ship],
        [Use(1, 4990, ord_goods_seq=1), Use(2, 2000), Use(3, 3000, deli_no="D1")],
    )
    assert ok.ok and ok.choice.total_dc_amt == 9990
    bad = pricing.check_use(
        o, [goods, cart], [Use(1, 5000, ord_goods_seq=1), Use(2, 2000, ord_goods_seq=1)]
    )
    assert [(r.cpn_isu_no, r.code, r.expected_dc_amt) for r in bad.refusals] == [
        (2, pricing.PLACEMENT_INVALID, None),
        (1, pricing.DC_AMT_MISMATCH, 4990),
    ]


def test_allocate_never_passes_a_weight():
    # 2 KRW over three 1-KRW lines: floors are all 0, the remainder spills past the largest
    assert pricing.allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert pricing.allocate(0, [5, 5]) == [0, 0]
