"""The cost report's numbers (coupons.reports): a sequence of real operations — issue through three
channels and two CS reasons, use with a cart coupon, a partial then a full restore, a revoke, the
expiry job, a restore after validity — kept in the rollup by the same transactions; the kept
rollup equals the one rebuilt from the facts; the report's figures are exactly the expected ones
by day, by promotion, by reason and in total; filters, period checks and the query count."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from coupons import codes
from coupons.issuing import auto_issue_run, coupon_issue, coupon_revoke, coupons_expire
from coupons.models import CouponDailyStat, MemberCoupon
from coupons.reports import (
    ReportFilters,
    ReportPeriodError,
    coupon_report,
    report_max_days,
    report_rebuild,
)
from coupons.use import coupons_restore, coupons_use
from tests.coupons.issuing_factories import approved_promotion, auto_promotion, cs_promotion, staff
from tests.coupons.use_factories import cart_promotion, goods, goods_promotion, member

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SEOUL)
ZERO = {
    "issued": 0,
    "used": 0,
    "restored": 0,
    "revoked": 0,
    "expired": 0,
    "usage_rate": None,
    "dc_amt": 0,
    "our_dc_amt": 0,
    "entr_dc_amt": 0,
}


def figures(**kw) -> dict:
    return {**ZERO, **kw}


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield moment


def line(seq: int, goods_no: str, cnt: int, price: int) -> dict:
    return {"ord_goods_seq": seq, "goods_no": goods_no, "cnt": cnt, "sale_prc": price}


def use(ord_no: str, mbr, lines: list[dict], uses: list[dict], now: datetime):
    return coupons_use(
        ord_no=ord_no,
        mbr_no=mbr.mbr_no,
        ord_media_cd=codes.OrdMedia.PC,
        site_no="1",
        goods_list=lines,
        dlv_grp_list=[],
        use_list=uses,
        now=now,
    )


def rollup() -> dict:
    columns = ("issued", "used", "restored", "revoked", "expired", "issued_in_use")
    amounts = ("dc_amt", "our_dc_amt", "entr_dc_amt")
    return {
        (s.day, s.promotion_id, s.channel, s.reason_cd): tuple(
            getattr(s, c) for c in columns + amounts
        )
        for s in CouponDailyStat.objects.all()
    }


@pytest.fixture
def story(db):
    """The operations, each at its own Seoul moment; returns the promotions and copies."""
    goods("G1", 15000)
    goods("G2", 20000)
    m1, m2, m3 = member("510000001"), member("510000002"), member("510000003")
    with at(T0):
        g = goods_promotion(our_chrg_rate=70, entr_chrg_rate=30, promo_nm="상품 쿠폰")
        c = cart_promotion(promo_nm="장바구니 쿠폰")
        s = cs_promotion(promo_nm="CS 보상", mbr_issu_lmt_qty=5)
        t = approved_promotion(
            promo_nm="BO 지정",
            cpn_issu_way_cd=codes.IssueMethod.TARGETED,
            mbr_issu_lmt_qty=5,
        )
        down = codes.Channel.DOWNLOAD
        a, b = coupon_issue(member=m1, promotion=g, qty=2, channel=down, now=T0)
        (g2,) = coupon_issue(member=m2, promotion=g, channel=down, now=T0)
        (cart,) = coupon_issue(member=m1, promotion=c, channel=down, now=T0)
        (s3,) = coupon_issue(member=m3, promotion=s, channel="CS", reason_cd="01", now=T0)
        (s2,) = coupon_issue(member=m2, promotion=s, channel="CS", reason_cd="02", now=T0)
        (bo,) = coupon_issue(member=m1, promotion=t, channel=codes.Channel.BO, now=T0)
    order = [line(1, "G1", 2, 15000), line(2, "G2", 1, 20000)]
    day2 = T0 + timedelta(days=1, hours=4)  # 03-11 14:00
    with at(day2):
        use(
            "R-ORD-1",
            m1,
            order,
            [
                {"cpn_isu_no": a.pk, "ord_goods_seq": 1, "dc_amt": 2000},
                {"cpn_isu_no": cart.pk, "dc_amt": 3000},
            ],
            day2,
        )
        use(
            "R-ORD-2",
            m3,
            [line(1, "G1", 1, 15000)],
            [{"cpn_isu_no": s3.pk, "ord_goods_seq": 1, "dc_amt": 1000}],
            day2,
        )
    day3 = T0 + timedelta(days=2, hours=-1)  # 03-12 09:00: line 2 cancelled, the cart stays used
    with at(day3):
        coupons_restore(ord_no="R-ORD-1", clm_no="R-CLM-1", ord_goods_seqs=[2], now=day3)
    day4 = T0 + timedelta(days=3, hours=1)  # 03-13 11:00
    with at(day4):
        coupon_revoke(user=staff("report-cs", "CS agent"), coupon=g2, reason="오발급", now=day4)
        coupons_restore(ord_no="R-ORD-2", clm_no="R-CLM-2", now=day4)
        use(
            "R-ORD-4",
            m2,
            [line(1, "G1", 1, 15000)],
            [{"cpn_isu_no": s2.pk, "ord_goods_seq": 1, "dc_amt": 1000}],
            day4,
        )
    day5 = T0 + timedelta(days=4, hours=2)  # 03-14 12:00: the rest of R-ORD-1, then b used
    with at(day5):
        coupons_restore(ord_no="R-ORD-1", clm_no="R-CLM-3", now=day5)
        use(
            "R-ORD-3",
            m1,
            [line(1, "G1", 2, 15000)],
            [{"cpn_isu_no": b.pk, "ord_goods_seq": 1, "dc_amt": 2000}],
            day5,
        )
    expiry = T0 + timedelta(days=31)  # 04-10 10:00, past every copy's validity (04-09 10:00)
    with at(expiry):
        assert coupons_expire(now=expiry) == 4  # a, cart, s3 (restored), bo
    late = T0 + timedelta(days=32)  # 04-11 10:00: b comes back past its validity
    with at(late):
        coupons_restore(ord_no="R-ORD-3", clm_no="R-CLM-4", now=late)
    return {"g": g, "c": c, "s": s, "t": t, "copies": (a, b, g2, cart, s3, s2, bo)}


def test_the_facts_are_what_the_story_says(story):
    statuses = dict(MemberCoupon.objects.values_list("pk", "status"))
    a, b, g2, cart, s3, s2, bo = story["copies"]
    assert [statuses[x.pk] for x in (a, b, g2, cart, s3, s2, bo)] == [
        "EXPIRED",
        "EXPIRED",
        "REVOKED",
        "EXPIRED",
        "EXPIRED",
        "USED",
        "EXPIRED",
    ]


def test_the_kept_rollup_equals_the_rebuilt_one(story):
    kept = rollup()
    assert kept  # kept by the transactions themselves
    assert report_rebuild() == len(kept)
    assert rollup() == kept
    # a period rebuilt alone gives the same rows, and leaves the others as they were
    # (the 11th: three uses; the 12th: the claw-back; the 13th: a revoke, a restore and a use)
    assert report_rebuild(date_from=date(2026, 3, 11), date_to=date(2026, 3, 13)) == 7
    assert rollup() == kept
    CouponDailyStat.objects.all().delete()
    call_command("report_rebuild", "--from", "2026-03-01", "--to", "2026-04-30", verbosity=0)
    assert rollup() == kept


def test_report_figures_by_day(story):
    report = coupon_report(date_from=date(2026, 3, 9), date_to=date(2026, 4, 11))
    days = {row["day"]: {k: v for k, v in row.items() if k != "day"} for row in report["by_day"]}
    assert [row["day"] for row in report["by_day"]] == [
        date(2026, 3, 9) + timedelta(days=n) for n in range(34)
    ]
    expected = {
        date(2026, 3, 10): figures(issued=7, usage_rate=round(1 / 7, 4)),
        date(2026, 3, 11): figures(used=3, dc_amt=6000, our_dc_amt=4200, entr_dc_amt=1800),
        # the claw-back of the cart coupon's line 2 (1,250 = 750 mall + 500 vendor)
        date(2026, 3, 12): figures(dc_amt=-1250, our_dc_amt=-750, entr_dc_amt=-500),
        date(2026, 3, 13): figures(
            used=1, restored=1, revoked=1, dc_amt=0, our_dc_amt=0, entr_dc_amt=0
        ),
        # a (2,000) and the cart's rest (1,750) given back; b used (2,000)
        date(2026, 3, 14): figures(
            used=1, restored=2, dc_amt=-1750, our_dc_amt=-1050, entr_dc_amt=-700
        ),
        date(2026, 4, 9): figures(expired=5),
        date(2026, 4, 11): figures(restored=1, dc_amt=-2000, our_dc_amt=-1400, entr_dc_amt=-600),
    }
    assert {d: f for d, f in days.items() if f != ZERO} == expected
    assert report["totals"] == figures(
        issued=7,
        used=5,
        restored=4,
        revoked=1,
        expired=5,
        usage_rate=round(1 / 7, 4),
        dc_amt=1000,
        our_dc_amt=1000,
        entr_dc_amt=0,
    )
    assert (report["date_from"], report["date_to"]) == (date(2026, 3, 9), date(2026, 4, 11))


def test_report_figures_by_promotion_and_by_reason(story):
    report = coupon_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    g, c, s, t = story["g"], story["c"], story["s"], story["t"]
    assert report["by_promotion"] == [
        # dc_amt desc, then promo_no
        {
            "promotion_id": s.pk,
            "promo_no": s.promo_no,
            "promo_nm": "CS 보상",
            "promo_typ_cd": "11",
            **figures(
                issued=2,
                used=2,
                restored=1,
                expired=1,
                usage_rate=0.5,
                dc_amt=1000,
                our_dc_amt=1000,
            ),
        },
        {
            "promotion_id": g.pk,
            "promo_no": g.promo_no,
            "promo_nm": "상품 쿠폰",
            "promo_typ_cd": "11",
            **figures(issued=3, used=2, restored=2, revoked=1, expired=2, usage_rate=0.0),
        },
        {
            "promotion_id": c.pk,
            "promo_no": c.promo_no,
            "promo_nm": "장바구니 쿠폰",
            "promo_typ_cd": "12",
            **figures(issued=1, used=1, restored=1, expired=1, usage_rate=0.0),
        },
        {
            "promotion_id": t.pk,
            "promo_no": t.promo_no,
            "promo_nm": "BO 지정",
            "promo_typ_cd": "11",
            **figures(issued=1, expired=1, usage_rate=0.0),
        },
    ]
    assert report["by_reason"] == [
        {
            "reason_cd": "",
            "reason_nm": "사유 없음",
            **figures(issued=5, used=3, restored=3, revoked=1, expired=4, usage_rate=0.0),
        },
        {
            "reason_cd": "01",
            "reason_nm": "상품불량",
            **figures(issued=1, used=1, restored=1, expired=1, usage_rate=0.0),
        },
        {
            "reason_cd": "02",
            "reason_nm": "배송지연",
            **figures(issued=1, used=1, usage_rate=1.0, dc_amt=1000, our_dc_amt=1000),
        },
    ]


@pytest.mark.parametrize(
    "filters, totals",
    [
        (
            ReportFilters(promo_typ_cd=codes.PromoType.CART),
            figures(issued=1, used=1, restored=1, expired=1, usage_rate=0.0),
        ),
        (
            ReportFilters(cpn_issu_main_cd=codes.Issuer.CS),
            figures(
                issued=2,
                used=2,
                restored=1,
                expired=1,
                usage_rate=0.5,
                dc_amt=1000,
                our_dc_amt=1000,
            ),
        ),
        (ReportFilters(channel=codes.Channel.BO), figures(issued=1, expired=1, usage_rate=0.0)),
        (
            ReportFilters(reason_cd="02"),
            figures(issued=1, used=1, usage_rate=1.0, dc_amt=1000, our_dc_amt=1000),
        ),
        (ReportFilters(channel=codes.Channel.BATCH), ZERO),
    ],
)
def test_report_filters(story, filters, totals):
    report = coupon_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30), filters=filters)
    assert report["totals"] == totals


def test_report_filter_by_promotion_and_a_short_period(story):
    g = story["g"]
    report = coupon_report(
        date_from=date(2026, 3, 11),
        date_to=date(2026, 3, 12),
        filters=ReportFilters(promotion_id=g.pk),
    )
    # issued on the 10th: outside the period, so no usage rate
    assert report["totals"] == figures(used=1, dc_amt=2000, our_dc_amt=1400, entr_dc_amt=600)
    assert [row["promo_no"] for row in report["by_promotion"]] == [g.promo_no]
    assert len(report["by_day"]) == 2


def test_mall_and_vendor_shares_always_add_up(story):
    report = coupon_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    rows = [report["totals"], *report["by_day"], *report["by_promotion"], *report["by_reason"]]
    assert all(r["our_dc_amt"] + r["entr_dc_amt"] == r["dc_amt"] for r in rows)


def test_the_report_reads_the_rollup_in_one_query_whatever_the_period(story):
    for days in (1, 31, 366):
        with CaptureQueriesContext(connection) as queries:
            coupon_report(
                date_from=date(2026, 3, 1),
                date_to=date(2026, 3, 1) + timedelta(days=days - 1),
                filters=ReportFilters(promo_typ_cd="11"),
            )
        assert len(queries) == 1
        assert all("coupons_membercoupon" not in q["sql"] for q in queries)


@pytest.mark.parametrize(
    "date_from, date_to, field",
    [
        (date(2026, 3, 2), date(2026, 3, 1), "date_from"),
        (date(2025, 1, 1), date(2026, 1, 2), "date_to"),
    ],
)
def test_a_bad_period_is_refused(db, date_from, date_to, field):
    with pytest.raises(ReportPeriodError) as refused:
        coupon_report(date_from=date_from, date_to=date_to)
    assert refused.value.code == "REPORT_PERIOD" and field in refused.value.fields
    assert report_max_days() == 366
    # the longest period is accepted
    coupon_report(date_from=date(2025, 1, 2), date_to=date(2026, 1, 2))


def test_days_are_seoul_days_and_the_rebuild_agrees(db):
    mbr = member("510000009")
    before_midnight = datetime(2026, 5, 1, 23, 30, tzinfo=SEOUL)  # 14:30 UTC on 05-01
    after_midnight = datetime(2026, 5, 2, 0, 30, tzinfo=SEOUL)  # 15:30 UTC on 05-01
    with at(before_midnight):
        promotion = goods_promotion()
        coupon_issue(member=mbr, promotion=promotion, channel="FO_DOWNLOAD", now=before_midnight)
    with at(after_midnight):
        coupon_issue(member=mbr, promotion=promotion, channel="FO_DOWNLOAD", now=after_midnight)
    kept = rollup()
    assert sorted((k[0], v[0]) for k, v in kept.items()) == [
        (date(2026, 5, 1), 1),
        (date(2026, 5, 2), 1),
    ]
    report_rebuild()
    assert rollup() == kept


def test_an_auto_issue_round_counts_in_one_upsert(db):
    for n in range(3):
        member(f"51000010{n}").__class__.objects.filter(pk=f"51000010{n}").update(
            birthday=date(1990, 6, 1)
        )
    run = datetime(2026, 6, 1, 9, 0, tzinfo=SEOUL)
    with at(run):
        promotion = auto_promotion("2101")
        summary = auto_issue_run(
            type_cd="2101", round="2026-06-01", run_date=date(2026, 6, 1), now=run
        )
    assert summary.issued_coupons == 3
    assert rollup() == {(date(2026, 6, 1), promotion.pk, "BATCH", ""): (3, 0, 0, 0, 0, 0, 0, 0, 0)}
    report_rebuild()
    assert rollup() == {(date(2026, 6, 1), promotion.pk, "BATCH", ""): (3, 0, 0, 0, 0, 0, 0, 0, 0)}


def test_constraints_refuse_a_second_row_of_a_key_and_a_split_that_does_not_add_up(db):
    promotion = goods_promotion()
    key = {"day": date(2026, 3, 1), "promotion": promotion, "channel": "BO", "reason_cd": ""}
    CouponDailyStat.objects.create(**key, issued=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponDailyStat.objects.create(**key, issued=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponDailyStat.objects.create(
            **{**key, "channel": "CS"}, dc_amt=1000, our_dc_amt=600, entr_dc_amt=300
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponDailyStat.objects.create(**{**key, "channel": "CODE"}, used=-1)
