"""What a cart gets (SPEC §7): which of a member's copies apply where, for how much, and the best
choice among them. One implementation for `orderCpnCalc` (price) and `cpnUse` (check).

Two halves:

- **Pure** (no database): frozen dataclasses in (`Order` with its `Line`s and `DeliveryGroup`s,
  the member's `Copy`s with their promotion's `Terms`), frozen dataclasses out (`Pricing`,
  `Choice`, `Benefit`, `Refusal`, `UseCheck`). `price_order`, `best_choice`, `evaluate` and
  `check_use` are the public API; money is integer KRW and only integer arithmetic is used.
- **Loading**: `load_order` reads a member's copies, their promotions and targets, and the lines'
  goods and exhibitions in a fixed number of queries (four) and builds the pure inputs.

Pricing rules (SPEC §7), each a function below:

- a copy is usable when ISSUED, the member's, inside its validity and its weekday / time window
  (`Promotion.usable_at`), for the order's medium (`Promotion.allows_medium`) and site
  (`selectors.allows_member_site`) — `copy_refusal`;
- a goods line is in a promotion's scope when the promotion is open to the goods' site, no
  exclude target names the goods and it is all-goods or an apply target names it (the Python twin
  of `selectors.goods_scope_q`) — `in_scope`;
- goods coupon (11) and stackable (13): at most one of each per line; fixed is the amount off each
  unit (at most the unit price) times `cnt`, rate is the line amount × rate cut down to 10 KRW; a
  stackable works on the line amount after the line's goods coupon. Their `minBuyAmt` /
  `minBuyQty` are met by the line (its amount before discounts) — `line_discount`;
- cart coupon (12): at most one per order, on the sum of its in-scope lines after their line
  discounts (its minimums on that sum and their quantity), allocated back in proportion to those
  amounts with the rounding remainder on the largest line — `cart_discount`, `allocate`;
- free shipping (14): at most one per order, the `dlexAmt` of one delivery group all of whose
  lines are in scope (its minimums on those lines before discounts); free return (15) is not
  priced at order time;
- `maxDcAmt` caps a copy's whole `dcAmt`, which never exceeds what it applies to; the mall share
  is `dcAmt × ourChrgRate / 100` cut down to 1 KRW and the vendor's the rest — `shares`.

The best choice (`best_choice`) is the largest total discount over every legal assignment, ties
broken by fewer coupons, then by the copies that expire first (the sorted list of their
(valid_until, cpn_isu_no), smallest first). It is an exact branch and bound, not a greedy pick:
the shipping coupon is independent and chosen apart; for no cart coupon and for each cart
promotion, a depth-first search over the lines tries every (goods, stackable) pair of every line
and prunes only a branch whose upper bound is below the best total found. The tie-breaks are one
integer score (total, then count, then a bit per copy by expiry rank), so any two choices compare
exactly. Of several assignments with the same score (equal lines, say) it returns the first in its
own order, which the cart and the copies alone decide: the same cart always gets the same picks.
tests/coupons/test_pricing_best.py checks it against brute force and pins the picks of a cart with
such ties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cached_property
from operator import itemgetter

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import codes, errors, selectors
from .models import Exhibition, Goods, Member, MemberCoupon, Promotion, PromotionTarget

# Promotion types priced at order time (free return, 15, is not).
LINE_TYPES = (codes.PromoType.GOODS, codes.PromoType.STACKABLE)
PRICED_TYPES = (*LINE_TYPES, codes.PromoType.CART, codes.PromoType.FREE_SHIPPING)
CUT_UNIT = 10  # KRW: rate discounts are cut down to this
PERCENT = 100
# read once: an enum member looked up on its class costs more than the comparison it serves
_RATE = str(codes.DiscountKind.RATE)

# Refusal codes of a copy (orderCpnCalc's refused copies, cpnUse's check).
UNKNOWN_COUPON = "UNKNOWN_COUPON"
COUPON_NOT_USABLE = "COUPON_NOT_USABLE"
NOT_IN_VALIDITY = "NOT_IN_VALIDITY"
OUT_OF_TIME_WINDOW = "OUT_OF_TIME_WINDOW"
MEDIUM_NOT_ELIGIBLE = errors.MEDIUM_NOT_ELIGIBLE
SITE_NOT_ELIGIBLE = errors.SITE_NOT_ELIGIBLE
NOT_PRICED_AT_ORDER = "NOT_PRICED_AT_ORDER"
GOODS_NOT_ELIGIBLE = "GOODS_NOT_ELIGIBLE"
MIN_BUY_NOT_MET = "MIN_BUY_NOT_MET"
NOT_COMBINABLE = "NOT_COMBINABLE"
PLACEMENT_INVALID = "PLACEMENT_INVALID"
DC_AMT_MISMATCH = "DC_AMT_MISMATCH"

PRICING_REFUSAL_CODES = {
    UNKNOWN_COUPON: "회원의 쿠폰이 아님(없는 쿠폰번호)",
    COUPON_NOT_USABLE: "발급 상태가 아님(사용/회수/만료)",
    NOT_IN_VALIDITY: "유효기간이 아님",
    OUT_OF_TIME_WINDOW: "사용 요일/시간이 아님",
    MEDIUM_NOT_ELIGIBLE: "주문매체가 대상이 아님",
    SITE_NOT_ELIGIBLE: "사이트가 대상이 아님",
    NOT_PRICED_AT_ORDER: "주문 시 적용하지 않는 쿠폰(무료반품)",
    GOODS_NOT_ELIGIBLE: "적용 대상 상품/배송이 없음",
    MIN_BUY_NOT_MET: "최소구매금액/수량 미달",
    NOT_COMBINABLE: "다른 쿠폰과 함께 적용할 수 없음(상품당·주문당 한 장)",
    PLACEMENT_INVALID: "적용 위치(주문상품/배송그룹) 오류",
    DC_AMT_MISMATCH: "할인금액 불일치",
}


# -- pure inputs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Terms:
    """A promotion's terms as pricing reads them. Attribute names are the model's, so the model's
    own rules (`Promotion.usable_at`, `allows_medium`) apply to it unchanged."""

    promo_id: int
    promo_no: str
    promo_nm: str
    promo_typ_cd: str
    fix_amt_fxrt_gb_cd: str = codes.DiscountKind.AMOUNT
    dc_rate_amt: int = 0
    min_buy_amt: int = 0
    min_buy_qty: int = 1
    max_dc_amt: int | None = None
    our_chrg_rate: int = 100
    entr_chrg_rate: int = 0
    ord_media_cds: tuple[str, ...] = tuple(codes.OrdMedia.values)
    site_nos: tuple[str, ...] = ()
    weekdays: tuple[str, ...] = ()
    time_from: time | None = None
    time_to: time | None = None
    all_goods_yn: bool = True
    # (aply_typ_cd, tgt_no) pairs
    applies: frozenset = frozenset()
    excludes: frozenset = frozenset()

    @classmethod
    def of(cls, p: Promotion, targets: Iterable[PromotionTarget] = ()) -> Terms:
        applies, excludes = set(), set()
        for t in targets:
            bucket = excludes if t.aply_gb_cd == codes.ApplyKind.EXCLUDE else applies
            bucket.add((t.aply_typ_cd, t.tgt_no))
        return cls(
            promo_id=p.pk,
            promo_no=p.promo_no,
            promo_nm=p.promo_nm,
            promo_typ_cd=p.promo_typ_cd,
            fix_amt_fxrt_gb_cd=p.fix_amt_fxrt_gb_cd or "",
            dc_rate_amt=p.dc_rate_amt or 0,
            min_buy_amt=p.min_buy_amt or 0,
            min_buy_qty=p.min_buy_qty or 0,
            max_dc_amt=p.max_dc_amt,
            our_chrg_rate=p.our_chrg_rate,
            entr_chrg_rate=p.entr_chrg_rate,
            ord_media_cds=tuple(p.ord_media_cds),
            site_nos=tuple(p.site_nos),
            weekdays=tuple(p.weekdays),
            time_from=p.time_from,
            time_to=p.time_to,
            all_goods_yn=p.all_goods_yn,
            applies=frozenset(applies),
            excludes=frozenset(excludes),
        )


@dataclass(frozen=True)
class Copy:
    """One member coupon (a copy) with its promotion's terms."""

    cpn_isu_no: int
    mbr_no: str
    terms: Terms
    valid_from: datetime
    valid_until: datetime
    status: str = codes.CouponStatus.ISSUED

    @property
    def expiry_key(self) -> tuple:
        return (self.valid_until, self.cpn_isu_no)


