"""Every read the API and the admin share.

The one eligibility rule — "does this promotion apply to this goods for this member now" — is
`promotion_eligibility_q`; every list below is built from it. Its issue part is `ISSUE_RULES`, one
table of named rules (channel, approved, period, validity, site, grade, medium), each as SQL for
the lists and as a check on a loaded row for the issuing engine (`issuing.issue_refusal`), so a
row the lists hide is refused by the same rule, with its code, when issued. Each selector runs a fixed number of queries whatever the result size:
the conditions are SQL (`Exists` / correlated subqueries), never a Python loop over rows.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import codes, errors
from .fields import code_in
from .models import (
    CommonCode,
    Exhibition,
    Goods,
    Member,
    MemberCoupon,
    MemberPromotionCounter,
    Promotion,
    PromotionTarget,
)

# Promotion types a goods-detail lookup shows (MK002 11–15: every coupon type).
GOODS_DETAIL_TYPES = tuple(codes.PromoType.values)

# Which issue methods (MK007) and issuers (MK006) each channel may issue (SPEC §3 rule 7:
# customer download and codes belong to issuer 10, CS compensation to issuer 20 by method 01).
CHANNEL_METHODS = {
    codes.Channel.DOWNLOAD: frozenset({codes.IssueMethod.DOWNLOAD}),
    codes.Channel.CODE: frozenset({codes.IssueMethod.CODE}),
    codes.Channel.BO: frozenset({codes.IssueMethod.TARGETED, codes.IssueMethod.AUTO}),
    codes.Channel.CS: frozenset({codes.IssueMethod.TARGETED}),
    codes.Channel.BATCH: frozenset({codes.IssueMethod.AUTO}),
}
CHANNEL_ISSUERS = {
    codes.Channel.DOWNLOAD: frozenset({codes.Issuer.FIXED}),
    codes.Channel.CODE: frozenset({codes.Issuer.FIXED}),
    codes.Channel.BO: frozenset({codes.Issuer.FIXED, codes.Issuer.AUTO}),
    codes.Channel.CS: frozenset({codes.Issuer.CS}),
    codes.Channel.BATCH: frozenset({codes.Issuer.FIXED, codes.Issuer.AUTO}),
}
# The channels a member downloads by (goodsDetailCpnList cpnType 20 lists what they can issue).
MALL_CHANNELS = (codes.Channel.DOWNLOAD, codes.Channel.CODE)


@dataclass(frozen=True)
class Eligibility:
    """What a promotion is checked against. Any part left None (or empty) is not checked."""

    now: datetime
    goods: Goods | None = None
    member: Member | None = None
    ord_media_cd: str | None = None
    # Issue-side checks: the channel, APPROVED, in period, not sold out, the member's site, grade
    # and allowance.
    for_issue: bool = True
    # Use-side check: the weekday and time-of-day window of a "time coupon".
    for_use: bool = False
    # The channels the promotion must be issuable by (any of them); empty: not checked.
    channels: tuple[str, ...] = ()


# -- fixed-shape queries compiled once ---------------------------------------------------------
def _adapt(value, connection):
    """A slot's value as the ORM passes it to the database (datetimes and times adapted)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt_time):
        return connection.ops.adapt_timefield_value(value)
    return value


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Binds on the server and prepares every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg keeps the statement on the cursor only when it sends it unprepared; Django's
            # query log (and every test counting queries by their SQL) reads it from there.
            self._query = pgq
            super()._send_query_prepared(name, pgq, binary=binary)

    return PreparedCursor


def _prepared_cursor(connection):
    """On PostgreSQL (unless `DB_PREPARED_STATEMENTS` is off: a transaction-pooling PgBouncer
    cannot keep them), a Django cursor whose statements are bound on the server and prepared: a hot
    read's plan is made once per connection instead of on every request (planning the
    goods-detail statement costs PostgreSQL more than running it). Else the ordinary cursor.
    Either way the cursor is Django's, so query logging and execute wrappers see it."""
    if connection.vendor != "postgresql" or not getattr(settings, "DB_PREPARED_STATEMENTS", True):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


