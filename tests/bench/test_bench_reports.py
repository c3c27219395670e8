"""Small versions of the report benchmark (bench/reports.py), on PostgreSQL: the data set's uses
and restores, the rollup built from them, figures that match the facts, and a report whose query
count grows neither with the data nor with the period (it reads the rollup, never the copies)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import dataset
from coupons.models import CouponDailyStat, CouponUse, CouponUseLine, MemberCoupon
from coupons.reports import REPORT_TZ, coupon_report, report_rebuild
from coupons.roles import MERCHANDISER
from tests.coupons.api.conftest import make_user, token_client

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


@pytest.fixture
def small():
    sizes = dataset.Sizes.small()
    dataset.build(sizes, log=lambda *_: None)
    return sizes


def _today() -> date:
    return timezone.localdate(timezone.now(), REPORT_TZ)


def test_the_data_set_has_uses_restores_and_their_rollup(small):
    uses = CouponUse.objects.filter(ord_no__startswith=dataset.USE_ORDER_PREFIX)
    # one copy in 20 was used (bench/dataset.py), one use in RESTORE_EVERY restored
    assert uses.count() == small.coupons // 20
    restored = uses.filter(restored_at__isnull=False)
    assert restored.count() == small.coupons // 20 // dataset.RESTORE_EVERY
    assert CouponUseLine.objects.filter(use__in=uses).count() == uses.count()
    kept = uses.filter(restored_at__isnull=True)
    assert (
        MemberCoupon.objects.filter(system_user_no="BENCH", status="USED").count() == kept.count()
    )
    assert not MemberCoupon.objects.filter(
        pk__in=restored.values("member_coupon_id"), status="USED"
    ).exists()
    # The report's figures are the facts': every copy issued within the last 60 days.
    report = coupon_report(date_from=_today() - timedelta(days=60), date_to=_today())
    totals = report["totals"]
    assert (totals["issued"], totals["used"], totals["restored"], totals["revoked"]) == (
        MemberCoupon.objects.filter(system_user_no="BENCH").count(),
        uses.count(),
        restored.count(),
        MemberCoupon.objects.filter(system_user_no="BENCH", status="REVOKED").count(),
    )
    assert totals["revoked"] > 0
    assert totals["dc_amt"] == kept.aggregate(n=Sum("dc_amt"))["n"]
    assert totals["usage_rate"] == round(kept.count() / totals["issued"], 4)
    # Built again, the data set keeps its uses and the rollup stays the same.
    rows = CouponDailyStat.objects.count()
    dataset.build(small, log=lambda *_: None)
    assert uses.count() == small.coupons // 20 and CouponDailyStat.objects.count() == rows
    assert report_rebuild() == rows


def test_report_query_count_does_not_grow_with_the_period_or_the_data(small):
    counts = []
    for days in (1, 31, 366):
        with CaptureQueriesContext(connection) as queries:
            coupon_report(date_from=_today() - timedelta(days=days - 1), date_to=_today())
        counts.append(len(queries))
        assert not any("coupons_membercoupon" in q["sql"] for q in queries)
    assert counts == [1, 1, 1]


def test_report_api_query_count_does_not_grow_with_the_period(small):
    client = token_client(make_user("bench-report-md", role=MERCHANDISER))
    counts = []
    for days in (1, 31, 366):
        params = {"from": (_today() - timedelta(days=days - 1)).isoformat()}
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/admin/reports/coupons/", params).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_the_rollup_is_read_through_its_day_index(small):
    """At full size the 31-day range is a slice of the rollup: the planner reaches it by the
    key's index (day first), not by reading the whole table."""
    sql, params = (
        CouponDailyStat.objects.filter(day__gte=_today() - timedelta(days=30), day__lte=_today())
        .order_by()
        .values("day")
        .annotate(n=Sum("issued"))
        .query.sql_with_params()
    )
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cur.fetchall())
        cur.execute("SET LOCAL enable_seqscan = on")
    assert "cpnstat_key_uniq" in text, text
