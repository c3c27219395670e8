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
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.errors import DomainError

from . import codes
from .models import CouponDailyStat

REPORT_MAX_DAYS = 366
# The report's days are the mall's calendar days, whatever the server's settings.
REPORT_TZ = ZoneInfo("Asia/Seoul")
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


def _figures(sums) -> dict:
    """The figures dict of one group's sums (a sequence in SUMMED order)."""
    issued, used, restored, revoked, expired, in_use, dc, our, entr = sums
    return {
        "issued": issued,
        "used": used,
        "restored": restored,
        "revoked": revoked,
        "expired": expired,
        "usage_rate": round(in_use / issued, 4) if issued else None,
        "dc_amt": dc,
        "our_dc_amt": our,
        "entr_dc_amt": entr,
    }


ZERO_SUMS = (0,) * len(SUMMED)


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


def _report_sql(date_from: date, date_to: date, filters: ReportFilters) -> tuple[str, list]:
    """One statement: the period's rollup rows within the filters, summed by day, by promotion
    and by reason (one scan with GROUPING SETS on PostgreSQL, three on SQLite), the promotions'
    names joined to their sums after the grouping."""
    adapt = connection.ops.adapt_datefield_value
    where, params = ["s.day >= %s", "s.day <= %s"], [adapt(date_from), adapt(date_to)]
    if filters.promotion_id is not None:
        where.append("s.promotion_id = %s")
        params.append(filters.promotion_id)
    promo_where, promo_params = [], []
    if filters.promo_typ_cd:
        promo_where.append("promo_typ_cd = %s")
        promo_params.append(filters.promo_typ_cd)
    if filters.cpn_issu_main_cd:
        promo_where.append("cpn_issu_main_cd = %s")
        promo_params.append(filters.cpn_issu_main_cd)
    if promo_where:
        where.append(
            "s.promotion_id IN (SELECT id FROM coupons_promotion WHERE "
            + " AND ".join(promo_where)
            + ")"
        )
        params += promo_params
    if filters.channel:
        where.append("s.channel = %s")
        params.append(filters.channel)
    if filters.reason_cd:
        where.append("s.reason_cd = %s")
        params.append(filters.reason_cd)
    sums = ", ".join(f"CAST(SUM(s.{col}) AS BIGINT) AS {col}" for col in SUMMED)
    source = f"FROM {STAT_TABLE} s WHERE {' AND '.join(where)}"
    if connection.vendor == "postgresql":
        grouped = (
            "SELECT CASE GROUPING(s.day, s.promotion_id, s.reason_cd) WHEN 3 THEN 'd' "
            "WHEN 5 THEN 'p' ELSE 'r' END AS kind, s.day, s.promotion_id, s.reason_cd, "
            f"{sums} {source} "
            "GROUP BY GROUPING SETS ((s.day), (s.promotion_id), (s.reason_cd))"
        )
    else:
        grouped = " UNION ALL ".join(
            f"SELECT '{kind}' AS kind, {day} AS day, {promo} AS promotion_id, "
            f"{reason} AS reason_cd, {sums} {source} GROUP BY {by}"
            for kind, day, promo, reason, by in (
                ("d", "s.day", "NULL", "NULL", "s.day"),
                ("p", "NULL", "s.promotion_id", "NULL", "s.promotion_id"),
                ("r", "NULL", "NULL", "s.reason_cd", "s.reason_cd"),
            )
        )
        params = params * 3
    columns = ", ".join(f"g.{col}" for col in SUMMED)
    sql = (
        f"SELECT g.kind, g.day, g.promotion_id, g.reason_cd, {columns}, "
        f"p.promo_no, p.promo_nm, p.promo_typ_cd FROM ({grouped}) g "
        "LEFT JOIN coupons_promotion p ON p.id = g.promotion_id"
    )
    return sql, params