class CompiledQuery:
    """A fixed-shape `values_list` query compiled once per database connection, then run with new
    values: the hot reads spend more time building and compiling a queryset than PostgreSQL
    spends running it.

    `build(**slots)` returns the queryset with each slot's sentinel where its value goes: a string
    (an exact match or inside a LIKE pattern: `code_in`), an integer, a datetime or a time of day,
    by the slot's declared type. The compiled SQL, the parameters with their slots and the columns' converters
    (the ORM's own, so a row reads as `values_list` reads it) are kept per connection. Anything
    the shape depends on (which terms a Q has) belongs in the cache key of the caller, not in a slot.
    """

    def __init__(self, build: Callable[..., QuerySet], **slots: type):
        self.build = build
        self.sentinels = {}
        for n, (slot, kind) in enumerate(slots.items()):
            if kind is str:
                # Control characters and digits: never in a real value, untouched by LIKE escaping.
                self.sentinels[slot] = f"\x1f{n}\x1e"
            elif kind is datetime:
                self.sentinels[slot] = datetime(1901, 2, 3, 4, 5, 6, 700001 + n, tzinfo=UTC)
            elif kind is dt_time:
                self.sentinels[slot] = dt_time(4, 5, 6, 700001 + n)
            elif kind is int:
                self.sentinels[slot] = -987_654_321_000 - n
            else:
                raise TypeError(f"slot {slot}: str, int, datetime or time, not {kind}")
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compile(self, connection):
        qs = self.build(**self.sentinels)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        adapted = {slot: _adapt(v, connection) for slot, v in self.sentinels.items()}
        slotted = []
        for param in params:
            for slot, sentinel in adapted.items():
                if param == sentinel:
                    slotted.append((slot, None))
                    break
                if isinstance(param, str) and isinstance(sentinel, str) and sentinel in param:
                    slotted.append((slot, param))
                    break
            else:
                if any(str(v) in str(param) for v in adapted.values()):
                    # A sentinel the ORM rewrote (a LIKE pattern of an integer, …): not slotted.
                    raise ValueError(f"a slot's sentinel changed on its way to SQL: {param!r}")
                slotted.append((None, param))
        if any(isinstance(v, str) and v in sql for v in adapted.values()):
            # A value compiled into the SQL text could not be replaced: not a fixed shape.
            raise ValueError("a slot's value is in the SQL text, not among its parameters")
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        compiled = (sql, slotted, list(converters.items()))
        self._compiled[connection] = compiled
        return compiled

    def rows(self, using: str = "default", **values) -> list[tuple]:
        """The query's rows (tuples, converted as `values_list` converts them) for these values."""
        connection = connections[using]
        compiled = self._compiled.get(connection) or self._compile(connection)
        sql, slotted, converters = compiled
        params = []
        for slot, pattern in slotted:
            if slot is None:
                params.append(pattern)
            elif pattern is None:
                params.append(_adapt(values[slot], connection))
            else:
                like = connection.ops.prep_for_like_query(values[slot])
                params.append(pattern.replace(self.sentinels[slot], like))
        with _prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for pos, (fns, expression) in converters:
                value = row[pos]
                for fn in fns:
                    value = fn(value, expression, connection)
                row[pos] = value
            out.append(tuple(row))
        return out


# -- the one eligibility rule ------------------------------------------------------------------
def _target_match_q(goods: Goods) -> Q:
    """PromotionTarget rows that name this goods by site, goods, category, vendor, brand or exhibition."""
    exhibitions = Exhibition.goods.through.objects.filter(goods_id=goods.goods_no).values(
        "exhibition_id"
    )
    q = (
        Q(aply_typ_cd=codes.TargetType.SITE, tgt_no=goods.site_no)
        | Q(aply_typ_cd=codes.TargetType.GOODS, tgt_no=goods.goods_no)
        | Q(aply_typ_cd=codes.TargetType.DISPLAY_CATEGORY, tgt_no=goods.disp_ctg_no)
        | Q(aply_typ_cd=codes.TargetType.VENDOR, tgt_no=goods.entr_no)
        | Q(aply_typ_cd=codes.TargetType.EXHIBITION, tgt_no__in=Subquery(exhibitions))
    )
    if goods.brand_no:
        q |= Q(aply_typ_cd=codes.TargetType.BRAND, tgt_no=goods.brand_no)
    return q


def goods_scope_q(goods: Goods, *, prefix: str = "", ref: str = "pk") -> Q:
    """The promotion's sites and apply scope include `goods`, and no exclude target names it.

    `all_goods_yn` means every goods but the excluded ones; otherwise at least one apply target
    (site, goods, display category, vendor, brand, exhibition) must name the goods.
    """
    match = _target_match_q(goods)
    targets = PromotionTarget.objects.filter(promotion_id=OuterRef(ref))
    excluded = Exists(targets.filter(match, aply_gb_cd=codes.ApplyKind.EXCLUDE))
    if not prefix:
        # On the promotion table itself, name the candidates as one set (all-goods promotions
        # and those an apply target matches, both read from an index) so the planner starts
        # from the few candidates instead of filtering every live promotion.
        all_goods = Promotion.objects.filter(all_goods_yn=True).order_by().values("id")
        applied_ids = (
            PromotionTarget.objects.filter(match, aply_gb_cd=codes.ApplyKind.APPLY)
            .order_by()
            .values("promotion_id")
        )
        scope = Q(pk__in=all_goods.union(applied_ids))
    else:
        applied = Exists(targets.filter(match, aply_gb_cd=codes.ApplyKind.APPLY))
        scope = Q(**{f"{prefix}all_goods_yn": True}) | Q(applied)
    return site_q(goods.site_no, prefix=prefix) & scope & ~Q(excluded)


def site_q(site_no: str | None, *, prefix: str = "") -> Q:
    """The promotion is open to `site_no` (an empty site list means every site); a goods or a
    filter without a site is not checked."""
    if not site_no:
        return Q()
    return Q(**{f"{prefix}site_nos": ""}) | code_in(f"{prefix}site_nos", site_no)


