"""The report rollup under real concurrency (threads, each with its own PostgreSQL connection):
orders using a goods and a cart coupon each, restores, issues and a rebuild all at once — no
deadlock, no lost increment: the kept rollup equals the one rebuilt from the facts."""

from collections import Counter

import pytest
from django.db.models import Sum

from coupons import codes
from coupons.issuing import coupon_issue
from coupons.models import CouponDailyStat, CouponUse
from coupons.reports import report_rebuild
from coupons.use import coupons_restore, coupons_use
from tests.coupons.issuing_factories import members_sql
from tests.coupons.test_issuing_concurrency import run_concurrently
from tests.coupons.test_reports import rollup
from tests.coupons.use_factories import cart_promotion, goods, goods_promotion, use_kwargs

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

LINES = [
    {"ord_goods_seq": 1, "goods_no": "G1", "cnt": 2, "sale_prc": 15000},
    {"ord_goods_seq": 2, "goods_no": "G2", "cnt": 1, "sale_prc": 20000},
]


def ok(results) -> Counter:
    return Counter("OK" if hasattr(r, "body") else repr(r) for r in results)


def test_concurrent_uses_restores_and_issues_keep_the_rollup_exact():
    goods("G1", 15000)
    goods("G2", 20000)
    members_sql(80, first=740_000_000)
    gp = goods_promotion(our_chrg_rate=70, entr_chrg_rate=30)
    cp = cart_promotion()
    down = codes.Channel.DOWNLOAD
    pairs = [
        (
            coupon_issue(member=str(740_000_000 + i), promotion=gp, channel=down)[0],
            coupon_issue(member=str(740_000_000 + i), promotion=cp, channel=down)[0],
        )
        for i in range(60)
    ]

    def use(i):
        g, c = pairs[i]
        uses = [
            {"cpn_isu_no": g.pk, "ord_goods_seq": 1, "dc_amt": 2000},
            {"cpn_isu_no": c.pk, "dc_amt": 3000},
        ]
        return coupons_use(**use_kwargs(f"CONC-{i}", g.member, uses, LINES))

    assert ok(run_concurrently(60, use, threads=16)) == Counter({"OK": 60})

    def restore_or_issue(i):
        if i < 40:  # a full restore, or a partial one (a claw-back of the cart's line 2)
            seqs = [2] if i % 2 else []
            return coupons_restore(ord_no=f"CONC-{i}", clm_no=f"CONC-C{i}", ord_goods_seqs=seqs)
        return coupon_issue(member=str(740_000_000 + i), promotion=gp, channel=down)

    results = run_concurrently(60, restore_or_issue, threads=16)
    assert not [r for r in results if isinstance(r, Exception)], results

    kept = rollup()
    sums = CouponDailyStat.objects.aggregate(
        issued=Sum("issued"), used=Sum("used"), restored=Sum("restored"), dc=Sum("dc_amt")
    )
    # 120 copies, then 20 more; 120 uses; 20 orders fully restored (40 copies); 20 claw-backs
    # of 1,250 on the kept orders; what the uses still cost
    assert sums == {
        "issued": 140,
        "used": 120,
        "restored": 40,
        "dc": sum(u.kept_dc_amt for u in CouponUse.objects.all()),
    }
    assert sums["dc"] == 60 * 5000 - 20 * 5000 - 20 * 1250
    report_rebuild()
    assert rollup() == kept


def test_a_rebuild_while_issuing_loses_no_issue():
    members_sql(60, first=750_000_000)
    gp = goods_promotion()

    def work(i):
        if i == 0:
            return report_rebuild()
        return coupon_issue(
            member=str(750_000_000 + i), promotion=gp, channel=codes.Channel.DOWNLOAD
        )

    results = run_concurrently(60, work, threads=12)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CouponDailyStat.objects.aggregate(n=Sum("issued"))["n"] == 59
    kept = rollup()
    report_rebuild()
    assert rollup() == kept