def coupon_report(
    *, date_from: date, date_to: date, filters: ReportFilters = ReportFilters()
) -> dict:
    """Figures of the period (both ends included, Asia/Seoul days) within the filters: totals,
    by day (every day, zero-filled), by promotion (those with any figure, dc_amt desc, then
    promo_no) and by MK021 reason ("" = no CS compensation), from the rollup in one query
    whatever the period. Raises ReportPeriodError. See the module's docstring for definitions."""
    check_period(date_from=date_from, date_to=date_to)
    sql, params = _report_sql(date_from, date_to, filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(SUMMED)
    per_day, by_promotion, by_reason = {}, [], []
    for kind, day, promotion_id, reason_cd, *rest in rows:
        sums, (promo_no, promo_nm, promo_typ_cd) = rest[:n], rest[n:]
        if not any(sums):
            continue
        if kind == "d":
            per_day[day if isinstance(day, date) else date.fromisoformat(day)] = sums
        elif kind == "p":
            by_promotion.append(
                {
                    "promotion_id": promotion_id,
                    "promo_no": promo_no,
                    "promo_nm": promo_nm,
                    "promo_typ_cd": promo_typ_cd,
                    **_figures(sums),
                }
            )
        else:
            by_reason.append(
                {"reason_cd": reason_cd, "reason_nm": reason_name(reason_cd), **_figures(sums)}
            )
    by_promotion.sort(key=lambda row: (-row["dc_amt"], row["promo_no"]))
    by_reason.sort(key=lambda row: row["reason_cd"])
    by_day, totals = [], [0] * n
    day = date_from
    while day <= date_to:
        sums = per_day.get(day, ZERO_SUMS)
        totals = [a + b for a, b in zip(totals, sums, strict=True)]
        by_day.append({"day": day, **_figures(sums)})
        day += timedelta(days=1)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": _figures(totals),
        "by_day": by_day,
        "by_promotion": by_promotion,
        "by_reason": by_reason,
    }


# -- keeping the rollup current (called inside the transactions that change the facts) -----------

STAT_TABLE = CouponDailyStat._meta.db_table
KEY_COLUMNS = ("day", "promotion_id", "channel", "reason_cd")
DELTA_COLUMNS = SUMMED
_UPSERT_HEAD = f"INSERT INTO {STAT_TABLE} ({', '.join(KEY_COLUMNS + DELTA_COLUMNS)}) VALUES "
# Never a read-modify-write: the database adds the increments to whatever row it holds.
_UPSERT_TAIL = f" ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET " + ", ".join(
    f"{col} = {STAT_TABLE}.{col} + excluded.{col}" for col in DELTA_COLUMNS
)
# Rows per INSERT statement (a parameter budget well under SQLite's and PostgreSQL's limits).
_UPSERT_BATCH = 500


def report_day(value: datetime) -> date:
    """The Asia/Seoul calendar day of an aware datetime (the day a figure falls on)."""
    return timezone.localtime(value, REPORT_TZ).date()


class RollupDelta:
    """Increments of the rollup gathered over one write, saved by one grouped upsert in key
    order (so two transactions touching the same rows lock them in the same order)."""

    def __init__(self):
        self._rows: dict[tuple, list[int]] = {}

    def add(self, *, day: date, promotion_id: int, channel: str, reason_cd: str, **deltas) -> None:
        row = self._rows.setdefault(
            (day, promotion_id, channel, reason_cd or ""), [0] * len(DELTA_COLUMNS)
        )
        for column, value in deltas.items():
            row[DELTA_COLUMNS.index(column)] += int(value)

    def add_amounts(self, *, sign: int, dc: int, our: int, entr: int, **key) -> None:
        self.add(**key, dc_amt=sign * dc, our_dc_amt=sign * our, entr_dc_amt=sign * entr)

    def __bool__(self) -> bool:
        return any(any(values) for values in self._rows.values())

    def save(self) -> None:
        rows = sorted((key, values) for key, values in self._rows.items() if any(values))
        self._rows = {}
        adapt = connection.ops.adapt_datefield_value
        marks = "(" + ", ".join(["%s"] * (len(KEY_COLUMNS) + len(DELTA_COLUMNS))) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _UPSERT_BATCH):
                batch = rows[start : start + _UPSERT_BATCH]
                params = []
                for (day, promotion_id, channel, reason_cd), values in batch:
                    params += [adapt(day), promotion_id, channel, reason_cd, *values]
                cursor.execute(
                    _UPSERT_HEAD + ", ".join([marks] * len(batch)) + _UPSERT_TAIL, params
                )