def member_site_q(site_no: str | None, *, prefix: str = "") -> Q:
    """The promotion is open to a member of `site_no`: no site list, or the member's site listed
    (a member without a site gets only the promotions of every site)."""
    if not site_no:
        return Q(**{f"{prefix}site_nos": ""})
    return site_q(site_no, prefix=prefix)


def allows_member_site(promotion: Promotion, site_no: str | None) -> bool:
    """`member_site_q` on one loaded promotion."""
    return not promotion.site_nos or bool(site_no) and site_no in promotion.site_nos


def grade_q(grade_cd: str, *, prefix: str = "") -> Q:
    """Same rule as `Promotion.allows_grade`: listed, or a lower listed grade with "and higher"."""
    field = f"{prefix}grade_cds"
    q = Q(**{field: ""}) | code_in(field, grade_cd)
    lower = Q()
    for code in codes.Grade.values:
        if code < grade_cd:
            lower |= code_in(field, code)
    if lower:
        q |= Q(**{f"{prefix}upr_grade_aply_yn": True}) & lower
    return q


def medium_q(ord_media_cd: str | None, *, prefix: str = "") -> Q:
    return code_in(f"{prefix}ord_media_cds", ord_media_cd) if ord_media_cd else Q()


def channel_q(channels, *, prefix: str = "") -> Q:
    """Issuable by one of `channels`: its issue method and issuer belong to the channel."""
    # Channels sharing an issuer set are one IN list (the listing's two channels are one term).
    by_issuers: dict[frozenset, set] = {}
    for channel in channels:
        by_issuers.setdefault(CHANNEL_ISSUERS.get(channel, frozenset()), set()).update(
            CHANNEL_METHODS.get(channel, ())
        )
    q = Q(pk__in=[])
    for issuers, methods in by_issuers.items():
        q |= Q(
            **{
                f"{prefix}cpn_issu_way_cd__in": sorted(methods),
                f"{prefix}cpn_issu_main_cd__in": sorted(issuers),
            }
        )
    return q


def allows_channel(promotion: Promotion, channel: str) -> bool:
    """`channel_q` for one channel, on one loaded promotion."""
    return promotion.cpn_issu_way_cd in CHANNEL_METHODS.get(
        channel, ()
    ) and promotion.cpn_issu_main_cd in CHANNEL_ISSUERS.get(channel, ())


def approved_q(*, prefix: str = "") -> Q:
    return Q(**{f"{prefix}promo_stat_cd": codes.PromoStatus.APPROVED})


def period_q(now: datetime, *, prefix: str = "") -> Q:
    """Same rule as `Promotion.in_period`."""
    return Q(**{f"{prefix}promo_str_dtm__lte": now, f"{prefix}promo_end_dtm__gt": now})


def validity_open_q(now: datetime, *, prefix: str = "") -> Q:
    """A copy issued now would not be born expired (`Promotion.validity_for(now)` ends after now):
    N days from issue with N ≥ 1, or a fixed window that ends after now."""
    days = Q(**{f"{prefix}vali_basis_cd": codes.ValidityBasis.DAYS, f"{prefix}vali_days__gte": 1})
    fixed = ~Q(**{f"{prefix}vali_basis_cd": codes.ValidityBasis.DAYS}) & Q(
        **{f"{prefix}vali_end_dtm__gt": now}
    )
    return days | fixed


def validity_open(promotion: Promotion, now: datetime) -> bool:
    """`validity_open_q` on one loaded promotion."""
    valid_until = promotion.validity_for(now)[1]
    return valid_until is not None and valid_until > now


def not_sold_out_q(*, prefix: str = "") -> Q:
    """Some of the total limit is left. Issuing decides it in its conditional UPDATE (the same
    comparison, `issuing._reserve_total`), never on a row read earlier."""
    return Q(**{f"{prefix}issu_lmt_qty__isnull": True}) | Q(
        **{f"{prefix}issu_qty__lt": F(f"{prefix}issu_lmt_qty")}
    )


def budget_left_q(*, prefix: str = "") -> Q:
    """No budget, or some of it left (coupons.use moves the used amount by a conditional UPDATE)."""
    return Q(**{f"{prefix}budget_amt__isnull": True}) | Q(
        **{f"{prefix}budget_used__lt": F(f"{prefix}budget_amt")}
    )


def budget_left(promotion: Promotion) -> bool:
    """`budget_left_q` on one loaded promotion."""
    return promotion.budget_amt is None or promotion.budget_used < promotion.budget_amt


def issuable_q(now: datetime, *, prefix: str = "") -> Q:
    """Rule 9 and the total limit: APPROVED, inside the promotion period, not sold out, and a
    coupon validity not already over (a copy issued now would be born expired)."""
    return (
        approved_q(prefix=prefix)
        & period_q(now, prefix=prefix)
        & validity_open_q(now, prefix=prefix)
        & not_sold_out_q(prefix=prefix)
    )


def usage_window_q(now: datetime, *, prefix: str = "") -> Q:
    """Same rule as `Promotion.usable_at`: the weekday list and the time-of-day window (Asia/Seoul)."""
    local = timezone.localtime(now)
    return usage_window_at_q(
        str(local.isoweekday()), local.time().replace(microsecond=0), prefix=prefix
    )


