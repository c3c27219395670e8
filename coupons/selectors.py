"""Every read the API and the admin share.

The one eligibility rule — "does this promotion apply to this goods for this member now" — is
`promotion_eligibility_q`; every list below is built from it, so a row never appears in one place
and is refused in another. Each selector runs a fixed number of queries whatever the result size:
the conditions are SQL (`Exists` / correlated subqueries), never a Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import codes
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
# Issue methods a member can download by (cpnType 20).
DOWNLOAD_METHODS = (codes.IssueMethod.DOWNLOAD, codes.IssueMethod.CODE)


@dataclass(frozen=True)
class Eligibility:
    """What a promotion is checked against. Any part left None is not checked."""

    now: datetime
    goods: Goods | None = None
    member: Member | None = None
    ord_media_cd: str | None = None
    # Issue-side checks: APPROVED, in period, not sold out, the member's grade and allowance.
    for_issue: bool = True
    # Use-side check: the weekday and time-of-day window of a "time coupon".
    for_use: bool = False


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
    """The promotion is open to `site_no` (an empty site list means every site)."""
    if not site_no:
        return Q()
    return Q(**{f"{prefix}site_nos": ""}) | code_in(f"{prefix}site_nos", site_no)


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


def issuable_q(now: datetime, *, prefix: str = "") -> Q:
    """Rule 9 and the total limit: APPROVED, inside the promotion period, not sold out, and a fixed
    coupon validity not already over (a copy issued now would be born expired)."""
    return (
        Q(**{f"{prefix}promo_stat_cd": codes.PromoStatus.APPROVED})
        & Q(**{f"{prefix}promo_str_dtm__lte": now, f"{prefix}promo_end_dtm__gt": now})
        & (Q(**{f"{prefix}vali_end_dtm__isnull": True}) | Q(**{f"{prefix}vali_end_dtm__gt": now}))
        & (
            Q(**{f"{prefix}issu_lmt_qty__isnull": True})
            | Q(**{f"{prefix}issu_qty__lt": F(f"{prefix}issu_lmt_qty")})
        )
    )


def usage_window_q(now: datetime, *, prefix: str = "") -> Q:
    """Same rule as `Promotion.usable_at`: the weekday list and the time-of-day window (Asia/Seoul)."""
    local = timezone.localtime(now)
    weekday = str(local.isoweekday())
    at = local.time().replace(microsecond=0)
    return (Q(**{f"{prefix}weekdays": ""}) | code_in(f"{prefix}weekdays", weekday)) & (
        Q(**{f"{prefix}time_from__isnull": True})
        | Q(**{f"{prefix}time_from__lte": at, f"{prefix}time_to__gt": at})
    )


def member_held_subquery(mbr_no: str, *, ref: str = "pk") -> Coalesce:
    """How many non-revoked copies of the outer promotion the member holds: the issuing engine's
    per-member counter (the number its limit is enforced on), one unique-index lookup per row."""
    held = MemberPromotionCounter.objects.filter(
        member_id=mbr_no, promotion_id=OuterRef(ref)
    ).values("issued_qty")[:1]
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def promotion_eligibility_q(e: Eligibility, *, prefix: str = "", ref: str = "pk") -> Q:
    """The one eligibility rule as a Q on Promotion (or on MemberCoupon with prefix="promotion__",
    ref="promotion_id"). The member's remaining allowance is the annotation `mbr_held` (see
    `eligible_promotions`), since it needs a subquery per promotion."""
    q = Q()
    if e.goods is not None:
        q &= goods_scope_q(e.goods, prefix=prefix, ref=ref)
    q &= medium_q(e.ord_media_cd, prefix=prefix)
    if e.for_issue:
        q &= issuable_q(e.now, prefix=prefix)
        if e.member is not None:
            q &= grade_q(e.member.grade_cd, prefix=prefix)
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
    e = Eligibility(
        now=now,
        goods=goods,
        member=member,
        ord_media_cd=ord_media_cd,
        for_issue=False,
        for_use=True,
    )
    qs = (
        MemberCoupon.objects.filter(
            member=member,
            status=codes.CouponStatus.ISSUED,
            valid_from__lte=now,
            valid_until__gt=now,
            promotion__promo_typ_cd__in=GOODS_DETAIL_TYPES,
        )
        .filter(promotion_eligibility_q(e, prefix="promotion__", ref="promotion_id"))
        .select_related("promotion")
    )
    if sort_gb == codes.SortGb.EXPIRING:
        return qs.order_by("valid_until", "cpn_isu_no")
    return qs.order_by("-issued_at", "-cpn_isu_no")


def downloadable_coupons_for_goods(
    *,
    member: Member,
    goods: Goods,
    ord_media_cd: str | None,
    sort_gb: str,
    now: datetime | None = None,
) -> QuerySet:
    """Approved, in-period, not sold-out promotions of issuer 10 by download (03) or code (04),
    open to the member's grade and the medium, applying to `goods`, that the member may still
    download; annotated `mbr_held`. Newest first (10) or download period ending first (20)."""
    now = now or timezone.now()
    e = Eligibility(now=now, goods=goods, member=member, ord_media_cd=ord_media_cd, for_issue=True)
    qs = eligible_promotions(
        e,
        Promotion.objects.filter(
            cpn_issu_main_cd=codes.Issuer.FIXED,
            cpn_issu_way_cd__in=DOWNLOAD_METHODS,
            promo_typ_cd__in=GOODS_DETAIL_TYPES,
        ),
    )
    if sort_gb == codes.SortGb.EXPIRING:
        return qs.order_by("promo_end_dtm", "promo_no")
    return qs.order_by("-created_at", "-promo_no")


def page_by_ids(queryset: QuerySet, *, offset: int, limit: int, fetch) -> tuple[int, list]:
    """(total, one page) of an expensive ordered query, compiled and run once: its primary keys
    in order, then the page's rows by key through `fetch(keys) -> QuerySet`."""
    keys = list(queryset.values_list("pk", flat=True))
    page_keys = keys[offset : offset + limit]
    if not page_keys:
        return len(keys), []
    rows = {row.pk: row for row in fetch(page_keys)}
    return len(keys), [rows[k] for k in page_keys if k in rows]


