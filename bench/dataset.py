"""The benchmark data set, built with set-based SQL on PostgreSQL.

Sizes default to the issue's: 1,000,000 members, 100,000 goods, 10,000 promotions and
10,000,000 member coupons. Building is idempotent: a size already present is kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from coupons import codes
from coupons.models import Promotion
from coupons.reports import report_rebuild
from coupons.services import promotion_create

MEMBER_BASE = 100_000_000
GOODS_BASE = 3_000_000
PROMO_BASE = 5_000_000
# The data set's orders (one per used copy) and claims are numbered from the copy / the use.
USE_ORDER_PREFIX = "BENCH-O"
USE_CLAIM_PREFIX = "BENCH-C"
RESTORE_EVERY = 10  # one use in ten is cancelled a day later and its copy restored


@dataclass
class Sizes:
    members: int = 1_000_000
    goods: int = 100_000
    promotions: int = 10_000
    coupons: int = 10_000_000

    @classmethod
    def small(cls) -> Sizes:
        return cls(members=3_000, goods=500, promotions=200, coupons=30_000)


def member_no(i: int) -> str:
    return str(MEMBER_BASE + i)


def goods_no(i: int) -> str:
    return str(GOODS_BASE + i)


def _count(table: str, where: str = "", params=None) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table} {where}", params or [])
        return cur.fetchone()[0]


def _exec(sql: str, params=None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def bench_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password("bench-password")
        user.save()
    return user


def build(sizes: Sizes, log=print) -> dict:
    """Create whatever part of the data set is missing; returns seconds per part."""
    timings = {}
    n = sizes.members
    if _count("coupons_member", "WHERE mbr_no BETWEEN %s AND %s", [member_no(1), member_no(n)]) < n:
        t = time.perf_counter()
        _exec(
            """
            INSERT INTO coupons_member (mbr_no, grade_cd, birthday, anniversary, joined_at, site_no)
            SELECT (%s + g)::text, ((g %% 5 + 1) * 10)::text,
                   date '1960-01-01' + (g * 7919 %% 16000)::int,
                   CASE WHEN g %% 3 = 0 THEN date '1990-01-01' + (g * 104729 %% 12000)::int END,
                   timestamptz '2021-03-01 12:00:00+09', '1'
            FROM generate_series(1::bigint, %s) g
            ON CONFLICT (mbr_no) DO NOTHING
            """,
            [MEMBER_BASE, n],
        )
        timings["members"] = time.perf_counter() - t
        log(f"  members: {n:,} in {timings['members']:.1f}s")
    if (
        _count(
            "coupons_goods",
            "WHERE goods_no BETWEEN %s AND %s",
            [goods_no(1), goods_no(sizes.goods)],
        )
        < sizes.goods
    ):
        t = time.perf_counter()
        _exec(
            """
            INSERT INTO coupons_goods (goods_no, goods_nm, sale_price, entr_no, disp_ctg_no, brand_no, site_no)
            SELECT (%s + g)::text, 'bench goods ' || g, (g %% 300 + 5) * 100, 'E' || (g %% 500),
                   'C' || (g %% 1000), 'B' || (g %% 2000), '1'
            FROM generate_series(1::bigint, %s) g
            ON CONFLICT (goods_no) DO NOTHING
            """,
            [GOODS_BASE, sizes.goods],
        )
        timings["goods"] = time.perf_counter() - t
        log(f"  goods: {sizes.goods:,} in {timings['goods']:.1f}s")
    if _count("coupons_promotion", "WHERE promo_nm LIKE %s", ["bench P%"]) < sizes.promotions:
        t = time.perf_counter()
        _build_promotions(sizes)
        timings["promotions"] = time.perf_counter() - t
        log(f"  promotions: {sizes.promotions:,} in {timings['promotions']:.1f}s")
    if _count("coupons_membercoupon", "WHERE system_user_no = 'BENCH'") < sizes.coupons:
        t = time.perf_counter()
        _build_coupons(sizes)
        timings["coupons"] = time.perf_counter() - t
        log(f"  member coupons: {sizes.coupons:,} in {timings['coupons']:.1f}s")
    # Uses are added to a data set built before they were part of it, as to a new one.
    facts_changed = False
    if not _count("coupons_couponorder", "WHERE ord_no LIKE %s", [USE_ORDER_PREFIX + "%"]):
        t = time.perf_counter()
        uses, restores = _build_uses()
        timings["uses"] = time.perf_counter() - t
        facts_changed = True
        log(f"  uses: {uses:,} ({restores:,} restored) in {timings['uses']:.1f}s")
    # The first builder left revoked copies without a revoke time; the report counts a revoke on
    # its day, so give them one (two days after issue).
    if _count(
        "coupons_membercoupon",
        "WHERE system_user_no = 'BENCH' AND status = 'REVOKED' AND revoked_at IS NULL",
    ):
        _exec(
            "UPDATE coupons_membercoupon SET revoked_at = LEAST(issued_at + interval '2 days', "
            "now() - interval '1 second'), revoke_reason = 'bench' "
            "WHERE system_user_no = 'BENCH' AND status = 'REVOKED' AND revoked_at IS NULL"
        )
        facts_changed = True
    if facts_changed or not _count("coupons_coupondailystat"):
        t = time.perf_counter()
        rows = report_rebuild()
        timings["report rollup"] = time.perf_counter() - t
        log(f"  report rollup: {rows:,} rows in {timings['report rollup']:.1f}s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return timings


def _build_promotions(sizes: Sizes) -> None:
    """Clone one valid template promotion in SQL, varying what matters to the reads.

    Of the promotions, 1 in 100 is a live downloadable coupon on all goods; the rest are live
    downloadables targeted at a goods, a category, a brand or a vendor, or ended ones — the mix
    a mall with thousands of past campaigns has.
    """
    now = timezone.now()
    user = bench_user()
    template = promotion_create(
        user=user,
        data={
            "promo_nm": "bench template",
            "promo_typ_cd": codes.PromoType.GOODS,
            "cpn_issu_main_cd": codes.Issuer.FIXED,
            "cpn_issu_way_cd": codes.IssueMethod.DOWNLOAD,
            "fix_amt_fxrt_gb_cd": codes.DiscountKind.AMOUNT,
            "dc_rate_amt": 1000,
            "min_buy_amt": 10000,
            "promo_str_dtm": now - timedelta(days=10),
            "promo_end_dtm": now + timedelta(days=50),
            "vali_basis_cd": codes.ValidityBasis.DAYS,
            "vali_days": 30,
            "ord_media_cds": codes.OrdMedia.values,
            "mbr_issu_lmt_qty": 5,
        },
    )
    columns = [f.column for f in Promotion._meta.concrete_fields if f.column != "id"]
    overrides = {
        "promo_no": f"'C' || ({PROMO_BASE} + g)",
        "promo_nm": "'bench P' || g",
        "promo_stat_cd": "CASE WHEN g %% 10 = 9 THEN 'ENDED' ELSE 'APPROVED' END",
        "approved_by_id": str(user.pk),
        "all_goods_yn": "(g %% 100 = 0)",
        "promo_end_dtm": "CASE WHEN g %% 10 = 9 THEN now() - interval '1 day' ELSE promo_end_dtm END",
        "promo_str_dtm": "CASE WHEN g %% 10 = 9 THEN now() - interval '40 days' ELSE promo_str_dtm END",
    }
    select = ", ".join(overrides.get(c, f'"{c}"') for c in columns)
    with transaction.atomic():
        _exec(
            f"INSERT INTO coupons_promotion ({', '.join(chr(34) + c + chr(34) for c in columns)}) "
            f"SELECT {select} FROM coupons_promotion, generate_series(1, %s) g WHERE id = %s",
            [sizes.promotions, template.pk],
        )
        # Targets of the targeted ones: goods, display category, brand or vendor, by turns.
        _exec(
            f"""
            INSERT INTO coupons_promotiontarget (promotion_id, aply_gb_cd, aply_typ_cd, tgt_no)
            SELECT p.id, '01',
                   (ARRAY['02', '03', '06', '05'])[(s %% 4) + 1],
                   CASE s %% 4 WHEN 0 THEN ({GOODS_BASE} + 1 + (s * 7919) %% %s)::text
                               WHEN 1 THEN 'C' || (s %% 1000)
                               WHEN 2 THEN 'B' || (s %% 2000)
                               ELSE 'E' || (s %% 500) END
            FROM coupons_promotion p,
                 LATERAL (SELECT substr(p.promo_no, 2)::int - {PROMO_BASE} AS s) k
            WHERE p.promo_nm LIKE 'bench P%%' AND p.id <> %s AND NOT p.all_goods_yn
            """,
            [sizes.goods, template.pk],
        )
        _exec("DELETE FROM coupons_promotion WHERE id = %s", [template.pk])
        _exec(
            "UPDATE coupons_promonocounter SET next_value = GREATEST(next_value, %s) WHERE name = 'promo_no'",
            [PROMO_BASE + sizes.promotions + 1],
        )


def _build_coupons(sizes: Sizes) -> None:
    """Member coupons in member order (the box index's order): coupons/members copies each."""
    per_member = max(sizes.coupons // sizes.members, 1)
    with transaction.atomic(), connection.cursor() as cur:
        # Build the secondary indexes once after the load rather than row by row during it; all
        # in one transaction, so an interrupted build leaves the table as it was.
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'coupons_membercoupon' "
            "AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute(
            "SELECT min(id), max(id) FROM coupons_promotion WHERE promo_nm LIKE %s", ["bench P%"]
        )
        lo, hi = cur.fetchone()
        span = hi - lo + 1
        cur.execute(
            f"""
            INSERT INTO coupons_membercoupon
                (member_id, promotion_id, seq, issued_at, valid_from, valid_until, status, channel,
                 cs_cpn_pay_caus_cd, system_user_no, auto_issu_odr, memo, ord_no, revoke_reason)
            SELECT ({MEMBER_BASE} + 1 + (g / {per_member}))::text,
                   {lo} + ((g * 7919) %% {span}),
                   1,
                   now() - make_interval(days => (g %% 60)::int),
                   now() - make_interval(days => (g %% 60)::int),
                   now() - make_interval(days => (g %% 60)::int) + interval '45 days',
                   CASE WHEN g %% 20 = 0 THEN 'USED' WHEN g %% 50 = 1 THEN 'REVOKED' ELSE 'ISSUED' END,
                   'FO_DOWNLOAD', '', 'BENCH', '', '', '', ''
            FROM generate_series(0::bigint, %s - 1) g
            """,
            [sizes.coupons],
        )
        # No counter rows: a missing row means "count the copies held" (coupons.issuing._reserve_member).
        cur.execute(
            """
            UPDATE coupons_promotion p SET issu_qty = c.n
            FROM (SELECT promotion_id, count(*) n FROM coupons_membercoupon
                  WHERE system_user_no = 'BENCH' AND status <> 'REVOKED' GROUP BY promotion_id) c
            WHERE p.id = c.promotion_id
            """
        )
        # Run the deferred foreign-key checks now: an index cannot be built while they are pending.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cur.execute(definition)


def _build_uses() -> tuple[int, int]:
    """Orders, uses and lines of every used copy of the data set (1 in 20 copies, issued over the
    last 60 days), used within three days of issue, 1 to 3 units of the promotion's discount,
    split by its rates; one use in RESTORE_EVERY cancelled a day later (the copy back to ISSUED,
    or EXPIRED past its validity); the promotions' used budget to match. Set-based SQL in one
    transaction; returns (uses, restores)."""
    order, claim = USE_ORDER_PREFIX, USE_CLAIM_PREFIX
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO coupons_couponorder (ord_no, member_id, request_hash, response, used_at)
            SELECT '{order}' || mc.cpn_isu_no, mc.member_id, '', '{{}}'::jsonb,
                   LEAST(mc.issued_at + make_interval(hours => (mc.cpn_isu_no %% 72)::int),
                         now() - interval '1 minute')
            FROM coupons_membercoupon mc
            WHERE mc.system_user_no = 'BENCH' AND mc.status = 'USED'
            ORDER BY mc.cpn_isu_no
            """,
            [],
        )
        cur.execute(
            f"""
            INSERT INTO coupons_couponuse
                (order_id, ord_no, member_coupon_id, promotion_id, member_id, promo_typ_cd,
                 ord_goods_seq, deli_no, dc_amt, our_dc_amt, entr_dc_amt, used_at, clawback_amt,
                 restored_at, restore_clm_no, restored_status)
            SELECT o.id, o.ord_no, mc.cpn_isu_no, mc.promotion_id, mc.member_id, p.promo_typ_cd,
                   1, '', d.dc, d.dc * p.our_chrg_rate / 100, d.dc - d.dc * p.our_chrg_rate / 100,
                   o.used_at, 0, NULL, '', ''
            FROM coupons_couponorder o
            JOIN coupons_membercoupon mc ON mc.cpn_isu_no = substr(o.ord_no, {len(order) + 1})::bigint
            JOIN coupons_promotion p ON p.id = mc.promotion_id,
            LATERAL (SELECT COALESCE(p.dc_rate_amt, 1000) * (1 + mc.cpn_isu_no %% 3) AS dc) d
            WHERE o.ord_no LIKE '{order}%%'
            ORDER BY o.id
            """,
            [],
        )
        uses = cur.rowcount
        cur.execute(
            f"""
            INSERT INTO coupons_couponuseline
                (use_id, ord_goods_seq, dc_amt, our_dc_amt, entr_dc_amt, clm_no, cancelled_at)
            SELECT id, 1, dc_amt, our_dc_amt, entr_dc_amt, '', NULL
            FROM coupons_couponuse WHERE ord_no LIKE '{order}%%' ORDER BY id
            """,
            [],
        )
        # The restores: the use, its line, then the copy (as coupons.use does it).
        cur.execute(
            f"""
            UPDATE coupons_couponuse u
            SET restored_at = LEAST(u.used_at + interval '1 day', now() - interval '1 second'),
                restore_clm_no = '{claim}' || u.id,
                restored_status = CASE WHEN mc.valid_until >
                    LEAST(u.used_at + interval '1 day', now() - interval '1 second')
                    THEN 'ISSUED' ELSE 'EXPIRED' END
            FROM coupons_membercoupon mc
            WHERE mc.cpn_isu_no = u.member_coupon_id AND u.ord_no LIKE '{order}%%'
              AND u.id %% {RESTORE_EVERY} = 0
            """,
            [],
        )
        restores = cur.rowcount
        cur.execute(
            """
            UPDATE coupons_couponuseline l SET clm_no = u.restore_clm_no, cancelled_at = u.restored_at
            FROM coupons_couponuse u
            WHERE u.id = l.use_id AND u.restore_clm_no LIKE %s
            """,
            [claim + "%"],
        )
        cur.execute(
            """
            UPDATE coupons_membercoupon mc
            SET used_at = CASE WHEN u.restored_at IS NULL THEN u.used_at END,
                use_ord_no = CASE WHEN u.restored_at IS NULL THEN u.ord_no ELSE '' END,
                status = CASE WHEN u.restored_at IS NULL THEN 'USED' ELSE u.restored_status END
            FROM coupons_couponuse u
            WHERE u.member_coupon_id = mc.cpn_isu_no AND u.ord_no LIKE %s
            """,
            [order + "%"],
        )
        cur.execute(
            """
            UPDATE coupons_promotion p SET budget_used = p.budget_used + k.amount
            FROM (SELECT promotion_id, sum(dc_amt) AS amount FROM coupons_couponuse
                  WHERE ord_no LIKE %s AND restored_at IS NULL GROUP BY promotion_id) k
            WHERE p.id = k.promotion_id
            """,
            [order + "%"],
        )
    return uses, restores
