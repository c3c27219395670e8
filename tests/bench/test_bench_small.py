"""Small, fast versions of the benchmark scenarios (bench/), on PostgreSQL.

They fail on the regressions that would wreck the full-size figures: a lost index (a sequential
scan where an index scan belongs), a query per row (a query count that grows with the data), a
full COUNT on the big changelist, a Python loop per member in the auto-issue.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import dataset
from coupons import codes
from coupons.issuing import auto_issue_run
from coupons.models import Goods, Member, MemberCoupon, Promotion
from coupons.selectors import coupon_box, downloadable_coupons_for_goods, usable_coupons_for_goods
from coupons.services import promotion_approve, promotion_create
from tests.factories import promotion_data, user

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


@pytest.fixture
def small():
    sizes = dataset.Sizes.small()
    dataset.build(sizes, log=lambda *_: None)
    return sizes


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # what the planner picks at full size
        cur.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cur.fetchall())
        cur.execute("SET LOCAL enable_seqscan = on")
    return text


def test_dataset_sizes(small):
    assert Member.objects.filter(mbr_no__startswith="1").count() == small.members
    assert MemberCoupon.objects.filter(system_user_no="BENCH").count() == small.coupons
    assert Promotion.objects.filter(promo_nm__startswith="bench P").count() == small.promotions
    # The engine's counters agree with the rows.
    promotion = Promotion.objects.filter(promo_nm__startswith="bench P", issu_qty__gt=0).first()
    held = MemberCoupon.objects.filter(promotion=promotion).exclude(status="REVOKED").count()
    assert promotion.issu_qty == held


def test_coupon_box_uses_the_box_index(small):
    member = Member.objects.get(pk=dataset.member_no(42))
    text = plan(coupon_box(member=member, sort_gb=codes.SortGb.EXPIRING)[:10])
    assert "mcpn_box_idx" in text, text  # the only index leading with member
    assert "Seq Scan on coupons_membercoupon" not in text


def test_goods_detail_queries_do_not_grow_with_rows(small):
    member = Member.objects.get(pk=dataset.member_no(7))
    goods = Goods.objects.get(pk=dataset.goods_no(3))
    now = timezone.now()
    for selector in (usable_coupons_for_goods, downloadable_coupons_for_goods):
        qs = selector(member=member, goods=goods, ord_media_cd="20", sort_gb="10", now=now)
        with CaptureQueriesContext(connection) as few:
            list(qs[:1])
        with CaptureQueriesContext(connection) as many:
            list(qs[:100])
        assert len(few) == len(many) == 1


def test_admin_changelist_and_member_search_stay_indexed(small, client):
    client.force_login(user("admin-bench", superuser=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/coupons/membercoupon/")
    assert response.status_code == 200
    sql = [q["sql"] for q in queries]
    # Counting is allowed only bounded (COUNT over a LIMITed subquery) or filtered: never the table.
    assert not any(
        "COUNT(*)" in s.upper()
        and "coupons_membercoupon" in s
        and "WHERE" not in s.upper()
        and "LIMIT" not in s.upper()
        for s in sql
    ), "a full COUNT(*) of the member-coupon table"
    cl = response.context["cl"]
    listed = len(cl.result_list)
    assert listed == cl.list_per_page and len(sql) < 20, f"{len(sql)} queries for {listed} rows"

    mbr = dataset.member_no(99)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/coupons/membercoupon/", {"q": mbr})
    rows = response.context["cl"].result_list
    assert {c.member_id for c in rows} == {mbr}
    searched = [q["sql"] for q in queries if "coupons_membercoupon" in q["sql"] and mbr in q["sql"]]
    assert searched and all("UPPER(" not in s and "LIKE" not in s.upper() for s in searched), (
        searched
    )


def test_auto_issue_is_set_based(small):
    md, approver = user("md-b", "Merchandiser"), user("md-c", "Merchandiser")
    promotion = promotion_approve(
        user=approver,
        promotion=promotion_create(
            user=md,
            data=promotion_data(
                cpn_issu_main_cd=codes.Issuer.AUTO,
                cpn_issu_way_cd=codes.IssueMethod.AUTO,
                auto_issu_typ_cd="1001",
                auto_issu_potm_cd="10",
                auto_issu_qty=1,
                mbr_issu_lmt_qty=1,
            ),
        ),
    )
    from datetime import date

    with CaptureQueriesContext(connection) as queries:
        summary = auto_issue_run(type_cd="1001", round="BENCHSMALL", run_date=date(2021, 3, 1))
    issued = MemberCoupon.objects.filter(promotion=promotion, auto_issu_odr="BENCHSMALL").count()
    assert issued == small.members
    # A loop per member would run thousands of statements; set-based SQL runs a handful per chunk.
    assert len(queries) < 60, len(queries)
    again = auto_issue_run(type_cd="1001", round="BENCHSMALL", run_date=date(2021, 3, 1))
    assert MemberCoupon.objects.filter(promotion=promotion).count() == small.members
    assert (
        summary.results[0].issued_coupons == small.members and again.results[0].issued_coupons == 0
    )
