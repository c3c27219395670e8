"""The cost report's numbers (SPEC §8): the daily rollup `CouponDailyStat` and what reads it.

Definitions (the README's "Reports" repeats them):
- a day is an Asia/Seoul calendar day; a figure falls on the day of its event: an issue on its
  `issued_at`, a use on its `used_at`, a restore or a claw-back when it happened, a revoke on its
  `revoked_at`, an expiry on the copy's `valid_until`;
- issued, used, restored, revoked, expired: copies (a restored copy that is used again counts as
  used again); a claw-back (a cart coupon that stays used while some of its lines are cancelled)
  is no restore: it only gives money back;
- dc / our / entr: net KRW — the discounts of the uses minus what restores and claw-backs gave
  back, on their own days, so a day can be negative; mall + vendor = total always;
- usage rate: of the copies issued in the period (within the filters), the share in use now
  (used and not restored); None when nothing was issued. It stays within 0..1 whatever the
  period, unlike uses ÷ issues, whose uses may be of copies issued long before.

Every row is a key (day, promotion, channel, MK021 reason of the copy) and its sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from backoffice.errors import DomainError

from . import codes
from .models import CouponDailyStat

REPORT_MAX_DAYS = 366
COUNT_KEYS = ("issued", "used", "restored", "revoked", "expired")
AMOUNT_KEYS = ("dc_amt", "our_dc_amt", "entr_dc_amt")
# The rollup's columns summed by every grouping (issued_in_use is the usage rate's numerator).
SUMMED = (*COUNT_KEYS, "issued_in_use", *AMOUNT_KEYS)


class ReportPeriodError(DomainError):
    """A report period that ends before it starts or is longer than `report_max_days()`."""

    code = "REPORT_PERIOD"
    http_status = 400


@dataclass(frozen=True)
class ReportFilters:
    promotion_id: int | None = None  # Promotion.pk
    promo_typ_cd: str = ""  # MK002 type (codes.PromoType)
    cpn_issu_main_cd: str = ""  # MK006 issuer (codes.Issuer)
    channel: str = ""  # MemberCoupon.channel (codes.Channel)
    reason_cd: str = ""  # MK021 CS reason (codes.CsReason); "" = no filter


def report_max_days() -> int:
    """The longest report period accepted, in days (both ends included)."""
    return REPORT_MAX_DAYS


def _figures(sums: dict | None) -> dict:
    sums = sums or {}
    figures = {key: int(sums.get(key) or 0) for key in (*COUNT_KEYS, *AMOUNT_KEYS)}
    issued, in_use = figures["issued"], int(sums.get("issued_in_use") or 0)
    figures["usage_rate"] = round(in_use / issued, 4) if issued else None
    # The documented key order: counts, rate, amounts.
    return {key: figures[key] for key in (*COUNT_KEYS, "usage_rate", *AMOUNT_KEYS)}


def _has_figures(sums: dict) -> bool:
    return any(sums.get(key) for key in SUMMED)


def _filtered(date_from: date, date_to: date, filters: ReportFilters):
    query = Q(day__gte=date_from, day__lte=date_to)
    if filters.promotion_id is not None:
        query &= Q(promotion_id=filters.promotion_id)
    if filters.promo_typ_cd:
        query &= Q(promotion__promo_typ_cd=filters.promo_typ_cd)
    if filters.cpn_issu_main_cd:
        query &= Q(promotion__cpn_issu_main_cd=filters.cpn_issu_main_cd)
    if filters.channel:
        query &= Q(channel=filters.channel)
    if filters.reason_cd:
        query &= Q(reason_cd=filters.reason_cd)
    return CouponDailyStat.objects.filter(query).order_by()


def _sums():
    return {key: Sum(key) for key in SUMMED}


def reason_name(reason_cd: str) -> str:
    """The MK021 reason's name, "사유 없음" for a copy that is no CS compensation."""
    if not reason_cd:
        return _("사유 없음")
    try:
        return str(codes.CsReason(reason_cd).label)
    except ValueError:
        return reason_cd


def check_period(*, date_from: date, date_to: date) -> None:
    """Raise ReportPeriodError unless date_from ≤ date_to within `report_max_days()` days."""
    if date_from > date_to:
        raise ReportPeriodError(
            _("기간의 시작일이 종료일보다 늦습니다."),
            fields={"date_from": [_("시작일은 종료일과 같거나 앞서야 합니다.")]},
        )
    days = (date_to - date_from).days + 1
    if days > REPORT_MAX_DAYS:
        message = _("기간은 최대 %(max)d일입니다 (요청: %(days)d일).") % {
            "max": REPORT_MAX_DAYS,
            "days": days,
        }
        raise ReportPeriodError(message, fields={"date_to": [message]})


def coupon_report(
    *, date_from: date, date_to: date, filters: ReportFilters = ReportFilters()
) -> dict:
    """Figures of the period (both ends included, Asia/Seoul days) within the filters: totals,
    by day (every day, zero-filled), by promotion (dc_amt desc, then promo_no) and by MK021
    reason, read from the rollup in three queries whatever the period. Raises ReportPeriodError."""
    check_period(date_from=date_from, date_to=date_to)
    rows = _filtered(date_from, date_to, filters)

    per_day = {row["day"]: row for row in rows.values("day").annotate(**_sums())}
    by_day, totals = [], dict.fromkeys(SUMMED, 0)
    day = date_from
    while day <= date_to:
        sums = per_day.get(day) or {}
        for key in SUMMED:
            totals[key] += int(sums.get(key) or 0)
        by_day.append({"day": day, **_figures(sums)})
        day += timedelta(days=1)

    by_promotion = [
        {
            "promotion_id": row["promotion_id"],
            "promo_no": row["promotion__promo_no"],
            "promo_nm": row["promotion__promo_nm"],
            "promo_typ_cd": row["promotion__promo_typ_cd"],
            **_figures(row),
        }
        for row in rows.values(
            "promotion_id",
            "promotion__promo_no",
            "promotion__promo_nm",
            "promotion__promo_typ_cd",
        ).annotate(**_sums())
        if _has_figures(row)
    ]
    by_promotion.sort(key=lambda row: (-row["dc_amt"], row["promo_no"]))

    by_reason = [
        {"reason_cd": row["reason_cd"], "reason_nm": reason_name(row["reason_cd"]), **_figures(row)}
        for row in sorted(
            rows.values("reason_cd").annotate(**_sums()), key=lambda row: row["reason_cd"]
        )
        if _has_figures(row)
    ]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": _figures(totals),
        "by_day": by_day,
        "by_promotion": by_promotion,
        "by_reason": by_reason,
    }
