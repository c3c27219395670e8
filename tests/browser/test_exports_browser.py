"""A CS agent filters the member-coupon list in chromium and downloads it as CSV and as Excel;
both files hold exactly the filtered rows (a screenshot of the list is kept for review)."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from coupons import codes
from coupons.issuing import coupon_issue
from coupons.roles import role_group
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def test_cs_agent_downloads_the_filtered_list_as_csv_and_excel(page, live_server, admin_login):
    for n in ("440000001", "440000002", "440000003"):
        member(n)
    download = approved_promotion(promo_nm="겨울 다운로드", mbr_issu_lmt_qty=5)
    comp = cs_promotion(promo_nm="배송지연 보상", mbr_issu_lmt_qty=5)
    for n in ("440000001", "440000002", "440000003"):
        coupon_issue(member=n, promotion=download, channel=codes.Channel.DOWNLOAD)
    expected = []
    for n in ("440000001", "440000003"):
        (coupon,) = coupon_issue(
            member=n, promotion=comp, channel=codes.Channel.CS, reason_cd="02", memo="지연 보상"
        )
        expected.append(coupon.pk)
    expected.reverse()  # the list is newest first
    cs = get_user_model().objects.create_user("cs", password="cs-pass-1234", is_staff=True)
    cs.groups.add(role_group("CS agent"))
    page.set_viewport_size({"width": 1280, "height": 900})

    admin_login(page, "cs", "cs-pass-1234")
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/")
    page.locator("#changelist-filter a", has_text="CS 보상").first.click()
    page.wait_for_url("**channel__exact=CS**")
    assert page.locator("#result_list tbody tr").count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "exports_member_coupons.png"), full_page=True)

    with page.expect_download() as csv_download:
        page.click("#export-csv")
    assert csv_download.value.suggested_filename.startswith("회원쿠폰_")
    data = Path(csv_download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode(), newline="")))
    assert rows[0][:8] == [
        "쿠폰발급번호",
        "회원번호",
        "프로모션번호",
        "프로모션명",
        "프로모션유형",
        "상태",
        "발급경로",
        "발급사유",
    ]
    assert [(int(r[0]), r[1], r[3], r[6], r[7], r[13]) for r in rows[1:]] == [
        (expected[0], "440000003", "배송지연 보상", "CS 보상", "배송지연", "지연 보상"),
        (expected[1], "440000001", "배송지연 보상", "CS 보상", "배송지연", "지연 보상"),
    ]

    with page.expect_download() as xlsx_download:
        page.click("#export-xlsx")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][:3] == ("쿠폰발급번호", "회원번호", "프로모션번호")
    assert [(r[0], r[1], r[6], r[7]) for r in sheet[1:]] == [
        (expected[0], "440000003", "CS 보상", "배송지연"),
        (expected[1], "440000001", "CS 보상", "배송지연"),
    ]
    assert comp.promo_no == sheet[1][2]
