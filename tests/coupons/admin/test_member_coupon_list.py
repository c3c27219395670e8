"""The member-coupon list that fits (issue 15): the issue-date range (inclusive, Asia/Seoul days,
bad dates answered in words), the prefix search on member and order numbers (served by plain
B-tree indexes as ranges), the member the list is about, and the columns' formats; through the
real admin views, on the real database."""

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from coupons import codes
from coupons.admin.member_coupons import MemberCouponAdmin
from coupons.issuing import coupon_issue
from coupons.models import MemberCoupon
from coupons.use import coupons_use
from tests.coupons.issuing_factories import approved_promotion, member, staff
from tests.coupons.use_factories import give, goods, goods_promotion, use_kwargs

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coupons_membercoupon_changelist"
SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)


def listed_ids(response) -> list[int]:
    assert response.status_code == 200
    return [
        int(x)
        for x in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    ]


@pytest.fixture
def cs(client):
    user = staff("cs", "CS agent")
    client.force_login(user)
    return user


@pytest.fixture
def days():
    """Five copies issued around 2026-05-01 in Seoul, named by when. 08:30 KST on May 1st is still
    April 30th in UTC: a UTC reading of the day would misplace it."""
    promotion = approved_promotion(mbr_issu_lmt_qty=10)
    at = {
        "apr30_late": seoul(2026, 4, 30, 23, 59, 59),
        "may1_first": seoul(2026, 5, 1, 0, 0, 0),
        "may1_morning": seoul(2026, 5, 1, 8, 30),
        "may1_last": seoul(2026, 5, 1, 23, 59, 59, 999999),
        "may2_first": seoul(2026, 5, 2, 0, 0, 0),
    }
    member("500000001")
    ids = {}
    for name, when in at.items():
        (coupon,) = coupon_issue(
            member="500000001", promotion=promotion, channel=codes.Channel.DOWNLOAD
        )
        MemberCoupon.objects.filter(pk=coupon.pk).update(issued_at=when)
        ids[name] = coupon.pk
    return ids


def test_issue_date_range_is_inclusive_in_seoul_days(client, cs, days):
    url = reverse(CHANGELIST)
    one_day = client.get(url, {"issued_from": "2026-05-01", "issued_to": "2026-05-01"})
    # newest first by issue time
    assert listed_ids(one_day) == [days["may1_last"], days["may1_morning"], days["may1_first"]]
    assert listed_ids(client.get(url, {"issued_from": "2026-05-02"})) == [days["may2_first"]]
    assert listed_ids(client.get(url, {"issued_to": "2026-04-30"})) == [days["apr30_late"]]
    both = client.get(url, {"issued_from": "2026-04-30", "issued_to": "2026-05-02"})
    assert sorted(listed_ids(both)) == sorted(days.values())
    # an empty side is open
    assert sorted(listed_ids(client.get(url, {"issued_from": "", "issued_to": "2026-05-01"}))) == (
        sorted([days["apr30_late"], days["may1_first"], days["may1_morning"], days["may1_last"]])
    )
    body = one_day.content.decode()
    assert 'value="2026-05-01"' in body, "the form shows the range it applies"
    # the range is kept with another filter and the search
    combined = client.get(
        url, {"issued_from": "2026-05-01", "issued_to": "2026-05-01", "status__exact": "ISSUED"}
    )
    assert len(listed_ids(combined)) == 3
    assert 'name="status__exact" value="ISSUED"' in combined.content.decode()


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"issued_from": "2026-13-45"}, "발급일 시작일 '2026-13-45'은(는) 날짜가 아닙니다."),
        ({"issued_to": "2026-02-30"}, "발급일 종료일 '2026-02-30'은(는) 날짜가 아닙니다."),
        ({"issued_from": "yesterday"}, "발급일 시작일 'yesterday'은(는) 날짜가 아닙니다."),
        ({"issued_from": "2026-5-1"}, "발급일 시작일 '2026-5-1'은(는) 날짜가 아닙니다."),
        (
            {"issued_from": "2026-05-02", "issued_to": "2026-05-01"},
            "발급일 종료일(2026-05-01)이 시작일(2026-05-02)보다 앞섭니다.",
        ),
    ],
)
def test_a_bad_issue_date_is_answered_in_words_and_lists_nothing(client, cs, days, params, words):
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200, "never a 500, nor Django's bare ?e=1 redirect"
    assert listed_ids(response) == [], "no row a CS agent could act on by mistake"
    body = response.content.decode()
    assert body.count(escape(words)) == 2, "in the messages and beside the form"
    for value in params.values():
        assert f'value="{value}"' in body, "what was typed is kept in the form"