def usage_window_at_q(weekday: str, at, *, prefix: str = "") -> Q:
    """`usage_window_q` for an ISO weekday ("1"–"7") and a local time of day already known."""
    return (Q(**{f"{prefix}weekdays": ""}) | code_in(f"{prefix}weekdays", weekday)) & (
        Q(**{f"{prefix}time_from__isnull": True})
        | Q(**{f"{prefix}time_from__lte": at, f"{prefix}time_to__gt": at})
    )


# -- the issue rules: one table read by the listings (as SQL) and by issuing (on the row) -------
@dataclass(frozen=True)
class IssueRule:
    """One rule of "may this member be issued this promotion now": `q(e, prefix)` is it as SQL
    (every listing), `allows(promotion, e)` the same rule on a loaded promotion (issuing, with no
    query), `code` and `message(promotion, e)` its refusal. `applies(e)` says whether `e` carries
    what the rule checks. tests/coupons/test_rules_sql.py shows both forms agree."""

    name: str
    code: str
    applies: Callable[[Eligibility], bool]
    q: Callable[[Eligibility, str], Q]
    allows: Callable[[Promotion, Eligibility], bool]
    message: Callable[[Promotion, Eligibility], str]


def _channel_message(p: Promotion, e: Eligibility) -> str:
    channel = e.channels[0] if e.channels else ""
    if p.cpn_issu_way_cd not in CHANNEL_METHODS.get(channel, ()):
        return _("이 경로(%(channel)s)로는 발급할 수 없는 쿠폰입니다(발급방식 %(way)s).") % {
            "channel": codes.Channel(channel).label if channel in codes.Channel.values else channel,
            "way": p.get_cpn_issu_way_cd_display(),
        }
    if p.cpn_issu_main_cd == codes.Issuer.CS or channel == codes.Channel.CS:
        return _("CS보상쿠폰은 CS 보상 경로로만, CS 보상 경로는 CS보상쿠폰만 발급합니다.")
    return _("이 경로(%(channel)s)로는 발급주체 %(issuer)s의 쿠폰을 발급할 수 없습니다.") % {
        "channel": codes.Channel(channel).label if channel in codes.Channel.values else channel,
        "issuer": p.get_cpn_issu_main_cd_display(),
    }


def _issuing(e: Eligibility) -> bool:
    return e.for_issue


def _issuing_member(e: Eligibility) -> bool:
    return e.for_issue and e.member is not None


CHANNEL_RULE = IssueRule(
    name="channel",
    code=errors.NOT_DOWNLOADABLE,
    applies=lambda e: e.for_issue and bool(e.channels),
    q=lambda e, prefix: channel_q(e.channels, prefix=prefix),
    allows=lambda p, e: any(allows_channel(p, ch) for ch in e.channels),
    message=_channel_message,
)
# In the order issuing reports them (the first that refuses is the answer).
TERM_RULES = (
    IssueRule(
        name="approved",
        code=errors.NOT_APPROVED,
        applies=_issuing,
        q=lambda e, prefix: approved_q(prefix=prefix),
        allows=lambda p, e: p.promo_stat_cd == codes.PromoStatus.APPROVED,
        message=lambda p, e: (
            _("승인된 프로모션이 아닙니다(상태: %(status)s).")
            % {"status": p.get_promo_stat_cd_display()}
        ),
    ),
    IssueRule(
        name="period",
        code=errors.NOT_IN_PERIOD,
        applies=_issuing,
        q=lambda e, prefix: period_q(e.now, prefix=prefix),
        allows=lambda p, e: p.in_period(e.now),
        message=lambda p, e: _("프로모션 기간이 아닙니다."),
    ),
    IssueRule(
        name="validity_open",
        code=errors.NOT_IN_PERIOD,
        applies=_issuing,
        q=lambda e, prefix: validity_open_q(e.now, prefix=prefix),
        allows=lambda p, e: validity_open(p, e.now),
        message=lambda p, e: _("쿠폰 유효기간이 이미 끝났습니다."),
    ),
    IssueRule(
        # A promotion whose budget is spent is no longer offered nor issued.
        name="budget",
        code=errors.BUDGET_EXHAUSTED,
        applies=_issuing,
        q=lambda e, prefix: budget_left_q(prefix=prefix),
        allows=lambda p, e: budget_left(p),
        message=lambda p, e: _("프로모션 예산이 모두 소진되었습니다."),
    ),
    IssueRule(
        name="site",
        code=errors.SITE_NOT_ELIGIBLE,
        applies=_issuing_member,
        q=lambda e, prefix: member_site_q(e.member.site_no, prefix=prefix),
        allows=lambda p, e: allows_member_site(p, e.member.site_no),
        message=lambda p, e: (
            _("회원의 사이트(%(site)s)는 발급 대상이 아닙니다.") % {"site": e.member.site_no or "-"}
        ),
    ),
    IssueRule(
        name="grade",
        code=errors.GRADE_NOT_ELIGIBLE,
        applies=_issuing_member,
        q=lambda e, prefix: grade_q(e.member.grade_cd, prefix=prefix),
        allows=lambda p, e: p.allows_grade(e.member.grade_cd),
        message=lambda p, e: (
            _("회원등급(%(grade)s)이 발급 대상이 아닙니다.")
            % {"grade": e.member.get_grade_cd_display()}
        ),
    ),
    IssueRule(
        # Also the use side: a member's own coupons are listed for the medium too (cpnType 10).
        name="medium",
        code=errors.MEDIUM_NOT_ELIGIBLE,
        applies=lambda e: bool(e.ord_media_cd),
        q=lambda e, prefix: medium_q(e.ord_media_cd, prefix=prefix),
        allows=lambda p, e: p.allows_medium(e.ord_media_cd),
        message=lambda p, e: _("주문매체(%(cd)s)가 발급 대상이 아닙니다.") % {"cd": e.ord_media_cd},
    ),
)
ISSUE_RULES = (CHANNEL_RULE, *TERM_RULES)


