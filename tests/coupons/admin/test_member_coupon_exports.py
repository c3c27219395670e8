"""The member-coupon list's CSV and Excel downloads, through the real admin views: exactly the rows
of the changelist's filters and search, in its order, codes shown by name, Korean headers, one
read of the rows whatever their number, and only for whoever may view member coupons."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coupons import codes
from coupons.issuing import coupon_issue, coupon_revoke
from coupons.models import MemberCoupon
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, member, staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:coupons_membercoupon_changelist"
EXPORT = "admin:coupons_membercoupon_export"
HEADERS = [
    "쿠폰발급번호",
    "회원번호",
    "프로모션번호",
    "프로모션명",
    "프로모션유형",
    "상태",
    "발급경로",
    "발급사유",
    "발급일시",
    "유효기간 시작",
    "유효기간 종료",
    "발급자",
    "자동발급차수",
    "메모",
    "주문번호",
    "사용일시",
    "사용 주문번호",
    "회수자",
    "회수일시",
    "회수사유",
]


@pytest.fixture
def cs(client):
    user = staff("cs", "CS agent")
    client.force_login(user)
    return user


def issued_at() -> dt.datetime:
    return (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)


def seoul(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def data():
    at = issued_at()
    for n in ("100", "200", "300"):
        member(n)
    download = approved_promotion(promo_nm='겨울, "특가" 쿠폰', mbr_issu_lmt_qty=50)
    comp = cs_promotion(promo_nm="배송 보상", mbr_issu_lmt_qty=50)
    for n in ("100", "200", "300"):
        coupon_issue(
            member=n,
            promotion=download,
            channel=codes.Channel.DOWNLOAD,
            system_user_no="FO-APP",
            now=at,
        )
    (comp_coupon,) = coupon_issue(
        member="100",
        promotion=comp,
        channel=codes.Channel.CS,
        reason_cd="03",
        memo='=HYPERLINK("http://evil")',
        ord_no="O-77",
        user=staff("cs0", "CS agent"),
        now=at,
    )
    revoked = MemberCoupon.objects.get(member_id="300")
    coupon_revoke(user=staff("cs0"), coupon=revoked, reason="잘못 발급")
    return download, comp, comp_coupon, revoked


def csv_rows(response) -> list[list[str]]:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    return list(csv.reader(io.StringIO(data[3:].decode(), newline="")))


def listed_ids(response) -> list[int]:
    return [
        int(x)
        for x in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    ]


def test_csv_has_the_rows_of_the_filters_and_search_with_names_and_korean_headers(client, cs, data):
    download, comp, comp_coupon, revoked = data
    response = client.get(reverse(EXPORT, args=["csv"]), {"q": "100"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert (
        "filename*=UTF-8''%ED%9A%8C%EC%9B%90%EC%BF%A0%ED%8F%B0_" in response["Content-Disposition"]
    )
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    first = MemberCoupon.objects.get(member_id="100", promotion=download)
    # newest first, as the changelist
    assert rows[1:] == [
        [
            str(comp_coupon.pk),
            "100",
            comp.promo_no,
            "배송 보상",
            "상품할인쿠폰",
            "발급",
            "CS 보상",
            "상품 오배송",
            seoul(comp_coupon.issued_at),
            seoul(comp_coupon.valid_from),
            seoul(comp_coupon.valid_until),
            "cs0",
            "",
            '\'=HYPERLINK("http://evil")',  # prefixed: Excel shows it, does not run it
            "O-77",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            str(first.pk),
            "100",
            download.promo_no,
            '겨울, "특가" 쿠폰',
            "상품할인쿠폰",
            "발급",
            "FO 다운로드",
            "",
            seoul(first.issued_at),
            seoul(first.valid_from),
            seoul(first.valid_until),
            "FO-APP",  # no BO user: the system user number
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_csv_of_a_filter_matches_the_changelist_and_shows_the_revoke(client, cs, data):
    _download, _comp, _comp_coupon, revoked = data
    params = {"status__exact": "REVOKED"}
    shown = listed_ids(client.get(reverse(CHANGELIST), params))

    rows = csv_rows(client.get(reverse(EXPORT, args=["csv"]), params))

    assert [int(r[0]) for r in rows[1:]] == shown == [revoked.pk]
    revoked.refresh_from_db()
    assert rows[1][5] == "회수"
    assert rows[1][17:] == [
        "cs0",
        seoul(revoked.revoked_at),
        "잘못 발급",
    ]


def test_csv_of_every_row_follows_the_changelist_order(client, cs, data):
    rows = csv_rows(client.get(reverse(EXPORT, args=["csv"]), {"o": "2.-1"}))  # by member, then -pk

    expected = list(
        MemberCoupon.objects.order_by("member_id", "-cpn_isu_no").values_list("pk", flat=True)
    )
    assert [int(r[0]) for r in rows[1:]] == expected
    assert len(expected) == 4


def test_xlsx_has_the_same_rows_typed(client, cs, data):
    _download, comp, comp_coupon, _revoked = data
    response = client.get(
        reverse(EXPORT, args=["xlsx"]), {"channel__exact": "CS", "cs_cpn_pay_caus_cd__exact": "03"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["회원쿠폰"]
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 2
    row = rows[1]
    assert row[:8] == (
        comp_coupon.pk,
        "100",
        comp.promo_no,
        "배송 보상",
        "상품할인쿠폰",
        "발급",
        "CS 보상",
        "상품 오배송",
    )
    assert row[8] == timezone.localtime(comp_coupon.issued_at).replace(tzinfo=None)
    assert row[13] == '=HYPERLINK("http://evil")'  # a text cell, not a formula
    assert book.active["N2"].data_type == "s"
    assert row[15] is None


def test_one_read_of_the_rows_whatever_their_number(client, cs, data):
    download = data[0]
    url = reverse(EXPORT, args=["csv"])
    with CaptureQueriesContext(connection) as few:
        assert len(csv_rows(client.get(url))) == 5
    for i in range(30):
        member(f"9{i:02d}")
        coupon_issue(member=f"9{i:02d}", promotion=download, channel=codes.Channel.DOWNLOAD)
    with CaptureQueriesContext(connection) as many:
        assert len(csv_rows(client.get(url))) == 35
    assert len(many) == len(few)
    # the rows come from one SELECT of the listed columns, not from model instances
    selects = [q["sql"] for q in many if '"coupons_membercoupon"."revoke_reason"' in q["sql"]]
    assert len(selects) == 1


def test_the_list_has_both_buttons_with_its_filters(client, cs, data):
    page = client.get(reverse(CHANGELIST), {"status__exact": "ISSUED", "q": "100"}).content.decode()

    base = reverse(EXPORT, args=["csv"])
    assert f'href="{base}?status__exact=ISSUED&amp;q=100"' in page
    assert "CSV 다운로드" in page and "Excel 다운로드" in page
    assert f'href="{reverse(EXPORT, args=["xlsx"])}?status__exact=ISSUED&amp;q=100"' in page


@pytest.mark.parametrize("role", ["Merchandiser", "CS agent"])
def test_whoever_views_member_coupons_may_export(client, data, role):
    client.force_login(staff("viewer", role))

    assert client.get(reverse(EXPORT, args=["csv"])).status_code == 200


def test_others_may_not_export(client, data):
    client.force_login(staff("nobody"))  # staff without a role

    assert client.get(reverse(EXPORT, args=["csv"])).status_code == 403
    assert client.get(reverse(EXPORT, args=["xlsx"])).status_code == 403
    client.logout()
    anonymous = client.get(reverse(EXPORT, args=["csv"]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_bad_filter_or_format_is_not_a_500(client, cs, data):
    # the changelist's own answer to a filter it cannot apply: back to the list with ?e=1
    bad = client.get(reverse(EXPORT, args=["csv"]), {"issued_at__gte": "not-a-date"})
    assert bad.status_code == 302
    assert bad["Location"] == reverse(CHANGELIST) + "?e=1"
    # a lookup through a relation the list does not offer is refused as the changelist does
    assert (
        client.get(reverse(EXPORT, args=["csv"]), {"issued_by__password": "x"}).status_code == 400
    )
    assert client.get(reverse(EXPORT, args=["pdf"])).status_code == 404