def usable_coupons_page(
    *,
    member: Member,
    goods: Goods,
    ord_media_cd: str | None,
    sort_gb: str,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> tuple[int, list[MemberCoupon]]:
    """(total, page) of `usable_coupons_for_goods`, with each coupon's promotion."""
    qs = usable_coupons_for_goods(
        member=member, goods=goods, ord_media_cd=ord_media_cd, sort_gb=sort_gb, now=now
    )
    return page_by_ids(
        qs,
        offset=offset,
        limit=limit,
        fetch=lambda keys: MemberCoupon.objects.filter(pk__in=keys).select_related("promotion"),
    )


def downloadable_coupons_page(
    *,
    member: Member,
    goods: Goods,
    ord_media_cd: str | None,
    sort_gb: str,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> tuple[int, list[Promotion]]:
    """(total, page) of `downloadable_coupons_for_goods`, each promotion annotated `mbr_held`."""
    qs = downloadable_coupons_for_goods(
        member=member, goods=goods, ord_media_cd=ord_media_cd, sort_gb=sort_gb, now=now
    )
    return page_by_ids(
        qs,
        offset=offset,
        limit=limit,
        fetch=lambda keys: Promotion.objects.filter(pk__in=keys).annotate(
            mbr_held=member_held_subquery(member.mbr_no)
        ),
    )


def download_allowance(promotion: Promotion) -> int:
    """How many more copies the member may download: the per-member allowance left, capped by the
    promotion's remaining total (needs the `mbr_held` annotation)."""
    left = promotion.mbr_issu_lmt_qty - getattr(promotion, "mbr_held", 0)
    if promotion.issu_lmt_qty is not None:
        left = min(left, promotion.issu_lmt_qty - promotion.issu_qty)
    return max(left, 0)


def with_targets(promotions: list[Promotion]) -> list[Promotion]:
    """Attach each promotion's targets (one query) and their names (one query per named kind:
    goods and exhibitions) as `target_rows` [(aply_gb_cd, aply_typ_cd, tgt_no, tgt_nm)]."""
    ids = [p.pk for p in promotions]
    by_promo: dict[int, list[PromotionTarget]] = {pk: [] for pk in ids}
    targets = (
        list(
            PromotionTarget.objects.filter(promotion_id__in=ids).order_by(
                "aply_gb_cd", "aply_typ_cd", "tgt_no"
            )
        )
        if ids
        else []
    )
    for t in targets:
        by_promo[t.promotion_id].append(t)
    goods_nos = {t.tgt_no for t in targets if t.aply_typ_cd == codes.TargetType.GOODS}
    exh_nos = {t.tgt_no for t in targets if t.aply_typ_cd == codes.TargetType.EXHIBITION}
    names: dict[tuple[str, str], str] = {}
    if goods_nos:
        names.update(
            ((codes.TargetType.GOODS, no), nm)
            for no, nm in Goods.objects.filter(goods_no__in=goods_nos).values_list(
                "goods_no", "goods_nm"
            )
        )
    if exh_nos:
        exhibitions = Exhibition.objects.filter(exhibition_no__in=exh_nos)
        names.update(
            ((codes.TargetType.EXHIBITION, no), nm)
            for no, nm in exhibitions.values_list("exhibition_no", "exhibition_nm")
        )
    for p in promotions:
        p.target_rows = [
            (t.aply_gb_cd, t.aply_typ_cd, t.tgt_no, names.get((t.aply_typ_cd, t.tgt_no)))
            for t in by_promo.get(p.pk, [])
        ]
    return promotions


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


def _box_state(
    status: str, valid_from, valid_until, promotion: Promotion, now: datetime, local_now
) -> tuple[str, bool]:
    """(status the member sees, usable right now): ISSUED past its validity is EXPIRED even
    before the expire job; usable means ISSUED, inside its validity and its weekday/time window
    (`Promotion.usable_at`, the same rule as `usage_window_q`)."""
    if status == codes.CouponStatus.ISSUED and valid_until <= now:
        return codes.CouponStatus.EXPIRED, False
    usable = (
        status == codes.CouponStatus.ISSUED
        and valid_from <= now < valid_until
        and promotion.usable_at(local_now)
    )
    return status, usable


def coupon_box_page(
    *,
    member: Member,
    sort_gb: str,
    site_no: str | None = None,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> tuple[int, int, list[MemberCoupon]]:
    """(all not revoked, usable now, the page's coupons with `cpn_stat_cd` and `usable_now`).

    Two plain queries on the box index; the status and the usable flag are decided in Python on
    the few columns they need, since building them as SQL expressions cost more than the reads.
    """
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    box = coupon_box(member=member, sort_gb=sort_gb, site_no=site_no)
    facts = box.order_by().values_list(
        "status",
        "valid_from",
        "valid_until",
        "promotion__weekdays",
        "promotion__time_from",
        "promotion__time_to",
    )
    total = usable = 0
    for status, valid_from, valid_until, weekdays, time_from, time_to in facts:
        total += 1
        window = Promotion(weekdays=weekdays, time_from=time_from, time_to=time_to)
        usable += _box_state(status, valid_from, valid_until, window, now, local_now)[1]
    page = list(box[offset : offset + limit]) if offset < total else []
    for coupon in page:
        coupon.cpn_stat_cd, coupon.usable_now = _box_state(
            coupon.status, coupon.valid_from, coupon.valid_until, coupon.promotion, now, local_now
        )
    return total, usable, page


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