def rules_q(e: Eligibility, rules=ISSUE_RULES, *, prefix: str = "") -> Q:
    """Every rule of `rules` that applies to `e`, as one Q."""
    q = Q()
    for rule in rules:
        if rule.applies(e):
            q &= rule.q(e, prefix)
    return q


def first_refusal(
    promotion: Promotion, e: Eligibility, rules=ISSUE_RULES
) -> tuple[IssueRule, str] | None:
    """(the first rule of `rules` that refuses `promotion` under `e`, its message), or None."""
    for rule in rules:
        if rule.applies(e) and not rule.allows(promotion, e):
            return rule, rule.message(promotion, e)
    return None


def member_held_subquery(mbr_no: str, *, ref: str = "pk") -> Coalesce:
    """How many non-revoked copies of the outer promotion the member holds: the issuing engine's
    per-member counter (the number its limit is enforced on), one unique-index lookup per row."""
    held = MemberPromotionCounter.objects.filter(
        member_id=mbr_no, promotion_id=OuterRef(ref)
    ).values("issued_qty")[:1]
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def promotion_eligibility_q(e: Eligibility, *, prefix: str = "", ref: str = "pk") -> Q:
    """The one eligibility rule as a Q on Promotion (or on MemberCoupon with prefix="promotion__",
    ref="promotion_id"): the goods scope, the issue rules (`ISSUE_RULES`, the ones issuing
    refuses by) and the total limit, the use window. The member's remaining allowance is the
    annotation `mbr_held` (see `eligible_promotions`), since it needs a subquery per promotion."""
    q = Q()
    if e.goods is not None:
        q &= goods_scope_q(e.goods, prefix=prefix, ref=ref)
    q &= rules_q(e, prefix=prefix)
    if e.for_issue:
        q &= not_sold_out_q(prefix=prefix)
    if e.for_use:
        q &= usage_window_q(e.now, prefix=prefix)
    return q


def eligible_promotions(e: Eligibility, queryset: QuerySet | None = None) -> QuerySet:
    """Promotions that apply under `e`; with a member and `for_issue`, only those the member may
    still receive, annotated `mbr_held` (copies held, not revoked)."""
    qs = (Promotion.objects.all() if queryset is None else queryset).filter(
        promotion_eligibility_q(e)
    )
    if e.for_issue and e.member is not None:
        qs = qs.annotate(mbr_held=member_held_subquery(e.member.mbr_no)).filter(
            mbr_held__lt=F("mbr_issu_lmt_qty")
        )
    return qs


# -- goods detail (cpnType 10 / 20) ------------------------------------------------------------
def _usable_coupons_qs(
    *, mbr_no: str, goods: Goods | None, ord_media_cd, sort_gb: str, now, weekday: str, at
) -> QuerySet:
    e = Eligibility(now=now, goods=goods, ord_media_cd=ord_media_cd, for_issue=False)
    qs = (
        MemberCoupon.objects.filter(
            member_id=mbr_no,
            status=codes.CouponStatus.ISSUED,
            valid_from__lte=now,
            valid_until__gt=now,
            promotion__promo_typ_cd__in=GOODS_DETAIL_TYPES,
        )
        .filter(promotion_eligibility_q(e, prefix="promotion__", ref="promotion_id"))
        .filter(usage_window_at_q(weekday, at, prefix="promotion__"))
    )
    if sort_gb == codes.SortGb.EXPIRING:
        return qs.order_by("valid_until", "cpn_isu_no")
    return qs.order_by("-issued_at", "-cpn_isu_no")


