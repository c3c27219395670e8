"""The coupon-use admin: a read-only list of every use (order, member, promotion, copy, line or
delivery group, amounts and shares, restore, claw-back), exact search by order and member
number, filters by promotion type and period, and its CSV / Excel downloads; through the real
use / restore services and admin views."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coupons.models import CouponUse
from coupons.use import coupons_restore, coupons_use
from tests.coupons.issuing_factories import staff
from tests.coupons.use_factories import (
    cart_promotion,
    give,
    goods,
    goods_promotion,
    member,
    use_kwargs,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coupons_couponuse_changelist"
EXPORT = "admin:coupons_couponuse_export"
HEADERS = [
    "사용번호",
    "주문번호",
    "회원번호",
    "쿠폰발급번호",
    "프로모션번호",
    "프로모션명",
    "프로모션유형",
    "주문상품순번",
    "배송그룹번호",
    "할인금액",
    "당사부담 할인금액",
    "협력사부담 할인금액",
    "사용일시",
    "환수 할인금액",
    "복원일시",
    "복원 클레임번호",
    "복원 후 상태",
]


def first_of_last_month() -> dt.datetime:
    """00:30 on the 1st of last month in Seoul: before 09:00, so a UTC reading of a bare date
    would put it on the wrong day."""
    this = timezone.localtime().replace(day=1, hour=0, minute=30, second=0, microsecond=0)
    return (this - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def uses():
    old_at = first_of_last_month()
    with time_machine.travel(old_at, tick=False):
        goods("G1", 15000)
        goods("G2", 20000)
        buyer = member("410000001")
        gp = goods_promotion(promo_nm="상품 천원")
        cp = cart_promotion(promo_nm="장바구니 삼천원")
        (g,) = give(buyer, gp)
        (c,) = give(buyer, cp)
        coupons_use(
            **use_kwargs(
                "ORD-OLD",
                buyer,
                [
                    {"cpn_isu_no": g.pk, "ord_goods_seq": 1, "dc_amt": 2000},
                    {"cpn_isu_no": c.pk, "dc_amt": 3000},
                ],
            )
        )
        # line 2 cancelled: the cart coupon stays used and 1,250 of its 3,000 is clawed back
        coupons_restore(ord_no="ORD-OLD", clm_no="CLM-1", ord_goods_seqs=[2])
    other = member("410000002")
    (g2,) = give(other, goods_promotion(promo_nm="상품 천원 2"))
    coupons_use(
        **use_kwargs("ORD-NEW", other, [{"cpn_isu_no": g2.pk, "ord_goods_seq": 1, "dc_amt": 2000}])
    )
    coupons_restore(ord_no="ORD-NEW", clm_no="CLM-9")
    return {
        "goods_use": CouponUse.objects.get(ord_no="ORD-OLD", member_coupon=g),
        "cart_use": CouponUse.objects.get(ord_no="ORD-OLD", member_coupon=c),
        "new_use": CouponUse.objects.get(ord_no="ORD-NEW"),
        "old_at": old_at,
    }


@pytest.fixture
def md(client):
    user = staff("md", "Merchandiser")
    client.force_login(user)
    return user


def listed_ids(response) -> list[int]:
    assert response.status_code == 200
    body = response.content.decode()
    return [int(x) for x in re.findall(r'<th class="field-id"><a href="[^"]+">(\d+)</a>', body)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode(), newline="")))


def seoul(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def test_the_list_shows_every_use_with_its_columns_and_links(client, md, uses):
    response = client.get(reverse(CHANGELIST))

    assert listed_ids(response) == [uses["new_use"].pk, uses["cart_use"].pk, uses["goods_use"].pk]
    body = response.content.decode()
    cart = uses["cart_use"]
    coupon_url = reverse("admin:coupons_membercoupon_change", args=[cart.member_coupon_id])
    assert f'<a href="{coupon_url}">{cart.member_coupon_id}</a>' in body
    history = reverse("admin:coupons_membercoupon_member_history", args=["410000001"])
    assert f'href="{history}"' in body
    row = re.search(rf">{cart.pk}</a></th>.*?</tr>", body, re.S)
    cells = re.findall(r'<td class="field-([a-z_]+)[^"]*">(.*?)</td>', row.group(0), re.S)
    shown = {name: re.sub(r"<[^>]+>", " ", html).split() for name, html in cells}
    shown = {name: " ".join(words) for name, words in shown.items()}
    assert shown["ord_no"] == "ORD-OLD"
    assert shown["promotion_display"] == f"{cart.promotion.promo_no} 장바구니 삼천원"
    assert shown["applied_to"] == "주문"
    assert (shown["dc_amt_display"], shown["our_dc_amt_display"], shown["entr_dc_amt_display"]) == (
        "3,000원",
        "1,800원",
        "1,200원",
    )
    assert (shown["restored_display"], shown["clawback_display"]) == ("-", "1,250원")
    assert '<span class="money">3,000원</span>' in row.group(0)
    goods_row = re.search(rf">{uses['goods_use'].pk}</a></th>.*?</tr>", body, re.S).group(0)
    assert "주문상품 #1" in goods_row
    new = uses["new_use"]
    new_row = re.search(rf">{new.pk}</a></th>.*?</tr>", body, re.S).group(0)
    stamp = timezone.localtime(new.restored_at).strftime("%y-%m-%d %H:%M")
    assert f">{stamp}</time><br>CLM-9 발급" in new_row


def test_search_is_exact_by_order_and_member_number(client, md, uses):
    url = reverse(CHANGELIST)

    assert listed_ids(client.get(url, {"q": "ORD-NEW"})) == [uses["new_use"].pk]
    assert listed_ids(client.get(url, {"q": "410000001"})) == [
        uses["cart_use"].pk,
        uses["goods_use"].pk,
    ]
    assert listed_ids(client.get(url, {"q": "ORD"})) == [], "no partial match"
    promo_no = uses["cart_use"].promotion.promo_no
    assert listed_ids(client.get(url, {"q": promo_no.lower()})) == [uses["cart_use"].pk]


def test_filters_by_promotion_type_and_period(client, md, uses):
    url = reverse(CHANGELIST)
    old = [uses["cart_use"].pk, uses["goods_use"].pk]

    assert listed_ids(client.get(url, {"promo_typ_cd__exact": "12"})) == [uses["cart_use"].pk]
    page = client.get(url).content.decode()
    link = re.search(r'<a href="(\?[^"]+)">지난달</a>', page).group(1).replace("&amp;", "&")
    assert listed_ids(client.get(url + link)) == old
    day = uses["old_at"].date()
    # a bare date is its midnight in Seoul: the 00:30 uses are on that day
    assert listed_ids(client.get(url, {"used_at__gte": day.isoformat()})) == [
        uses["new_use"].pk,
        *old,
    ]
    next_day = (day + dt.timedelta(days=1)).isoformat()
    assert listed_ids(client.get(url, {"used_at__lt": next_day})) == old
    assert listed_ids(client.get(url, {"used_at__gte": next_day})) == [uses["new_use"].pk]
    # a side left open in the form is no filter
    assert listed_ids(client.get(url, {"used_at__gte": "", "used_at__lt": next_day})) == old
    form = re.search(r'<form method="get" class="period-filter".*?</form>', page, re.S).group(0)
    assert 'name="used_at__gte"' in form and 'name="used_at__lt"' in form


def test_a_bad_period_goes_back_to_the_list(client, md, uses):
    for url in (reverse(CHANGELIST), reverse(EXPORT, args=["csv"])):
        response = client.get(url, {"used_at__gte": "2026-13-45"})
        assert (response.status_code, response["Location"]) == (302, reverse(CHANGELIST) + "?e=1")


def test_read_only_for_everyone(client, uses):
    client.force_login(staff("admin", superuser=True))
    use = uses["cart_use"]
    before = CouponUse.objects.filter(pk=use.pk).values().get()

    assert client.get(reverse("admin:coupons_couponuse_add")).status_code == 403
    page = client.get(reverse("admin:coupons_couponuse_change", args=[use.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body
    coupon_url = reverse("admin:coupons_membercoupon_change", args=[use.member_coupon_id])
    assert f'href="{coupon_url}"' in body
    assert body.count('<tr class="form-row') == 2  # its two lines
    client.post(reverse("admin:coupons_couponuse_change", args=[use.pk]), {"dc_amt": 1})
    assert client.post(reverse("admin:coupons_couponuse_delete", args=[use.pk])).status_code == 403
    assert CouponUse.objects.filter(pk=use.pk).values().get() == before


@pytest.mark.parametrize("role", ["Merchandiser", "CS agent"])
def test_visible_to_whoever_may_view_uses(client, uses, role):
    client.force_login(staff("viewer", role))

    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse(EXPORT, args=["csv"])).status_code == 200
    assert "coupons/couponuse/" in client.get(reverse("admin:index")).content.decode()


def test_hidden_from_others(client, uses):
    client.force_login(staff("nobody"))

    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse(EXPORT, args=["csv"])).status_code == 403
    assert client.get(reverse(EXPORT, args=["xlsx"])).status_code == 403


def test_csv_and_xlsx_have_the_rows_of_the_search(client, md, uses):
    goods_use, cart_use = uses["goods_use"], uses["cart_use"]
    promo = cart_use.promotion

    rows = csv_rows(client.get(reverse(EXPORT, args=["csv"]), {"q": "410000001"}))

    assert rows[0] == HEADERS
    assert rows[1:] == [
        [
            str(cart_use.pk),
            "ORD-OLD",
            "410000001",
            str(cart_use.member_coupon_id),
            promo.promo_no,
            "장바구니 삼천원",
            "장바구니쿠폰",
            "",
            "",
            "3000",
            "1800",
            "1200",
            seoul(uses["old_at"]),
            "1250",
            "",
            "",
            "",
        ],
        [
            str(goods_use.pk),
            "ORD-OLD",
            "410000001",
            str(goods_use.member_coupon_id),
            goods_use.promotion.promo_no,
            "상품 천원",
            "상품할인쿠폰",
            "1",
            "",
            "2000",
            "2000",
            "0",
            seoul(uses["old_at"]),
            "0",
            "",
            "",
            "",
        ],
    ]
    response = client.get(reverse(EXPORT, args=["xlsx"]), {"q": "ORD-NEW"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["쿠폰사용"]
    new = uses["new_use"]
    (header, row) = book.active.iter_rows(values_only=True)
    assert list(header) == HEADERS
    assert row == (
        new.pk,
        "ORD-NEW",
        "410000002",
        new.member_coupon_id,
        new.promotion.promo_no,
        "상품 천원 2",
        "상품할인쿠폰",
        1,
        None,
        2000,
        2000,
        0,
        timezone.localtime(new.used_at).replace(tzinfo=None, microsecond=0),
        0,
        timezone.localtime(new.restored_at).replace(tzinfo=None, microsecond=0),
        "CLM-9",
        "발급",
    )


def test_the_list_has_both_buttons_with_its_filters(client, md, uses):
    page = client.get(reverse(CHANGELIST), {"promo_typ_cd__exact": "11"}).content.decode()

    for fmt in ("csv", "xlsx"):
        assert f'href="{reverse(EXPORT, args=[fmt])}?promo_typ_cd__exact=11"' in page