def test_the_export_holds_the_rows_of_the_date_range(client, cs, days):
    response = client.get(
        reverse("admin:coupons_membercoupon_export", args=["csv"]),
        {"issued_from": "2026-05-01", "issued_to": "2026-05-01"},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [int(r[0]) for r in rows[1:]] == [
        days["may1_last"],
        days["may1_morning"],
        days["may1_first"],
    ]


@pytest.fixture
def numbers():
    """Members 4001000..4001002 and 4002000, and coupons used on orders ORD-7700-1 / ORD-7800-1."""
    promotion = approved_promotion(mbr_issu_lmt_qty=10)
    held = {}
    for n in ("4001000", "4001001", "4001002", "4002000", "400"):
        member(n)
        (held[n],) = coupon_issue(member=n, promotion=promotion, channel=codes.Channel.DOWNLOAD)
    goods("G1", 15000)
    goods("G2", 20000)
    gp = goods_promotion(promo_nm="상품 천원")
    from coupons.models import Member

    buyer = Member.objects.get(pk="4002000")
    used = {}
    for ord_no in ("ORD-7700-1", "ORD-7800-1"):
        (copy,) = give(buyer, gp)
        coupons_use(
            **use_kwargs(
                ord_no, buyer, [{"cpn_isu_no": copy.pk, "ord_goods_seq": 1, "dc_amt": 2000}]
            )
        )
        used[ord_no] = copy.pk
    return held, used


def test_prefix_search_on_member_and_order_numbers(client, cs, numbers):
    held, used = numbers
    url = reverse(CHANGELIST)
    by_member = client.get(url, {"q": "4001*"})
    assert sorted(listed_ids(by_member)) == sorted(
        held[n].pk for n in ("4001000", "4001001", "4001002")
    )
    # the exact search stays exact: "400" is a member of its own, not a prefix
    assert listed_ids(client.get(url, {"q": "400"})) == [held["400"].pk]
    assert sorted(listed_ids(client.get(url, {"q": "400*"}))) == sorted(
        [c.pk for c in held.values()] + list(used.values())
    )
    assert listed_ids(client.get(url, {"q": "ORD-77*"})) == [used["ORD-7700-1"]]
    assert sorted(listed_ids(client.get(url, {"q": "ORD-*"}))) == sorted(used.values())
    assert listed_ids(client.get(url, {"q": "ORD-7800-1"})) == [used["ORD-7800-1"]]
    # a prefix and a promotion number narrow each other
    promo_no = held["4001000"].promotion.promo_no
    assert len(listed_ids(client.get(url, {"q": f"4001* {promo_no}"}))) == 3
    # LIKE's own characters are plain characters of the prefix
    assert listed_ids(client.get(url, {"q": "40_1*"})) == []
    assert listed_ids(client.get(url, {"q": "4%*"})) == []


def test_a_too_short_prefix_asks_for_more(client, cs, numbers):
    response = client.get(reverse(CHANGELIST), {"q": "40*"})
    assert listed_ids(response) == []
    assert "앞부분 검색은 3자 이상 입력하세요: 40*" in response.content.decode()


def test_the_list_of_one_member_says_who_it_is_and_links_the_history(client, cs, numbers):
    held, _used = numbers
    page = client.get(reverse(CHANGELIST), {"q": "4001001"})
    body = page.content.decode()
    box = re.search(r'<div id="list-member">(.*?)</div>', body, re.S).group(1)
    assert "4001001" in box and "GOLD" in box
    history = reverse("admin:coupons_membercoupon_member_history", args=["4001001"])
    assert f'href="{history}"' in box
    assert client.get(history).status_code == 200
    # a promotion number, a prefix or an unknown number is not one member
    for q in (held["4001001"].promotion.promo_no, "4001*", "999999999"):
        assert 'id="list-member"' not in client.get(reverse(CHANGELIST), {"q": q}).content.decode()


def test_cells_are_compact_badges_and_codes_with_names(client, cs):
    promotion = approved_promotion(
        promo_nm="아주 긴 이름의 프로모션: 겨울 정기 세일 전 상품 3천원", mbr_issu_lmt_qty=5
    )
    member("600000001")
    (coupon,) = coupon_issue(
        member="600000001", promotion=promotion, channel=codes.Channel.DOWNLOAD
    )
    MemberCoupon.objects.filter(pk=coupon.pk).update(issued_at=seoul(2026, 5, 1, 8, 30, 15))
    body = client.get(reverse(CHANGELIST)).content.decode()
    row = re.search(r'<tr>.*?value="%d".*?</tr>' % coupon.pk, body, re.S).group(0)
    assert '<span class="badge badge-ok">발급</span>' in row
    assert '<time class="nowrap" datetime="2026-05-01T08:30:15+09:00"' in row
    assert ">26-05-01 08:30</time>" in row
    assert f'<span class="nowrap">{promotion.promo_no}</span>' in row
    assert f'title="{promotion.promo_nm}"' in row, "the whole name in the title"
    assert "FO 다운로드" in row
    until = MemberCoupon.objects.get(pk=coupon.pk).valid_until.astimezone(SEOUL)
    assert f">~{until:%y-%m-%d}</span>" in row, "valid until, as a date under the issue time"
    assert "coupons/lists.css" in body


def test_only_indexed_orders_are_offered():
    assert set(MemberCouponAdmin.sortable_by) == {
        "cpn_isu_no",
        "member_link",
        "issued_at_display",
    }


@pytest.mark.pg
def test_every_filter_and_search_is_served_by_an_index(client, cs):
    """On 120,000 rows in random issue order, with fresh statistics, the plans of the changelist's
    own queries read an index and never scan the table."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from tests.coupons.issuing_factories import members_sql

    members_sql(20_000, first=700_000_000)
    promotion = approved_promotion(mbr_issu_lmt_qty=100)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO coupons_membercoupon (member_id, promotion_id, seq, issued_at, valid_from,"
            " valid_until, status, channel, cs_cpn_pay_caus_cd, system_user_no, auto_issu_odr,"
            " memo, ord_no, revoke_reason, use_ord_no)"
            " SELECT (700000000 + (g %% 20000))::text, %s, 1 + g / 20000,"
            "  now() - make_interval(secs => (g * 7919 %% 31536000)), now() - interval '400 days',"
            "  now() + interval '30 days', 'ISSUED', 'FO_DOWNLOAD', '', '', '', '', '', '', ''"
            " FROM generate_series(0, 119999) g",
            [promotion.pk],
        )
        cursor.execute("ANALYZE coupons_membercoupon")
        cursor.execute("ANALYZE coupons_member")

    model_admin = site._registry[MemberCoupon]
    today = dt.date.today()

    def plan(params):
        request = RequestFactory().get(reverse(CHANGELIST), params)
        request.user = cs
        changelist = model_admin.get_changelist_instance(request)
        page = changelist.queryset[:50]
        count = changelist.queryset.order_by()[:100_000]
        return page.explain(), str(count.query), count.explain()

    try:
        _assert_plans(plan, today)
    finally:
        # ANALYZE writes pg_class in place (the rollback keeps it): leave no estimate of
        # 120,000 rows behind for the next test's paginator
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("DELETE FROM coupons_membercoupon")
            cursor.execute("ANALYZE coupons_membercoupon")


def _assert_plans(plan, today):
    for params, index in (
        ({"issued_from": (today - dt.timedelta(days=2)).isoformat()}, "mcpn_issued_at_idx"),
        (
            {
                "issued_from": (today - dt.timedelta(days=30)).isoformat(),
                "issued_to": (today - dt.timedelta(days=29)).isoformat(),
            },
            "mcpn_issued_at_idx",
        ),
        ({"q": "7000012*"}, "mcpn_box_idx"),
        ({"q": "700001234"}, "mcpn_box_idx"),
    ):
        page_plan, _sql, count_plan = plan(params)
        assert index in page_plan and "Seq Scan on coupons_membercoupon" not in page_plan, (
            params,
            page_plan,
        )
        assert "Seq Scan on coupons_membercoupon" not in count_plan, (params, count_plan)