def usable_coupons_for_goods(
    *,
    member: Member,
    goods: Goods,
    ord_media_cd: str | None,
    sort_gb: str,
    now: datetime | None = None,
) -> QuerySet:
    """The member's ISSUED, currently valid copies whose promotion applies to `goods` and the
    medium, inside the coupon's weekday/time window; newest first (10) or expiring first (20)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    return _usable_coupons_qs(
        mbr_no=member.mbr_no,
        goods=goods,
        ord_media_cd=ord_media_cd,
        sort_gb=sort_gb,
        now=now,
        weekday=str(local.isoweekday()),
        at=local.time().replace(microsecond=0),
    ).select_related("promotion")


def downloadable_coupons_for_goods(
    *,
    member: Member,
    goods: Goods,
    ord_media_cd: str | None,
    sort_gb: str,
    now: datetime | None = None,
) -> QuerySet:
    """Promotions the member could download now (`MALL_CHANNELS`: issuer 10 by download 03 or
    code 04) that apply to `goods`: every issue rule cpnDown refuses by (`ISSUE_RULES`: approved,
    in period, the member's site, grade and the medium), not sold out, with allowance left;
    annotated `mbr_held`. Newest first (10) or download period ending first (20)."""
    now = now or timezone.now()
    e = Eligibility(
        now=now,
        goods=goods,
        member=member,
        ord_media_cd=ord_media_cd,
        for_issue=True,
        channels=MALL_CHANNELS,
    )
    qs = eligible_promotions(e, Promotion.objects.filter(promo_typ_cd__in=GOODS_DETAIL_TYPES))
    if sort_gb == codes.SortGb.EXPIRING:
        return qs.order_by("promo_end_dtm", "promo_no")
    return qs.order_by("-created_at", "-promo_no")


def download_allowance(promotion: Promotion) -> int:
    """How many more copies the member may download: the per-member allowance left, capped by the
    promotion's remaining total (needs the `mbr_held` annotation)."""
    return _allowance(
        promotion.mbr_issu_lmt_qty,
        getattr(promotion, "mbr_held", 0),
        promotion.issu_lmt_qty,
        promotion.issu_qty,
    )


def _allowance(mbr_issu_lmt_qty, mbr_held, issu_lmt_qty, issu_qty) -> int:
    left = mbr_issu_lmt_qty - mbr_held
    if issu_lmt_qty is not None:
        left = min(left, issu_lmt_qty - issu_qty)
    return max(left, 0)


# -- goods detail, compiled once per shape -----------------------------------------------------
# The promotion columns of a goods-detail row (their API names: names.API_NAMES), in order.
GOODS_ROW_FIELDS = (
    "promo_no",
    "promo_nm",
    "promo_typ_cd",
    "cpn_issu_main_cd",
    "cpn_issu_way_cd",
    "fix_amt_fxrt_gb_cd",
    "dc_rate_amt",
    "min_buy_amt",
    "min_buy_qty",
    "max_dc_amt",
)
# A goods-detail row: (promotion id, *GOODS_ROW_FIELDS, valid from, valid until, then
# cpn_isu_no (cpnType 10) or the download allowance (cpnType 20)).
_GOODS_COLUMNS = ("goods_no", "site_no", "disp_ctg_no", "entr_no", "brand_no")
_GOODS_BY_NO = CompiledQuery(
    lambda goods_no: (
        Goods.objects.filter(goods_no=goods_no).order_by().values_list(*_GOODS_COLUMNS)
    ),
    goods_no=str,
)
# The slots of a goods-detail query: the goods' codes, the member, now (and its local weekday
# and time for the usable list).
_GOODS_SLOTS = dict(
    goods_no=str,
    goods_site=str,
    ctg=str,
    entr=str,
    brand=str,
    mbr_no=str,
    member_site=str,
    now=datetime,
)
_GOODS_DETAIL_QUERIES: dict[tuple, CompiledQuery] = {}
_TARGET_QUERIES: dict[int, CompiledQuery] = {}


def goods_codes(goods_no: str) -> tuple[str, str, str, str, str] | None:
    """(goods_no, site_no, disp_ctg_no, entr_no, brand_no) of a goods, or None when unknown."""
    rows = _GOODS_BY_NO.rows(goods_no=goods_no)
    return rows[0] if rows else None


def _sentinel_goods(shape, slots) -> Goods | None:
    has_goods, has_site, has_brand = shape
    if not has_goods:
        return None
    return Goods(
        goods_no=slots["goods_no"],
        site_no=slots["goods_site"] if has_site else "",
        disp_ctg_no=slots["ctg"],
        entr_no=slots["entr"],
        brand_no=slots["brand"] if has_brand else "",
    )


def _usable_query(key) -> CompiledQuery:
    goods_shape, ord_media_cd, sort_gb = key[1:]

    def build(*, weekday, at, **slots):
        return _usable_coupons_qs(
            mbr_no=slots["mbr_no"],
            goods=_sentinel_goods(goods_shape, slots),
            ord_media_cd=ord_media_cd,
            sort_gb=sort_gb,
            now=slots["now"],
            weekday=weekday,
            at=at,
        ).values_list(
            "promotion_id",
            *(f"promotion__{f}" for f in GOODS_ROW_FIELDS),
            "valid_from",
            "valid_until",
            "cpn_isu_no",
        )

    return CompiledQuery(build, **_GOODS_SLOTS, weekday=str, at=dt_time)


def _downloadable_query(key) -> CompiledQuery:
    goods_shape, ord_media_cd, sort_gb, grade_cd, has_member_site = key[1:]

    def build(**slots):
        member = Member(
            mbr_no=slots["mbr_no"],
            grade_cd=grade_cd,
            site_no=slots["member_site"] if has_member_site else "",
        )
        return downloadable_coupons_for_goods(
            member=member,
            goods=_sentinel_goods(goods_shape, slots),
            ord_media_cd=ord_media_cd,
            sort_gb=sort_gb,
            now=slots["now"],
        ).values_list(
            "pk",
            *GOODS_ROW_FIELDS,
            "vali_basis_cd",
            "vali_days",
            "vali_strt_dtm",
            "vali_end_dtm",
            "mbr_issu_lmt_qty",
            "mbr_held",
            "issu_lmt_qty",
            "issu_qty",
        )

    return CompiledQuery(build, **_GOODS_SLOTS)


def _compiled(key, make) -> CompiledQuery:
    query = _GOODS_DETAIL_QUERIES.get(key)
    if query is None:
        query = _GOODS_DETAIL_QUERIES.setdefault(key, make(key))
    return query


def goods_detail_page(
    *,
    cpn_type: str,
    mbr_no: str,
    grade_cd: str,
    member_site_no: str | None,
    goods: tuple[str, str, str, str, str] | None,
    ord_media_cd: str,
    sort_gb: str,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[int, list[tuple], dict[int, list[tuple]]]:
    """(total, the page's rows, each row's promotion targets) of goodsDetailCpnList: the member's
    usable copies for the goods (cpnType 10, `usable_coupons_for_goods`) or what they could
    download (20, `downloadable_coupons_for_goods`, the allowance left per row).

    A row is (promotion id, *GOODS_ROW_FIELDS, valid from, valid until, then the copy's number
    (10) or the allowance (20)); targets are (aply_gb_cd, aply_typ_cd, tgt_no, tgt_nm). Two
    statements, each compiled once per shape (which goods codes are set, the medium, the sort, the
    grade): the rows of the whole list (its length is the total), the page's targets with names.
    """
    codes_ = goods or ("", "", "", "", "")
    goods_shape = (goods is not None, bool(codes_[1]), bool(codes_[4]))
    values = dict(
        goods_no=codes_[0],
        goods_site=codes_[1],
        ctg=codes_[2],
        entr=codes_[3],
        brand=codes_[4],
        mbr_no=mbr_no,
        member_site=member_site_no or "",
        now=now,
    )
    if cpn_type == codes.CpnType.USABLE:
        local = timezone.localtime(now)
        query = _compiled(("usable", goods_shape, ord_media_cd, sort_gb), _usable_query)
        rows = query.rows(
            **values, weekday=str(local.isoweekday()), at=local.time().replace(microsecond=0)
        )
        page = rows[offset : offset + limit]
    else:
        key = ("download", goods_shape, ord_media_cd, sort_gb, grade_cd, bool(member_site_no))
        rows = _compiled(key, _downloadable_query).rows(**values)
        page = []
        n = len(GOODS_ROW_FIELDS) + 1
        for row in rows[offset : offset + limit]:
            basis, days, vali_from, vali_until, mbr_lmt, held, lmt, qty = row[n:]
            if basis == codes.ValidityBasis.DAYS:  # Promotion.validity_for(now)
                vali_from, vali_until = now, now + timedelta(days=days or 0)
            page.append((*row[:n], vali_from, vali_until, _allowance(mbr_lmt, held, lmt, qty)))
    return len(rows), page, page_targets([row[0] for row in page])


def _targets_query(count: int) -> CompiledQuery:
    def build(**ids):
        goods_nm = Goods.objects.filter(goods_no=OuterRef("tgt_no")).values("goods_nm")[:1]
        exhibition_nm = Exhibition.objects.filter(exhibition_no=OuterRef("tgt_no")).values(
            "exhibition_nm"
        )[:1]
        return (
            PromotionTarget.objects.filter(promotion_id__in=list(ids.values()))
            .annotate(
                name=Case(
                    When(aply_typ_cd=codes.TargetType.GOODS, then=Subquery(goods_nm)),
                    When(aply_typ_cd=codes.TargetType.EXHIBITION, then=Subquery(exhibition_nm)),
                    default=Value(None),
                    output_field=CharField(),
                )
            )
            .order_by("promotion_id", "aply_gb_cd", "aply_typ_cd", "tgt_no")
            .values_list("promotion_id", "aply_gb_cd", "aply_typ_cd", "tgt_no", "name")
        )

    return CompiledQuery(build, **{f"p{i}": int for i in range(count)})


def page_targets(promotion_ids: list[int]) -> dict[int, list[tuple]]:
    """Each promotion's targets (aply_gb_cd, aply_typ_cd, tgt_no, tgt_nm), ordered; the name of
    a goods or an exhibition target (None for other kinds, or when the mirror lacks it). One
    statement, compiled once per number of promotions."""
    by_promo: dict[int, list[tuple]] = {pk: [] for pk in promotion_ids}
    ids = list(by_promo)
    if not ids:
        return by_promo
    query = _TARGET_QUERIES.get(len(ids))
    if query is None:
        query = _TARGET_QUERIES.setdefault(len(ids), _targets_query(len(ids)))
    for promotion_id, *target in query.rows(**{f"p{i}": pk for i, pk in enumerate(ids)}):
        by_promo[promotion_id].append(tuple(target))
    return by_promo


# -- coupon box (cpnIssuList) ------------------------------------------------------------------
def coupon_box(*, member: Member, sort_gb: str, site_no: str | None = None) -> QuerySet:
    """The member's coupons, revoked ones hidden, with their promotion; newest first (10) or
    expiring first (20)."""
    qs = (
        MemberCoupon.objects.filter(member=member)
        .exclude(status=codes.CouponStatus.REVOKED)
        .filter(site_q(site_no, prefix="promotion__"))
        .select_related("promotion")
    )
    if sort_gb == codes.SortGb.EXPIRING:
        return qs.order_by("valid_until", "cpn_isu_no")
    return qs.order_by("-issued_at", "-cpn_isu_no")


# The columns of a coupon-box row, in the order `coupon_box_page` reads them.
BOX_COLUMNS = (
    "cpn_isu_no",
    "status",
    "issued_at",
    "valid_from",
    "valid_until",
    "used_at",
    "use_ord_no",
    "promotion__promo_no",
    "promotion__promo_nm",
    "promotion__promo_typ_cd",
    "promotion__fix_amt_fxrt_gb_cd",
    "promotion__dc_rate_amt",
    "promotion__min_buy_qty",
    "promotion__min_buy_amt",
    "promotion__max_dc_amt",
    "promotion__ord_media_cds",
    "promotion__weekdays",
    "promotion__time_from",
    "promotion__time_to",
)
_BOX_WINDOW = slice(BOX_COLUMNS.index("promotion__weekdays"), len(BOX_COLUMNS))
_BOX_QUERIES = {
    (sort_gb, with_site): CompiledQuery(
        lambda member, site, sort_gb=sort_gb, with_site=with_site: coupon_box(
            member=member, sort_gb=sort_gb, site_no=site if with_site else None
        ).values_list(*BOX_COLUMNS),
        member=str,
        site=str,
    )
    for sort_gb in codes.SortGb.values
    for with_site in (False, True)
}


def _usable_at(weekdays, time_from, time_to, local_now) -> bool:
    """`Promotion.usable_at` on the three columns it reads (no instance per row)."""
    if weekdays and str(local_now.isoweekday()) not in weekdays:
        return False
    if time_from is not None and not time_from <= local_now.time() < time_to:
        return False
    return True


def coupon_box_page(
    *,
    member: Member | str,
    sort_gb: str,
    site_no: str | None = None,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> tuple[int, int, list[dict]]:
    """(all not revoked, usable now, the page's rows): each row a dict of `BOX_COLUMNS` with
    `cpn_stat_cd` (ISSUED past its validity is EXPIRED even before the expire job) and
    `usable_now` (ISSUED, inside its validity and its weekday/time window, the same rule as
    `usage_window_q`).

    One statement, compiled once, on the box index: the member's rows with the page's columns,
    counted and paged here (a box holds tens of copies; a second query for the page cost more
    than reading them). No model instance, one local time per request.
    """
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    mbr_no = member if isinstance(member, str) else member.mbr_no
    query = _BOX_QUERIES[
        (sort_gb if sort_gb in codes.SortGb.values else codes.SortGb.NEWEST, bool(site_no))
    ]
    rows = query.rows(member=mbr_no, site=site_no or "")
    issued = codes.CouponStatus.ISSUED
    usable = 0
    for row in rows:
        if row[1] == issued and row[3] <= now < row[4] and _usable_at(*row[_BOX_WINDOW], local_now):
            usable += 1
    page = []
    for row in rows[offset : offset + limit]:
        item = dict(zip(BOX_COLUMNS, row, strict=True))
        status = row[1]
        if status == issued and row[4] <= now:
            item["cpn_stat_cd"], item["usable_now"] = codes.CouponStatus.EXPIRED, False
        else:
            item["cpn_stat_cd"] = status
            item["usable_now"] = (
                status == issued
                and row[3] <= now < row[4]
                and _usable_at(*row[_BOX_WINDOW], local_now)
            )
        page.append(item)
    return len(rows), usable, page


# -- auto-issue types ----------------------------------------------------------------------------
def auto_issue_type_in_use(code: str) -> bool:
    """Whether `code` is an in-use MK008 auto-issue type."""
    return CommonCode.objects.filter(group="MK008", code=code, in_use=True).exists()


def promotions_by_auto_issue_type(
    *, auto_issu_typ_cd: str, grade_cd: str | None = None, now: datetime | None = None
) -> QuerySet:
    """Approved, in-period promotions of an MK008 type (and open to `grade_cd` when given)."""
    now = now or timezone.now()
    qs = Promotion.objects.filter(auto_issu_typ_cd=auto_issu_typ_cd).filter(
        Q(promo_stat_cd=codes.PromoStatus.APPROVED, promo_str_dtm__lte=now, promo_end_dtm__gt=now)
    )
    if grade_cd:
        qs = qs.filter(grade_q(grade_cd))
    return qs.order_by("promo_no")