@dataclass(frozen=True)
class Line:
    """An order line (주문상품) with the catalog facts a scope is decided on."""

    ord_goods_seq: int
    goods_no: str
    cnt: int
    sale_prc: int
    itm_no: str | None = None
    site_no: str = ""
    entr_no: str = ""
    disp_ctg_no: str = ""
    brand_no: str = ""
    exhibitions: frozenset = frozenset()

    @property
    def amount(self) -> int:
        return self.sale_prc * self.cnt

    def target_keys(self) -> set[tuple[str, str]]:
        """The (aply_typ_cd, tgt_no) pairs that name this goods (as `selectors._target_match_q`)."""
        keys = {
            (codes.TargetType.SITE, self.site_no),
            (codes.TargetType.GOODS, self.goods_no),
            (codes.TargetType.DISPLAY_CATEGORY, self.disp_ctg_no),
            (codes.TargetType.VENDOR, self.entr_no),
        }
        if self.brand_no:
            keys.add((codes.TargetType.BRAND, self.brand_no))
        keys.update((codes.TargetType.EXHIBITION, no) for no in self.exhibitions)
        return keys

    @cached_property
    def scope_keys(self) -> frozenset[tuple[str, str]]:
        """`target_keys` kept once: pricing asks every line's scope many times."""
        return frozenset(self.target_keys())


@dataclass(frozen=True)
class DeliveryGroup:
    deli_no: str
    dlex_amt: int
    ord_goods_seqs: tuple[int, ...]


@dataclass(frozen=True)
class Order:
    mbr_no: str
    ord_media_cd: str
    site_no: str
    now: datetime
    lines: tuple[Line, ...]
    groups: tuple[DeliveryGroup, ...] = ()

    def line(self, seq: int) -> Line | None:
        return self._line_by_seq.get(seq)

    @cached_property
    def _line_by_seq(self) -> dict[int, Line]:
        by_seq: dict[int, Line] = {}
        for line in self.lines:
            by_seq.setdefault(line.ord_goods_seq, line)  # the first of equals, as a scan finds
        return by_seq

    def group(self, deli_no: str) -> DeliveryGroup | None:
        return next((g for g in self.groups if g.deli_no == deli_no), None)


@dataclass(frozen=True)
class Assignment:
    """Where each copy goes: goods and stackable copies by line, one cart copy, one shipping copy
    on one delivery group. Pairs are (ord_goods_seq, cpn_isu_no)."""

    goods: tuple[tuple[int, int], ...] = ()
    stackable: tuple[tuple[int, int], ...] = ()
    cart: int | None = None
    shipping: tuple[int, str] | None = None  # (cpn_isu_no, deli_no)

    @property
    def cpn_isu_nos(self) -> list[int]:
        nos = [no for _, no in self.goods] + [no for _, no in self.stackable]
        if self.cart is not None:
            nos.append(self.cart)
        if self.shipping is not None:
            nos.append(self.shipping[0])
        return nos


# -- pure outputs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Allocation:
    """A cart coupon's share on one line."""

    ord_goods_seq: int
    cnt: int
    dc_amt: int
    our_dc_amt: int
    entr_dc_amt: int

    @property
    def dc_amt_per_cnt(self) -> int:
        return self.dc_amt // self.cnt if self.cnt else self.dc_amt


@dataclass(frozen=True)
class Benefit:
    """A copy applied somewhere: a line (goods, stackable), the order (cart, with its
    allocation) or a delivery group (free shipping)."""

    copy: Copy
    dc_amt: int
    our_dc_amt: int
    entr_dc_amt: int
    cnt: int = 1
    ord_goods_seq: int | None = None
    deli_no: str | None = None
    allocations: tuple[Allocation, ...] = ()

    @property
    def dc_amt_per_cnt(self) -> int:
        """`dcAmt` ÷ `cnt` cut down to 1 KRW, for display (`dcAmt` is authoritative)."""
        return self.dc_amt // self.cnt if self.cnt else self.dc_amt

    @property
    def place(self) -> tuple:
        return (self.copy.cpn_isu_no, self.ord_goods_seq, self.deli_no)


@dataclass(frozen=True)
class Choice:
    """A legal set of benefits and its total."""

    benefits: tuple[Benefit, ...] = ()

    @property
    def total_dc_amt(self) -> int:
        return sum(b.dc_amt for b in self.benefits)

    @property
    def cpn_isu_nos(self) -> frozenset[int]:
        return frozenset(b.copy.cpn_isu_no for b in self.benefits)

    def of_type(self, *types: str) -> list[Benefit]:
        return [b for b in self.benefits if b.copy.terms.promo_typ_cd in types]

    def places(self) -> frozenset:
        return frozenset(b.place for b in self.benefits)


@dataclass(frozen=True)
class Refusal:
    cpn_isu_no: int
    code: str
    message: str
    expected_dc_amt: int | None = None


@dataclass(frozen=True)
class Pricing:
    """orderCpnCalc's answer: every usable copy where it applies (`goods_benefits` by line, cart
    coupons with their allocation, shipping by delivery group), the best choice, and — when the
    member chose copies — that choice and its refused copies."""

    order: Order
    usable: tuple[Copy, ...]
    goods_benefits: Mapping[int, tuple[Benefit, ...]]
    cart_benefits: tuple[Benefit, ...]
    shipping_benefits: tuple[Benefit, ...]
    best: Choice
    selected: Choice | None = None
    refusals: tuple[Refusal, ...] = ()

    @property
    def total_dc_amt(self) -> int:
        return (self.selected if self.selected is not None else self.best).total_dc_amt

    def is_max(self, benefit: Benefit) -> bool:
        return benefit.place in self._best_places

    @property
    def _best_places(self) -> frozenset:
        return self.best.places()