def rollup_issued(
    *, promotion_id: int, channel: str, reason_cd: str, issued_at: datetime, qty: int
) -> None:
    """Count `qty` copies issued at `issued_at` (one upsert)."""
    delta = RollupDelta()
    delta.add(
        day=report_day(issued_at),
        promotion_id=promotion_id,
        channel=channel,
        reason_cd=reason_cd,
        issued=qty,
    )
    delta.save()


def rollup_revoked(
    *, promotion_id: int, channel: str, reason_cd: str, revoked_at: datetime
) -> None:
    """Count one copy revoked at `revoked_at` (one upsert)."""
    delta = RollupDelta()
    delta.add(
        day=report_day(revoked_at),
        promotion_id=promotion_id,
        channel=channel,
        reason_cd=reason_cd,
        revoked=1,
    )
    delta.save()


def day_sql(column: str) -> str:
    """SQL for the Asia/Seoul calendar day of a timestamp column, on this database."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Seoul')::date"
    # SQLite keeps UTC text; Seoul has kept +09:00 without summer time since 1988.
    hours = int(timezone.now().astimezone(REPORT_TZ).utcoffset().total_seconds() // 3600)
    return f"date({column}, '{hours:+d} hours')"


def upsert_select_sql(select_sql: str, *, adds: tuple[str, ...] = DELTA_COLUMNS) -> str:
    """`INSERT … <select_sql> ON CONFLICT (key) DO UPDATE` adding the `adds` columns; the select
    gives the key columns then every delta column, grouped by key (and ordered by it, so the rows
    are locked in key order)."""
    return (
        f"INSERT INTO {STAT_TABLE} ({', '.join(KEY_COLUMNS + DELTA_COLUMNS)}) {select_sql}"
        f" ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET "
        + ", ".join(f"{col} = {STAT_TABLE}.{col} + excluded.{col}" for col in adds)
    )


def delta_select_list(**values: str) -> str:
    """The delta columns of a rollup select, in table order: the given SQL or 0."""
    return ", ".join(f"{values.get(col, '0')} AS {col}" for col in DELTA_COLUMNS)


# -- rebuilding the rollup from the facts ----------------------------------------------------------


def _seoul_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=REPORT_TZ)


def _rebuild_events_sql(bounds) -> tuple[str, list]:
    """Every figure as (key, deltas) rows pre-grouped per source, from the facts: copies (issue,
    revoke, expiry), uses, restores and claw-backs; `bounds(column)` gives each source's period
    predicate on its event column."""
    mc, cu, cl = (
        "coupons_membercoupon",
        "coupons_couponuse",
        "coupons_couponuseline",
    )
    used, revoked, expired = (
        codes.CouponStatus.USED,
        codes.CouponStatus.REVOKED,
        codes.CouponStatus.EXPIRED,
    )
    cart = codes.PromoType.CART
    parts, params = [], []

    def source(select: str, from_where: str, column: str, extra: list | None = None):
        where, where_params = bounds(column)
        parts.append(
            f"SELECT {day_sql(column)} AS day, m.promotion_id, m.channel, "
            f"m.cs_cpn_pay_caus_cd AS reason_cd, {select} FROM {from_where}{where} "
            "GROUP BY 1, 2, 3, 4"
        )
        params.extend(extra or [])
        params.extend(where_params)

    source(
        delta_select_list(
            issued="COUNT(*)",
            issued_in_use="SUM(CASE WHEN m.status = %s THEN 1 ELSE 0 END)",
        ),
        f"{mc} m WHERE 1 = 1",
        "m.issued_at",
        [used],
    )
    source(
        delta_select_list(revoked="COUNT(*)"),
        f"{mc} m WHERE m.status = %s AND m.revoked_at IS NOT NULL",
        "m.revoked_at",
        [revoked],
    )
    source(
        delta_select_list(expired="COUNT(*)"),
        f"{mc} m WHERE m.status = %s",
        "m.valid_until",
        [expired],
    )
    source(
        delta_select_list(
            used="COUNT(*)",
            dc_amt="SUM(u.dc_amt)",
            our_dc_amt="SUM(u.our_dc_amt)",
            entr_dc_amt="SUM(u.entr_dc_amt)",
        ),
        f"{cu} u JOIN {mc} m ON m.cpn_isu_no = u.member_coupon_id WHERE 1 = 1",
        "u.used_at",
    )
    # A restore gives back what its claw-backs had not: the use less the cart lines clawed back
    # before it (the lines its own claim cancelled are what it restores).
    clawed = (
        f"(SELECT COALESCE(SUM(l.{{col}}), 0) FROM {cl} l WHERE l.use_id = u.id "
        "AND l.cancelled_at IS NOT NULL AND l.clm_no <> u.restore_clm_no)"
    )
    source(
        delta_select_list(
            restored="COUNT(*)",
            dc_amt="-SUM(u.dc_amt - u.clawback_amt)",
            our_dc_amt=(
                "-SUM(u.our_dc_amt - CASE WHEN u.clawback_amt > 0 THEN "
                f"{clawed.format(col='our_dc_amt')} ELSE 0 END)"
            ),
            entr_dc_amt=(
                "-SUM(u.entr_dc_amt - CASE WHEN u.clawback_amt > 0 THEN "
                f"{clawed.format(col='entr_dc_amt')} ELSE 0 END)"
            ),
        ),
        f"{cu} u JOIN {mc} m ON m.cpn_isu_no = u.member_coupon_id WHERE u.restored_at IS NOT NULL",
        "u.restored_at",
    )
    # A claw-back: the cancelled lines of a cart coupon that stayed used at the time.
    source(
        delta_select_list(
            dc_amt="-SUM(l.dc_amt)",
            our_dc_amt="-SUM(l.our_dc_amt)",
            entr_dc_amt="-SUM(l.entr_dc_amt)",
        ),
        f"{cl} l JOIN {cu} u ON u.id = l.use_id JOIN {mc} m ON m.cpn_isu_no = u.member_coupon_id "
        "WHERE u.promo_typ_cd = %s AND l.cancelled_at IS NOT NULL AND l.dc_amt > 0 "
        "AND (u.restored_at IS NULL OR l.clm_no <> u.restore_clm_no)",
        "l.cancelled_at",
        [cart],
    )
    return " UNION ALL ".join(parts), params


def report_rebuild(*, date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute the rollup's rows of the period (every day when no bounds) from the facts with
    set-based SQL, in one transaction; returns the number of rows written. Writers that change
    figures meanwhile wait for it on PostgreSQL, then add their increments to the rebuilt rows."""
    if date_from and date_to and date_from > date_to:
        raise ReportPeriodError(
            _("기간의 시작일이 종료일보다 늦습니다."),
            fields={"date_from": [_("시작일은 종료일과 같거나 앞서야 합니다.")]},
        )
    at = connection.ops.adapt_datetimefield_value
    start = at(_seoul_midnight(date_from)) if date_from else None
    end = at(_seoul_midnight(date_to + timedelta(days=1))) if date_to else None

    def bounds(column: str) -> tuple[str, list]:
        sql, params = "", []
        if start is not None:
            sql, params = sql + f" AND {column} >= %s", [*params, start]
        if end is not None:
            sql, params = sql + f" AND {column} < %s", [*params, end]
        return sql, params

    events, params = _rebuild_events_sql(bounds)
    sums = ", ".join(f"SUM({col})" for col in DELTA_COLUMNS)
    select = (
        f"SELECT day, promotion_id, channel, reason_cd, {sums} FROM ({events}) e "
        "GROUP BY day, promotion_id, channel, reason_cd ORDER BY 1, 2, 3, 4"
    )
    adapt_day = connection.ops.adapt_datefield_value
    delete, delete_params = f"DELETE FROM {STAT_TABLE} WHERE 1 = 1", []
    if date_from:
        delete, delete_params = delete + " AND day >= %s", [*delete_params, adapt_day(date_from)]
    if date_to:
        delete, delete_params = delete + " AND day <= %s", [*delete_params, adapt_day(date_to)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Readers go on; writers of figures queue behind the rebuild instead of being lost
            # between its delete and its insert.
            cursor.execute(f"LOCK TABLE {STAT_TABLE} IN EXCLUSIVE MODE")
        cursor.execute(delete, delete_params)
        cursor.execute(
            f"INSERT INTO {STAT_TABLE} ({', '.join(KEY_COLUMNS + DELTA_COLUMNS)}) {select}", params
        )
        written = cursor.rowcount
    return written
