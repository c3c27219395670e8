"""The best choice is the best: `pricing.best_choice` against a brute-force enumeration of every
legal assignment (each priced by `pricing.evaluate`) on generated carts, compared by SPEC §7's
order (largest total, fewer coupons, the copies that expire first)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coupons import codes, pricing
from coupons.pricing import Assignment, DeliveryGroup
from tests.coupons.test_pricing import NOW, copy, line, order, terms

BRANDS = ("B1", "B2")
TYPES = (
    codes.PromoType.GOODS,
    codes.PromoType.STACKABLE,
    codes.PromoType.CART,
    codes.PromoType.FREE_SHIPPING,
)


def _injections(lines, copies):
    """Every partial one-to-one map of lines to copies, as ((seq, cpn_isu_no), ...)."""
    if not lines:
        yield ()
        return
    head, rest = lines[0], lines[1:]
    yield from _injections(rest, copies)
    for c in copies:
        others = [o for o in copies if o is not c]
        for tail in _injections(rest, others):
            yield ((head.ord_goods_seq, c.cpn_isu_no), *tail)


def brute_force(o, copies):
    """The smallest `choice_key` over every assignment `evaluate` accepts."""
    by_type = {t: [c for c in copies if c.terms.promo_typ_cd == t] for t in TYPES}
    carts = [None] + [c.cpn_isu_no for c in by_type[codes.PromoType.CART]]
    ships = [None] + [
        (c.cpn_isu_no, g.deli_no) for c in by_type[codes.PromoType.FREE_SHIPPING] for g in o.groups
    ]
    by_no = {c.cpn_isu_no: c for c in copies}
    goods_maps = list(_injections(list(o.lines), by_type[codes.PromoType.GOODS]))
    stack_maps = list(_injections(list(o.lines), by_type[codes.PromoType.STACKABLE]))
    best = None
    for goods in goods_maps:
        for stack in stack_maps:
            for cart in carts:
                for ship in ships:
                    a = Assignment(goods=goods, stackable=stack, cart=cart, shipping=ship)
                    choice, refusals = pricing.evaluate(o, by_no, a)
                    if refusals:
                        continue
                    key = pricing.choice_key(choice)
                    if best is None or key < best[0]:
                        best = (key, choice)
    return best


@st.composite
def promotions(draw):
    typ = draw(st.sampled_from(TYPES))
    kw = {}
    if typ != codes.PromoType.FREE_SHIPPING:
        if draw(st.booleans()):
            kw["rate"] = draw(st.integers(1, 99))
            if draw(st.booleans()):
                kw["max_dc_amt"] = draw(st.integers(1, 300)) * 10
        else:
            kw["amount"] = draw(st.integers(1, 2000)) * 10
    kw["min_buy_amt"] = draw(st.sampled_from([0, 0, 0, 5000, 10000, 20000, 30000]))
    kw["min_buy_qty"] = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
    scope = draw(st.sampled_from(["all", "all", "apply", "exclude"]))
    brand = draw(st.sampled_from(BRANDS))
    if scope == "apply":
        kw["all_goods_yn"] = False
        kw["applies"] = frozenset({("06", brand)})
    elif scope == "exclude":
        kw["excludes"] = frozenset({("06", brand)})
    kw["our_chrg_rate"] = draw(st.sampled_from([100, 70, 50, 0]))
    kw["entr_chrg_rate"] = 100 - kw["our_chrg_rate"]
    return terms(typ, **kw)


@st.composite
def carts(draw):
    n_lines = draw(st.integers(2, 3))
    lines = tuple(
        line(
            seq,
            draw(st.one_of(st.integers(1, 600).map(lambda x: x * 100), st.integers(0, 60000))),
            cnt=draw(st.integers(1, 3)),
            brand_no=draw(st.sampled_from(BRANDS)),
        )
        for seq in range(1, n_lines + 1)
    )
    groups = ()
    if draw(st.booleans()):
        seqs = [ln.ord_goods_seq for ln in lines]
        cut_at = draw(st.integers(1, len(seqs)))
        parts = [tuple(seqs[:cut_at]), tuple(seqs[cut_at:])]
        groups = tuple(
            DeliveryGroup(f"D{i}", draw(st.sampled_from([0, 2500, 3000])), part)
            for i, part in enumerate(parts)
            if part
        )
    promos = draw(st.lists(promotions(), min_size=2, max_size=5))
    n_copies = draw(st.integers(3, 6))
    copies = [
        copy(
            draw(st.sampled_from(promos)),
            no=no,
            valid_until=NOW + timedelta(days=draw(st.integers(1, 3))),
        )
        for no in range(1, n_copies + 1)
    ]
    return order(*lines, groups=groups), copies


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(carts())
def test_best_choice_equals_brute_force(cart):
    o, copies = cart
    expected_key, expected = brute_force(o, copies)
    got = pricing.best_choice(o, copies)
    assert pricing.choice_key(got) == expected_key, (got, expected)
    # the same copies, so the same total and tie-break (the assignment of equals may differ)
    assert got.cpn_isu_nos == expected.cpn_isu_nos
    assert got.total_dc_amt == expected.total_dc_amt


@settings(max_examples=200, deadline=None, derandomize=True)
@given(carts())
def test_every_listed_benefit_and_the_best_are_priced_by_evaluate(cart):
    o, copies = cart
    p = pricing.price_order(o, copies)
    by_no = {c.cpn_isu_no: c for c in copies}
    a = Assignment(
        goods=tuple(
            (b.ord_goods_seq, b.copy.cpn_isu_no) for b in p.best.of_type(codes.PromoType.GOODS)
        ),
        stackable=tuple(
            (b.ord_goods_seq, b.copy.cpn_isu_no) for b in p.best.of_type(codes.PromoType.STACKABLE)
        ),
        cart=next((b.copy.cpn_isu_no for b in p.best.of_type(codes.PromoType.CART)), None),
        shipping=next(
            ((b.copy.cpn_isu_no, b.deli_no) for b in p.best.of_type(codes.PromoType.FREE_SHIPPING)),
            None,
        ),
    )
    again, refusals = pricing.evaluate(o, by_no, a)
    assert refusals == () and again == p.best
    check = pricing.check_use(
        o,
        copies,
        [
            pricing.Use(b.copy.cpn_isu_no, b.dc_amt, b.ord_goods_seq, b.deli_no)
            for b in p.best.benefits
        ],
    )
    assert check.ok and check.choice.total_dc_amt == p.best.total_dc_amt
    for b in p.best.benefits:
        assert b.our_dc_amt + b.entr_dc_amt == b.dc_amt and b.our_dc_amt >= 0
        if b.allocations:
            assert sum(x.dc_amt for x in b.allocations) == b.dc_amt
            assert sum(x.our_dc_amt for x in b.allocations) == b.our_dc_amt
            assert all(x.entr_dc_amt >= 0 for x in b.allocations)


@st.composite
def tight_carts(draw):
    """Carts where a cart coupon's minimum bites after line discounts and several copies of one
    goods coupon compete for the lines."""
    n_lines = draw(st.integers(2, 3))
    lines = tuple(
        line(seq, draw(st.integers(10, 300)) * 100, cnt=draw(st.integers(1, 2)), brand_no="B1")
        for seq in range(1, n_lines + 1)
    )
    full = sum(ln.amount for ln in lines)
    goods = terms(codes.PromoType.GOODS, rate=draw(st.integers(5, 50)))
    stack = terms(codes.PromoType.STACKABLE, amount=draw(st.integers(1, 300)) * 10)
    cart = terms(
        codes.PromoType.CART,
        rate=draw(st.integers(5, 30)),
        min_buy_amt=full - draw(st.integers(0, full // 4)) // 10 * 10,
    )
    promos = [goods, goods, stack, cart, draw(promotions())]
    copies = [
        copy(
            promos[i % len(promos)] if i < 5 else draw(st.sampled_from(promos)),
            no=no,
            valid_until=NOW + timedelta(days=draw(st.integers(1, 3))),
        )
        for i, no in enumerate(range(1, draw(st.integers(5, 6)) + 1))
    ]
    return order(*lines), copies


@settings(max_examples=150, deadline=None, derandomize=True)
@given(tight_carts())
def test_best_choice_equals_brute_force_when_the_cart_minimum_bites(cart):
    o, copies = cart
    expected_key, expected = brute_force(o, copies)
    got = pricing.best_choice(o, copies)
    assert pricing.choice_key(got) == expected_key, (got, expected)
    assert got.cpn_isu_nos == expected.cpn_isu_nos