@dataclass(frozen=True)
class Use:
    """One line of cpnUse's `useList`: a copy, where (a line, a delivery group, or neither for a
    cart coupon) and the amount the order system computed."""

    cpn_isu_no: int
    dc_amt: int
    ord_goods_seq: int | None = None
    deli_no: str | None = None


@dataclass(frozen=True)
class UseCheck:
    """`check_use`'s verdict: the recomputed choice, and every refusal (empty when it may be used)."""

    choice: Choice
    refusals: tuple[Refusal, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refusals


# -- the rules ---------------------------------------------------------------------------------
def cut(amount: int, unit: int = CUT_UNIT) -> int:
    """`amount` cut down to a multiple of `unit`."""
    return amount // unit * unit


def copy_refusal(order: Order, copy: Copy) -> Refusal | None:
    """Why `copy` cannot be used in `order` at all (before any line is looked at), or None."""
    return _refusal(order, copy, timezone.localtime(order.now))


def _refusal(order: Order, copy: Copy, local_now: datetime) -> Refusal | None:
    """`copy_refusal` with the order's local time given (read once for many copies: it goes
    through the active time zone's thread-local lookup)."""
    t = copy.terms
    no = copy.cpn_isu_no
    if copy.mbr_no != order.mbr_no:
        return Refusal(no, UNKNOWN_COUPON, _("회원의 쿠폰이 아닙니다."))
    if copy.status != codes.CouponStatus.ISSUED:
        return Refusal(no, COUPON_NOT_USABLE, _("사용할 수 있는 상태의 쿠폰이 아닙니다."))
    if not copy.valid_from <= order.now < copy.valid_until:
        return Refusal(no, NOT_IN_VALIDITY, _("쿠폰 유효기간이 아닙니다."))
    if not Promotion.usable_at(t, local_now):
        return Refusal(no, OUT_OF_TIME_WINDOW, _("쿠폰 사용 요일/시간이 아닙니다."))
    if not Promotion.allows_medium(t, order.ord_media_cd):
        return Refusal(no, MEDIUM_NOT_ELIGIBLE, _("이 주문매체에서 사용할 수 없는 쿠폰입니다."))
    if not selectors.allows_member_site(t, order.site_no):
        return Refusal(no, SITE_NOT_ELIGIBLE, _("이 사이트에서 사용할 수 없는 쿠폰입니다."))
    if t.promo_typ_cd not in PRICED_TYPES:
        return Refusal(no, NOT_PRICED_AT_ORDER, _("주문 시 적용하는 쿠폰이 아닙니다."))
    return None


def in_scope(terms: Terms, line: Line, keys: frozenset | set | None = None) -> bool:
    """The promotion applies to the line's goods: its site, no exclusion, all goods or a target
    (`keys`: the line's `target_keys`, when the caller has them already)."""
    if terms.site_nos and line.site_no and line.site_no not in terms.site_nos:
        return False
    if keys is None:
        keys = line.scope_keys
    if not terms.excludes.isdisjoint(keys):
        return False
    return terms.all_goods_yn or not terms.applies.isdisjoint(keys)


def _capped(terms: Terms, dc: int, base: int) -> int:
    """`dc` at most `maxDcAmt` and `base`, and not below 0 (comparisons: the search asks often)."""
    cap = terms.max_dc_amt
    if cap is not None and dc > cap:
        dc = cap
    if dc > base:
        dc = base
    return dc if dc > 0 else 0


def _is_rate(terms: Terms) -> bool:
    return terms.fix_amt_fxrt_gb_cd == _RATE


def line_min_met(terms: Terms, line: Line) -> bool:
    return line.amount >= terms.min_buy_amt and line.cnt >= terms.min_buy_qty


def line_discount(terms: Terms, line: Line, base: int) -> int:
    """A goods (11) or stackable (13) coupon's discount on `line` whose amount is now `base`
    (the line amount, or what the goods coupon left): fixed per unit × cnt, rate cut to 10 KRW."""
    if _is_rate(terms):
        dc = cut(base * terms.dc_rate_amt // PERCENT)
    else:
        dc = terms.dc_rate_amt * line.cnt
    return _capped(terms, dc, base)


def cart_discount(terms: Terms, base: int) -> int:
    """A cart coupon's discount on `base`, the sum of its lines after line discounts."""
    if _is_rate(terms):
        return _capped(terms, cut(base * terms.dc_rate_amt // PERCENT), base)
    return _capped(terms, terms.dc_rate_amt, base)


def cart_min_met(terms: Terms, base: int, qty: int) -> bool:
    return base >= terms.min_buy_amt and qty >= terms.min_buy_qty


def shipping_applies(terms: Terms, order: Order, group: DeliveryGroup) -> bool:
    """Free shipping on `group`: every line of it in scope, the minimums met by those lines."""
    lines = [order.line(seq) for seq in group.ord_goods_seqs]
    if not lines or any(line is None or not in_scope(terms, line) for line in lines):
        return False
    amount = sum(line.amount for line in lines)
    qty = sum(line.cnt for line in lines)
    return amount >= terms.min_buy_amt and qty >= terms.min_buy_qty


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` (≤ sum of `weights`) split in proportion to `weights`, cut down; the remainder on
    the largest weight (the first of equals), spilling to the next largest only where a share
    would pass its weight."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        if not left:
            break
        add = min(left, weights[i] - shares[i])
        shares[i] += add
        left -= add
    return shares


def shares(terms: Terms, dc: int) -> tuple[int, int]:
    """(mall share, vendor share) of `dc`: the mall's cut down to 1 KRW, the vendor the rest."""
    ours = dc * terms.our_chrg_rate // PERCENT
    return ours, dc - ours


def _benefit(copy: Copy, dc: int, **where) -> Benefit:
    ours, entr = shares(copy.terms, dc)
    return Benefit(copy=copy, dc_amt=dc, our_dc_amt=ours, entr_dc_amt=entr, **where)


def _cart_benefit(copy: Copy, dc: int, lines: Sequence[Line], after: Sequence[int]) -> Benefit:
    ours, entr = shares(copy.terms, dc)
    dcs = allocate(dc, after)
    our_parts = allocate(ours, dcs)
    allocations = tuple(
        Allocation(
            ord_goods_seq=line.ord_goods_seq,
            cnt=line.cnt,
            dc_amt=d,
            our_dc_amt=o,
            entr_dc_amt=d - o,
        )
        for line, d, o in zip(lines, dcs, our_parts, strict=True)
    )
    return Benefit(
        copy=copy,
        dc_amt=dc,
        our_dc_amt=ours,
        entr_dc_amt=entr,
        cnt=sum(line.cnt for line in lines) or 1,
        allocations=allocations,
    )


# -- one assignment, priced exactly ------------------------------------------------------------
def evaluate(
    order: Order, copies: Mapping[int, Copy], assignment: Assignment
) -> tuple[Choice, tuple[Refusal, ...]]:
    """The exact amounts of `assignment` (lines first, then the cart coupon on what they leave,
    then shipping) and the refusal of every copy placed where it may not go."""
    refusals: list[Refusal] = []
    benefits: list[Benefit] = []
    seen: set[int] = set()
    local_now = timezone.localtime(order.now)

    def take(no: int, types: tuple[str, ...]) -> Copy | None:
        copy = copies.get(no)
        if copy is None:
            refusals.append(Refusal(no, UNKNOWN_COUPON, _("회원의 쿠폰이 아닙니다.")))
            return None
        if no in seen:
            refusals.append(Refusal(no, NOT_COMBINABLE, _("같은 쿠폰을 두 번 쓸 수 없습니다.")))
            return None
        seen.add(no)
        refused = _refusal(order, copy, local_now)
        if refused is not None:
            refusals.append(refused)
            return None
        if copy.terms.promo_typ_cd not in types:
            refusals.append(
                Refusal(no, PLACEMENT_INVALID, _("이 쿠폰 유형을 적용할 수 없는 위치입니다."))
            )
            return None
        return copy

    def one_per(pairs, what) -> dict[int, int]:
        by_line: dict[int, int] = {}
        for seq, no in pairs:
            if order.line(seq) is None:
                refusals.append(Refusal(no, PLACEMENT_INVALID, _("주문상품이 없습니다.")))
            elif seq in by_line:
                refusals.append(Refusal(no, NOT_COMBINABLE, what))
            else:
                by_line[seq] = no
        return by_line

    goods = one_per(assignment.goods, _("상품할인쿠폰은 주문상품당 한 장입니다."))
    stack = one_per(assignment.stackable, _("중복할인쿠폰은 주문상품당 한 장입니다."))
    after: dict[int, int] = {}
    line_coupons = ((goods, (codes.PromoType.GOODS,)), (stack, (codes.PromoType.STACKABLE,)))
    for line in order.lines:
        base = line.amount
        for pick, types in line_coupons:
            no = pick.get(line.ord_goods_seq)
            if no is None:
                continue
            copy = take(no, types)
            if copy is None:
                continue
            if not in_scope(copy.terms, line):
                refusals.append(
                    Refusal(no, GOODS_NOT_ELIGIBLE, _("이 상품에 적용할 수 없는 쿠폰입니다."))
                )
                continue
            if not line_min_met(copy.terms, line):
                refusals.append(
                    Refusal(no, MIN_BUY_NOT_MET, _("최소구매금액/수량을 채우지 못했습니다."))
                )
                continue
            dc = line_discount(copy.terms, line, base)
            benefits.append(_benefit(copy, dc, cnt=line.cnt, ord_goods_seq=line.ord_goods_seq))
            base -= dc
        after[line.ord_goods_seq] = base

    if assignment.cart is not None:
        copy = take(assignment.cart, (codes.PromoType.CART,))
        if copy is not None:
            lines = [line for line in order.lines if in_scope(copy.terms, line)]
            base = sum(after[line.ord_goods_seq] for line in lines)
            if not lines:
                refusals.append(
                    Refusal(copy.cpn_isu_no, GOODS_NOT_ELIGIBLE, _("적용 대상 상품이 없습니다."))
                )
            elif not cart_min_met(copy.terms, base, sum(line.cnt for line in lines)):
                refusals.append(
                    Refusal(
                        copy.cpn_isu_no,
                        MIN_BUY_NOT_MET,
                        _("최소구매금액/수량을 채우지 못했습니다."),
                    )
                )
            else:
                dc = cart_discount(copy.terms, base)
                benefits.append(
                    _cart_benefit(copy, dc, lines, [after[line.ord_goods_seq] for line in lines])
                )

    if assignment.shipping is not None:
        no, deli_no = assignment.shipping
        copy = take(no, (codes.PromoType.FREE_SHIPPING,))
        group = order.group(deli_no)
        if copy is not None and group is None:
            refusals.append(Refusal(no, PLACEMENT_INVALID, _("배송그룹이 없습니다.")))
        elif copy is not None and not shipping_applies(copy.terms, order, group):
            refusals.append(
                Refusal(no, GOODS_NOT_ELIGIBLE, _("이 배송그룹에 적용할 수 없는 쿠폰입니다."))
            )
        elif copy is not None:
            dc = _capped(copy.terms, group.dlex_amt, group.dlex_amt)
            benefits.append(_benefit(copy, dc, deli_no=group.deli_no))
    return Choice(tuple(benefits)), tuple(refusals)


# -- the best choice ---------------------------------------------------------------------------
@dataclass
class _Class:
    """Copies of one promotion: interchangeable but for their expiry (used earliest first)."""

    terms: Terms
    copies: list[Copy]
    weights: list[int] = field(default_factory=list)


def _score_parts(n: int) -> tuple[int, int]:
    """(weight of one KRW, weight of one coupon) in the choice score: total first, then fewer
    coupons, then the bit of each copy by expiry rank (earliest the highest)."""
    per_coupon = 1 << n
    return per_coupon * (n + 1), per_coupon


class _Search:
    """The exact search over the lines, for no cart coupon or one cart promotion.

    A depth-first branch and bound over the lines, every (goods, stackable) option of a line
    tried, best reduced score first. Its upper bound is Lagrangian: the class capacities are
    priced (`prices`, one per promotion, found once by a subgradient descent on the lines alone)
    and every remaining line takes its best option net of those prices, plus the price of every
    copy still left. Any prices ≥ 0 give a valid bound, so the search stays exact; good prices make
    it tight, and the search then visits few nodes. Scores are the choice score of `_score_parts`
    (an option's copy bits bounded by its class's earliest copy).

    A branch is cut only when it cannot beat the best found so far, so the search returns the
    first assignment of the best score in its own order (the lines by what they can give, each
    line's options by their net under the prices, then no option; with a cart coupon, the best of
    the lines alone comes first): the bounds decide how long it takes, the order which of several
    equal assignments it returns. Other prices would give another order. What depends only on the
    cart's lines and the copies (the options, the prices, that order, each option's net and each
    line's best net) is computed once here and shared by the search of the lines alone and of
    every cart promotion."""

    def __init__(self, order: Order, goods: list[_Class], stack: list[_Class], per_krw, per_cpn):
        self.order = order
        self.per_krw, self.per_cpn = per_krw, per_cpn
        self.classes = classes = goods + stack
        n_goods = len(goods)
        # what a class's earliest copy adds to a score beside its value (its bit, one coupon more)
        bonus = [c.weights[0] - per_cpn for c in classes]
        lines = []
        for line in order.lines:
            a = line.amount
            keys = line.scope_keys
            fits = [in_scope(c.terms, line, keys) and line_min_met(c.terms, line) for c in classes]
            stack_fit = [ki for ki in range(n_goods, len(classes)) if fits[ki]]
            # options: (value, goods class | -1, stackable class | -1, score bound, first class,
            # second class | -1); a stackable alone first, then each goods coupon alone and with
            # each stackable on what it leaves
            opts = []
            for ki in stack_fit:
                kdc = line_discount(classes[ki].terms, line, a)
                if kdc > 0:
                    opts.append((kdc, -1, ki, kdc * per_krw + bonus[ki], ki, -1))
            for gi in range(n_goods):
                if not fits[gi]:
                    continue
                gdc = line_discount(classes[gi].terms, line, a)
                if gdc <= 0:
                    continue
                opts.append((gdc, gi, -1, gdc * per_krw + bonus[gi], gi, -1))
                for ki in stack_fit:
                    kdc = line_discount(classes[ki].terms, line, a - gdc)
                    if kdc > 0:
                        value = gdc + kdc
                        bound = value * per_krw + bonus[gi] + bonus[ki]
                        opts.append((value, gi, ki, bound, gi, ki))
            if opts:
                lines.append((line, opts))
        # the lines that can give the most first: the bound then closes early and few states
        # are met twice (the order of the lines changes nothing but the search's length)
        lines.sort(key=lambda lo: -max(o[0] for o in lo[1]))
        self.lines = lines
        self.left = left = [len(c.copies) for c in classes]
        self.prices = prices = self._prices()
        # A state's copies used as one integer (a digit per class), for the memo's key.
        self.digit, span = [], 1
        for n_copies in left:
            self.digit.append(span)
            span *= n_copies + 1
        self.span = span
        # Each line's options best net first (net: score bound less its classes' prices), as
        # (first class, second class | -1, net, value × per_krw, value, state digits, coupons,
        # pick); each line's best net (0: no option) and their sums from each line on.
        self.ranked, tops = [], []
        for line, opts in lines:
            rows = []
            for value, gi, ki, bound, c1, c2 in opts:
                net = bound - prices[c1] - (prices[c2] if c2 >= 0 else 0)
                digits = self.digit[c1] + (self.digit[c2] if c2 >= 0 else 0)
                pick = (line.ord_goods_seq, gi, ki)
                rows.append((c1, c2, net, value * per_krw, value, digits, 1 + (c2 >= 0), pick))
            rows.sort(key=lambda r: -r[2])
            self.ranked.append(rows)
            tops.append(max(0, rows[0][2]))
        self.suffix = _suffix_sums(tops)
        self.spare = sum(p * k for p, k in zip(prices, left, strict=True))
        self._alone: list | None = None
        self._values: dict | None = None

    def _prices(self) -> list[int]:
        """Prices of one copy of each class (in score units) that make the Lagrangian bound of the
        lines alone tight: a subgradient descent on Σ line bests + Σ price × copies."""
        k = len(self.classes)
        left = self.left
        prices = [0.0] * (k + 1)  # index k: no class, priced 0
        best_prices, best_bound = [0.0] * k, None
        scale = self.per_krw
        # Each line's options by value, highest first (ties in their own order): prices are never
        # negative, so a line's scan stops at the first option whose whole value is below the
        # best net found, and picks what the scan in the options' own order would pick.
        # (A sort by value alone, reversed, keeps equals in their own order: it is stable.)
        opts = [
            sorted(
                [
                    (o[3] / scale, o[4], o[5] if o[5] >= 0 else k, index)
                    for index, o in enumerate(line_opts)
                ],
                key=itemgetter(0),
                reverse=True,
            )
            for _line, line_opts in self.lines
        ]
        step = max((line_opts[0][0] for line_opts in opts), default=0.0) / 2
        for _round in range(60):
            used = [0] * (k + 1)
            bound = sum(p * n for p, n in zip(prices, left, strict=False))
            for line_opts in opts:
                top, a, b, first = 0.0, k, k, -1
                for value, c, d, index in line_opts:
                    if value < top:
                        break
                    net = value - prices[c] - prices[d]
                    if net > top or (net == top and first >= 0 and index < first):
                        top, a, b, first = net, c, d, index
                bound += top
                used[a] += 1
                used[b] += 1
            if best_bound is None or bound < best_bound:
                best_bound, best_prices = bound, prices[:k]
            over = [used[c] - left[c] for c in range(k)]
            if not any(over[c] > 0 or (over[c] < 0 and prices[c] > 0) for c in range(k)):
                break
            prices = [
                max(0.0, prices[c] + step * (1 if over[c] > 0 else -1 if over[c] < 0 else 0))
                for c in range(k)
            ] + [0.0]
            step *= 0.85
        return [int(p * scale) for p in best_prices]

    def _dfs(self, leaf, best: list, const: int, rate_cart: tuple[int, int] | None = None) -> None:
        """Every assignment of the lines, best option first, pruned by the Lagrangian bound:
        the score of the choices made, with each option net of its classes' prices, + each
        remaining line's best net + Σ price × copies left + `const` (what the cart can add) never
        exceeds what any completion scores. `rate_cart` (off, its const) adds a second bound, in
        PERCENT × score units, where a won off one of the cart's lines also costs `off` and the
        cart adds at most its const. `leaf(score, total, d_e, count, picks)`
        prices a complete assignment and improves `best` (its score is best[5]) in place."""
        n = len(self.lines)
        eligible = self.eligible
        left, span, suffix0 = self.left, self.span, self.suffix
        per_cpn = self.per_cpn
        root0 = self.spare + const
        if rate_cart is None:  # the second bound is the first (scale 1): it never cuts more
            scale1, suffix1, root1 = 1, suffix0, root0
        else:
            off, const1 = rate_cart
            scale1, root1 = PERCENT, PERCENT * self.spare + const1
        # each line's options (still best net first) with what they add to each bound, and the
        # rest: their score, value, part of the cart's base, state digits, coupons and pick
        moves = []
        tops1 = []
        for i, rows in enumerate(self.ranked):
            e = eligible[i]
            row = []
            for c1, c2, net, vk, value, digits, cnt, pick in rows:
                a1 = net if rate_cart is None else PERCENT * net - off * value * e
                row.append((c1, c2, net, a1, (vk, value, value * e, digits, cnt, pick)))
            moves.append(row)
            if rate_cart is not None:
                tops1.append(max(0, *(r[3] for r in row)))
        if rate_cart is not None:
            suffix1 = _suffix_sums(tops1)
        # ... and the score each class's next copy adds (its bit, one coupon more)
        adds = [[w - per_cpn for w in c.weights] for c in self.classes]
        used = [0] * len(self.classes)
        picks: list = [None] * n
        seen: dict = {}

        # A child is cut by the bounds before it is entered (the search reaches what checking
        # them on entry would reach, without the calls): what an option adds to a bound must
        # pass `room`, the best's score less the bound so far and the remaining lines' best nets.
        # The options are in the order of what they add to the first bound, so the first that
        # fails it ends the line's loop.
        def dfs(i, d0, d1, score, total, d_e, count, state):
            if i == n:
                leaf(score, total, d_e, count, picks)
                return
            # What the lines from i on can add depends only on (i, copies used, d_e): a state met
            # before and searched through is pruned when what it could add cannot beat the best.
            key = (state + i * span, d_e)
            known = seen.get(key)
            if known is not None and score + known <= best[5]:
                return
            next0, next1 = suffix0[i + 1] + d0, suffix1[i + 1] + d1
            top = best[5]
            room0, room1 = top - next0, top * scale1 - next1
            for c1, c2, a0, a1, rest in moves[i]:
                if a0 <= room0:
                    break
                if a1 <= room1:
                    continue
                u1 = used[c1]
                if u1 >= left[c1]:
                    continue
                if c2 >= 0:
                    u2 = used[c2]
                    if u2 >= left[c2]:
                        continue
                vk, value, ev, digits, cnt, pick = rest
                add = adds[c1][u1]
                used[c1] = u1 + 1
                if c2 >= 0:
                    add += adds[c2][u2]
                    used[c2] = u2 + 1
                picks[i] = pick
                dfs(
                    i + 1,
                    d0 + a0,
                    d1 + a1,
                    score + vk + add,
                    total + value,
                    d_e + ev,
                    count + cnt,
                    state + digits,
                )
                used[c1] = u1
                if c2 >= 0:
                    used[c2] = u2
                top = best[5]
                room0, room1 = top - next0, top * scale1 - next1
            picks[i] = None
            if room0 < 0 and room1 < 0:  # no option: the lines after it must still beat the best
                dfs(i + 1, d0, d1, score, total, d_e, count, state)
            # every completion of this state is now known to reach no more than the best
            seen[key] = best[5] - score

        top = best[5]
        if root0 + suffix0[0] > top and root1 + suffix1[0] > top * scale1:
            dfs(0, root0, root1, 0, 0, 0, 0, 0)

    def best_without_cart(self) -> list:
        """[total, score, picks, None, count] of the lines alone (searched once, then kept)."""
        if self._alone is None:
            self._alone = self._search_alone()
        total, score, picks, cart, count = self._alone
        return [total, score, list(picks), cart, count]

    def _search_alone(self) -> list:
        best = [-1, 0, [], None, 0, -1]
        self.eligible = [0] * len(self.lines)

        def leaf(score, total, _d_e, count, picks):
            if score > best[5]:
                best[:] = [total, score, [p for p in picks if p], None, count, score]

        self._dfs(leaf, best, 0)
        return best[:5]

    def run(self, cart: _Class, best: list) -> None:
        """Search every assignment of the lines with `cart`, improving `best` =
        [total, score, picks, cart, count] in place."""
        t = cart.terms
        alone = self.best_without_cart()  # before `eligible` is set (its search resets it)
        # every in-scope line counts toward the cart's base, with a line coupon or not
        in_cart = [ln for ln in self.order.lines if in_scope(t, ln, ln.scope_keys)]
        full = sum(ln.amount for ln in in_cart)
        qty = sum(ln.cnt for ln in in_cart)
        if not in_cart or qty < t.min_buy_qty or full < t.min_buy_amt:
            return
        scoped = {ln.ord_goods_seq for ln in in_cart}
        rate = t.dc_rate_amt if _is_rate(t) else 0
        ceiling = t.max_dc_amt if rate else t.dc_rate_amt
        cart_score = -self.per_cpn + cart.weights[0]
        per_krw = self.per_krw
        found = [*best, best[1] if best[0] >= 0 else -1]
        # The best of the lines alone with this cart on what it leaves is a legal choice; when
        # the cart then gives its ceiling no choice beats it (its lines' score is the largest,
        # the cart's the largest), else it is the search's first incumbent.
        if self._values is None:
            self._values = {r[7]: r[4] for rows in self.ranked for r in rows}
        base = full - sum(self._values[p] for p in alone[2] if p[0] in scoped)
        seed = cart_discount(t, base) if base >= t.min_buy_amt else 0
        top = min(ceiling, full) if ceiling is not None else full
        if seed > 0:
            s = alone[1] + seed * per_krw + cart_score
            if s > found[5]:
                found[:] = [alone[0] + seed, s, alone[2], cart, alone[4] + 1, s]
            if seed >= top:
                if found[5] > (best[1] if best[0] >= 0 else -1):
                    best[:] = found[:5]
                return
        self.eligible = [1 if line.ord_goods_seq in scoped else 0 for line, _ in self.lines]

        def leaf(score, total, d_e, count, picks):
            base = full - d_e
            if base < t.min_buy_amt:
                return
            cdc = cart_discount(t, base)
            if cdc <= 0:
                return
            s = score + cdc * per_krw + cart_score
            if s > found[5]:
                found[:] = [total + cdc, s, [p for p in picks if p], cart, count + 1, s]

        # the cart gives at most its ceiling (or its whole base) ...
        const = top * per_krw + cart_score
        # ... and, for a rate, a won off one of its lines costs rate % of the cart (× 100)
        off = rate * per_krw
        rate_cart = (off, full * off + PERCENT * cart_score) if rate else None
        self._dfs(leaf, found, const, rate_cart)
        if found[5] > (best[1] if best[0] >= 0 else -1):
            best[:] = found[:5]


def _suffix_sums(values: Sequence[int]) -> list[int]:
    """[Σ values[i:] for i in 0..len(values)]."""
    sums = [0] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        sums[i] = sums[i + 1] + values[i]
    return sums


class _Solver:
    """The usable copies of one order grouped by promotion, and the searches over them."""

    def __init__(self, order: Order, copies: Iterable[Copy]):
        self.order = order
        local_now = timezone.localtime(order.now)
        self.usable = sorted(
            (c for c in copies if _refusal(order, c, local_now) is None),
            key=lambda c: c.expiry_key,
        )
        n = len(self.usable)
        self.per_krw, self.per_cpn = _score_parts(n)
        self.weight = {c.cpn_isu_no: 1 << (n - 1 - r) for r, c in enumerate(self.usable)}
        # by promotion (equal terms); the copies of one promotion share one Terms object when
        # loaded, so it is hashed once per object, not once per copy
        by_promo: dict[Terms, _Class] = {}
        by_object: dict[int, _Class] = {}
        for c in self.usable:
            cls = by_object.get(id(c.terms))
            if cls is None:
                cls = by_promo.setdefault(c.terms, _Class(terms=c.terms, copies=[]))
                by_object[id(c.terms)] = cls
            cls.copies.append(c)
        for cls in by_promo.values():
            cls.weights = [self.weight[c.cpn_isu_no] for c in cls.copies]
        self.of_type = {
            t: [c for terms, c in by_promo.items() if terms.promo_typ_cd == t] for t in PRICED_TYPES
        }
        self.search = _Search(
            order,
            self.of_type[codes.PromoType.GOODS],
            self.of_type[codes.PromoType.STACKABLE],
            self.per_krw,
            self.per_cpn,
        )

    def lines_and_cart(self, cart: _Class | None = None, *, forced: bool = False) -> list | None:
        """The best [total, score, picks, cart, count] of the lines and the cart coupon: over no
        cart and every cart promotion, or (`forced`) with `cart` only (None when it cannot apply)."""
        if forced:
            best = [-1, 0, [], None, 0]
            self.search.run(cart, best)
            return best if best[3] is not None else None
        best = self.search.best_without_cart()
        for cls in self.of_type[codes.PromoType.CART]:
            self.search.run(cls, best)
        return best

    def shipping(self) -> tuple[int, str] | None:
        """The best (cpn_isu_no, deli_no): shipping is independent of the rest."""
        best = None
        for cls in self.of_type[codes.PromoType.FREE_SHIPPING]:
            copy = cls.copies[0]
            for group in self.order.groups:
                if group.dlex_amt > 0 and shipping_applies(cls.terms, self.order, group):
                    dc = _capped(cls.terms, group.dlex_amt, group.dlex_amt)
                    s = dc * self.per_krw - self.per_cpn + self.weight[copy.cpn_isu_no]
                    if best is None or s > best[0]:
                        best = (s, copy.cpn_isu_no, group.deli_no)
        return (best[1], best[2]) if best else None

    def choice(self, found: list, shipping: tuple[int, str] | None) -> Choice:
        """The search's result as an `Assignment` priced by `evaluate`: the copies of a promotion
        go to the lines in line order, earliest expiring first."""
        classes = self.search.classes
        taken = [0] * len(classes)
        goods_pairs, stack_pairs = [], []
        for seq, gi, ki in sorted((p for p in found[2] if p), key=lambda p: p[0]):
            for ci, pairs in ((gi, goods_pairs), (ki, stack_pairs)):
                if ci >= 0:
                    pairs.append((seq, classes[ci].copies[taken[ci]].cpn_isu_no))
                    taken[ci] += 1
        assignment = Assignment(
            goods=tuple(goods_pairs),
            stackable=tuple(stack_pairs),
            cart=found[3].copies[0].cpn_isu_no if found[3] is not None else None,
            shipping=shipping,
        )
        choice, refusals = evaluate(self.order, {c.cpn_isu_no: c for c in self.usable}, assignment)
        if refusals:  # the search places copies only where evaluate accepts them
            raise AssertionError(refusals)
        return choice


def best_choice(order: Order, copies: Iterable[Copy]) -> Choice:
    """The largest total discount over every legal assignment of the usable `copies` (ties: fewer
    coupons, then the copies that expire first), priced by `evaluate`."""
    solver = _Solver(order, copies)
    return solver.choice(solver.lines_and_cart(), solver.shipping())


def _placement_refusal(order: Order, copy: Copy) -> Refusal:
    """Why a usable copy the member chose is not in the choice: nowhere to go, its minimum, or
    the one-per-line / one-per-order limits."""
    t, no = copy.terms, copy.cpn_isu_no
    if t.promo_typ_cd == codes.PromoType.FREE_SHIPPING:
        scoped = [
            g
            for g in order.groups
            if g.ord_goods_seqs
            and all((ln := order.line(s)) is not None and in_scope(t, ln) for s in g.ord_goods_seqs)
        ]
        placed = any(shipping_applies(t, order, g) for g in scoped)
    else:
        scoped = [line for line in order.lines if in_scope(t, line)]
        if t.promo_typ_cd == codes.PromoType.CART:
            placed = bool(scoped) and cart_min_met(
                t, sum(ln.amount for ln in scoped), sum(ln.cnt for ln in scoped)
            )
        else:
            placed = any(line_min_met(t, line) for line in scoped)
    if not scoped:
        return Refusal(no, GOODS_NOT_ELIGIBLE, _("이 주문에 적용할 수 있는 상품이 없습니다."))
    if not placed:
        return Refusal(no, MIN_BUY_NOT_MET, _("최소구매금액/수량을 채우지 못했습니다."))
    return Refusal(no, NOT_COMBINABLE, _("선택한 다른 쿠폰과 함께 적용할 수 없습니다."))


def price_order(
    order: Order, copies: Iterable[Copy], chosen: Sequence[int] | None = None
) -> Pricing:
    """orderCpnCalc: every usable copy where it applies and for how much, the best choice, and —
    when `chosen` (cpn_isu_nos) is given — the best use of those copies with each one refused."""
    copies = list(copies)
    solver = _Solver(order, copies)
    shipping = solver.shipping()
    # The best with each cart promotion is both its row and a candidate for the best choice.
    best_with = {
        id(cls): solver.lines_and_cart(cls, forced=True)
        for cls in solver.of_type[codes.PromoType.CART]
    }
    candidates = [solver.search.best_without_cart(), *filter(None, best_with.values())]
    best = solver.choice(max(candidates, key=lambda found: (found[0], found[1])), shipping)

    best_goods_dc = {b.ord_goods_seq: b.dc_amt for b in best.of_type(codes.PromoType.GOODS)}
    goods_benefits: dict[int, tuple[Benefit, ...]] = {}
    for line in order.lines:
        rows = []
        for copy in solver.usable:
            t = copy.terms
            if t.promo_typ_cd not in LINE_TYPES or not in_scope(t, line):
                continue
            if not line_min_met(t, line):
                continue
            base = line.amount
            if t.promo_typ_cd == codes.PromoType.STACKABLE:
                base -= best_goods_dc.get(line.ord_goods_seq, 0)
            dc = line_discount(t, line, base)
            if dc > 0:
                rows.append(_benefit(copy, dc, cnt=line.cnt, ord_goods_seq=line.ord_goods_seq))
        goods_benefits[line.ord_goods_seq] = tuple(rows)

    # A cart coupon is shown with what it gives in the best choice that uses it.
    cart_benefits = []
    for cls in solver.of_type[codes.PromoType.CART]:
        found = best_with[id(cls)]
        if found is None:
            continue
        with_cart = solver.choice(found, None).of_type(codes.PromoType.CART)[0]
        for copy in cls.copies:
            cart_benefits.append(
                Benefit(
                    copy=copy,
                    dc_amt=with_cart.dc_amt,
                    our_dc_amt=with_cart.our_dc_amt,
                    entr_dc_amt=with_cart.entr_dc_amt,
                    cnt=with_cart.cnt,
                    allocations=with_cart.allocations,
                )
            )
    cart_benefits.sort(key=lambda b: (-b.dc_amt, b.copy.expiry_key))

    shipping_benefits = [
        _benefit(copy, _capped(copy.terms, g.dlex_amt, g.dlex_amt), deli_no=g.deli_no)
        for copy in solver.usable
        if copy.terms.promo_typ_cd == codes.PromoType.FREE_SHIPPING
        for g in order.groups
        if g.dlex_amt > 0 and shipping_applies(copy.terms, order, g)
    ]

    selected = None
    refusals: list[Refusal] = []
    if chosen is not None:
        by_no = {c.cpn_isu_no: c for c in copies}
        picked: list[Copy] = []
        for no in dict.fromkeys(chosen):
            copy = by_no.get(no)
            refused = (
                Refusal(no, UNKNOWN_COUPON, _("회원의 쿠폰이 아닙니다."))
                if copy is None
                else copy_refusal(order, copy)
            )
            if refused is not None:
                refusals.append(refused)
            else:
                picked.append(copy)
        selected = best_choice(order, picked)
        applied = selected.cpn_isu_nos
        refusals.extend(_placement_refusal(order, c) for c in picked if c.cpn_isu_no not in applied)
    return Pricing(
        order=order,
        usable=tuple(solver.usable),
        goods_benefits=goods_benefits,
        cart_benefits=tuple(cart_benefits),
        shipping_benefits=tuple(shipping_benefits),
        best=best,
        selected=selected,
        refusals=tuple(refusals),
    )


def check_use(order: Order, copies: Iterable[Copy], uses: Sequence[Use]) -> UseCheck:
    """cpnUse's check: `uses` priced exactly where they are placed; every copy that may not be
    used there, and every amount that differs from the recomputed one (`DC_AMT_MISMATCH` with the
    expected amount), is a refusal. The use may proceed only when there is none."""
    by_no = {c.cpn_isu_no: c for c in copies}
    refusals: list[Refusal] = []
    goods, stack = [], []
    cart = shipping = None
    for use in uses:
        copy = by_no.get(use.cpn_isu_no)
        if copy is None:
            refusals.append(Refusal(use.cpn_isu_no, UNKNOWN_COUPON, _("회원의 쿠폰이 아닙니다.")))
            continue
        typ = copy.terms.promo_typ_cd
        on_line = use.ord_goods_seq is not None and use.deli_no is None
        if typ in LINE_TYPES and on_line:
            (goods if typ == codes.PromoType.GOODS else stack).append(
                (use.ord_goods_seq, use.cpn_isu_no)
            )
        elif typ == codes.PromoType.CART and use.ord_goods_seq is None and use.deli_no is None:
            if cart is not None:
                refusals.append(
                    Refusal(use.cpn_isu_no, NOT_COMBINABLE, _("장바구니쿠폰은 주문당 한 장입니다."))
                )
            else:
                cart = use.cpn_isu_no
        elif typ == codes.PromoType.FREE_SHIPPING and use.deli_no and use.ord_goods_seq is None:
            if shipping is not None:
                refusals.append(
                    Refusal(use.cpn_isu_no, NOT_COMBINABLE, _("무료배송쿠폰은 주문당 한 장입니다."))
                )
            else:
                shipping = (use.cpn_isu_no, use.deli_no)
        elif typ not in PRICED_TYPES:
            refusals.append(
                Refusal(use.cpn_isu_no, NOT_PRICED_AT_ORDER, _("주문 시 적용하는 쿠폰이 아닙니다."))
            )
        else:
            refusals.append(
                Refusal(
                    use.cpn_isu_no,
                    PLACEMENT_INVALID,
                    _(
                        "상품·중복할인쿠폰은 주문상품에, 무료배송쿠폰은 배송그룹에, 장바구니쿠폰은 주문에 적용합니다."
                    ),
                )
            )
    assignment = Assignment(
        goods=tuple(goods), stackable=tuple(stack), cart=cart, shipping=shipping
    )
    choice, placed_refusals = evaluate(order, by_no, assignment)
    refusals.extend(placed_refusals)
    refused = {r.cpn_isu_no for r in refusals}
    priced = {b.copy.cpn_isu_no: b for b in choice.benefits}
    for use in uses:
        benefit = priced.get(use.cpn_isu_no)
        if use.cpn_isu_no in refused or benefit is None:
            continue
        if benefit.dc_amt != use.dc_amt:
            refusals.append(
                Refusal(
                    use.cpn_isu_no,
                    DC_AMT_MISMATCH,
                    _("할인금액이 다릅니다(계산: %(expected)d원, 요청: %(sent)d원).")
                    % {"expected": benefit.dc_amt, "sent": use.dc_amt},
                    expected_dc_amt=benefit.dc_amt,
                )
            )
    return UseCheck(choice=choice, refusals=tuple(refusals))


def choice_key(choice: Choice) -> tuple:
    """The order of choices by SPEC §7 (smallest is best): the largest total, fewer coupons,
    then the copies that expire first."""
    return (
        -choice.total_dc_amt,
        len(choice.benefits),
        sorted(b.copy.expiry_key for b in choice.benefits),
    )


# -- loading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadedOrder:
    """`load_order`'s result: the pure inputs, and the goods numbers the catalog does not know."""

    order: Order
    copies: tuple[Copy, ...]
    unknown_goods: tuple[str, ...] = ()


def load_order(
    *,
    member: Member,
    ord_media_cd: str,
    site_no: str,
    goods_list: Sequence[Mapping],
    dlv_grp_list: Sequence[Mapping] = (),
    cpn_isu_nos: Iterable[int] = (),
    now: datetime | None = None,
) -> LoadedOrder:
    """The order and the member's copies as pricing's inputs, in four queries whatever the size:
    the member's ISSUED copies valid now of the priced types (and any copy of theirs named in
    `cpn_isu_nos`, so its refusal can be told) with their promotions; those promotions' targets;
    the lines' goods; the goods' exhibitions.

    `goods_list` items: ord_goods_seq, goods_no, cnt, sale_prc, optional itm_no; `dlv_grp_list`
    items: deli_no, dlex_amt, ord_goods_seqs."""
    now = now or timezone.now()
    chosen = list(dict.fromkeys(cpn_isu_nos))
    usable_now = Q(
        status=codes.CouponStatus.ISSUED,
        valid_from__lte=now,
        valid_until__gt=now,
        promotion__promo_typ_cd__in=PRICED_TYPES,
    )
    rows = list(
        MemberCoupon.objects.filter(member_id=member.mbr_no)
        .filter(usable_now | Q(pk__in=chosen) if chosen else usable_now)
        .select_related("promotion")
        .order_by("cpn_isu_no")
    )
    promo_ids = {row.promotion_id for row in rows}
    targets: dict[int, list[PromotionTarget]] = {pk: [] for pk in promo_ids}
    if promo_ids:
        for t in PromotionTarget.objects.filter(promotion_id__in=promo_ids):
            targets[t.promotion_id].append(t)
    terms = {}
    for row in rows:
        if row.promotion_id not in terms:
            terms[row.promotion_id] = Terms.of(row.promotion, targets[row.promotion_id])
    copies = tuple(
        Copy(
            cpn_isu_no=row.cpn_isu_no,
            mbr_no=row.member_id,
            terms=terms[row.promotion_id],
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            status=row.status,
        )
        for row in rows
    )

    goods_nos = list(dict.fromkeys(item["goods_no"] for item in goods_list))
    catalog = {
        g[0]: g
        for g in Goods.objects.filter(goods_no__in=goods_nos).values_list(
            "goods_no", "site_no", "entr_no", "disp_ctg_no", "brand_no"
        )
    }
    exhibitions: dict[str, set[str]] = {no: set() for no in catalog}
    if catalog:
        through = Exhibition.goods.through.objects.filter(goods_id__in=list(catalog))
        for goods_id, exhibition_id in through.values_list("goods_id", "exhibition_id"):
            exhibitions[goods_id].add(exhibition_id)
    lines = []
    for item in goods_list:
        _no, goods_site, entr_no, ctg_no, brand_no = catalog.get(item["goods_no"], (None,) * 5)
        lines.append(
            Line(
                ord_goods_seq=item["ord_goods_seq"],
                goods_no=item["goods_no"],
                itm_no=item.get("itm_no"),
                cnt=item["cnt"],
                sale_prc=item["sale_prc"],
                site_no=goods_site or "",
                entr_no=entr_no or "",
                disp_ctg_no=ctg_no or "",
                brand_no=brand_no or "",
                exhibitions=frozenset(exhibitions.get(item["goods_no"], ())),
            )
        )
    groups = tuple(
        DeliveryGroup(
            deli_no=g["deli_no"],
            dlex_amt=g["dlex_amt"],
            ord_goods_seqs=tuple(g["ord_goods_seqs"]),
        )
        for g in dlv_grp_list
    )
    order = Order(
        mbr_no=member.mbr_no,
        ord_media_cd=ord_media_cd,
        site_no=site_no,
        now=now,
        lines=tuple(lines),
        groups=groups,
    )
    unknown = tuple(no for no in goods_nos if no not in catalog)
    return LoadedOrder(order=order, copies=copies, unknown_goods=unknown)
