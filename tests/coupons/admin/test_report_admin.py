"""The cost report's admin page (the CouponDailyStat changelist), its downloads and a promotion's
figures on its change page, on a known data set made through the real services (issue, use,
restore, revoke, expire) on three Asia/Seoul days."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from coupons import codes
from coupons.issuing import coupon_issue, coupon_revoke, coupons_expire
from coupons.use import coupons_restore, coupons_use
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, staff
from tests.coupons.use_factories import (
    cart_promotion,
    goods,
    member,
    order_system_user,
    use_kwargs,
)

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
D1, D2, D3 = dt.date(2031, 3, 2), dt.date(2031, 3, 3), dt.date(2031, 3, 4)
REPORT = "admin:coupons_coupondailystat_changelist"
PERIOD = {"date_from": D1.isoformat(), "date_to": D3.isoformat()}


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SEOUL)


def build_data_set() -> dict:
    """Three promotions and their copies over D1..D3 (Seoul days):

    D1 10:00  A (goods 1,000 off per unit, mall 70 / vendor 30): m1 ×2, m2 ×1, by download
              B (CS goods 2,000 off, 50 / 50): m1 reason 02, m2 reason 03, m3 reason 02
              C (cart 3,000 off, 60 / 40, valid 1 day): m3 ×1
    D2 11:00  ORD-1 (m1): A on line 1 (2 × 15,000: 2,000 = 1,400 + 600),
                          B on line 2 (20,000: 2,000 = 1,000 + 1,000)
              ORD-2 (m2): A on line 1 (15,000: 1,000 = 700 + 300)
    D3 12:00  ORD-1 line 2 cancelled: B restored (2,000 back = 1,000 + 1,000)
              B of m3 revoked; C expired (its validity ended D2 10:00)
    """
    with time_machine.travel(at(D1, 9), tick=False):
        goods("G1", 15_000)
        goods("G2", 20_000)
        m1, m2, m3 = member("610000001"), member("610000002"), member("610000003")
        a = approved_promotion(
            promo_nm="리포트 A 상품쿠폰",
            our_chrg_rate=70,
            entr_chrg_rate=30,
            mbr_issu_lmt_qty=5,
            budget_amt=100_000,
        )
        b = cs_promotion(
            promo_nm="리포트 B 보상쿠폰",
            dc_rate_amt=2000,
            our_chrg_rate=50,
            entr_chrg_rate=50,
            mbr_issu_lmt_qty=5,
        )
        c = cart_promotion(promo_nm="리포트 C 장바구니", vali_days=1)
    cs = staff("report-cs", "CS agent")
    with time_machine.travel(at(D1, 10), tick=False):
        a1, _a2 = coupon_issue(member=m1, promotion=a, qty=2, channel=codes.Channel.DOWNLOAD)
        (a3,) = coupon_issue(member=m2, promotion=a, channel=codes.Channel.DOWNLOAD)
        (b1,) = coupon_issue(
            member=m1, promotion=b, channel=codes.Channel.CS, reason_cd="02", user=cs
        )
        coupon_issue(member=m2, promotion=b, channel=codes.Channel.CS, reason_cd="03", user=cs)
        (b3,) = coupon_issue(
            member=m3, promotion=b, channel=codes.Channel.CS, reason_cd="02", user=cs
        )
        coupon_issue(member=m3, promotion=c, channel=codes.Channel.DOWNLOAD)
    with time_machine.travel(at(D2, 11), tick=False):
        coupons_use(
            **use_kwargs(
                "ORD-REPORT-1",
                m1,
                [
                    {"cpn_isu_no": a1.pk, "ord_goods_seq": 1, "dc_amt": 2000},
                    {"cpn_isu_no": b1.pk, "ord_goods_seq": 2, "dc_amt": 2000},
                ],
            )
        )
        coupons_use(
            **use_kwargs(
                "ORD-REPORT-2",
                m2,
                [{"cpn_isu_no": a3.pk, "ord_goods_seq": 1, "dc_amt": 1000}],
                lines=[{"ord_goods_seq": 1, "goods_no": "G1", "cnt": 1, "sale_prc": 15000}],
            )
        )
    with time_machine.travel(at(D3, 12), tick=False):
        coupons_restore(ord_no="ORD-REPORT-1", clm_no="CLM-REPORT-1", ord_goods_seqs=[2])
        coupon_revoke(user=cs, coupon=b3, reason="잘못 발급")
        assert coupons_expire() == 1
    return {"a": a, "b": b, "c": c}


def figures(issued=0, used=0, restored=0, revoked=0, expired=0, rate="-", dc=0, our=0, entr=0):
    """The figures as the page shows them, in the columns' order."""

    def won(n):
        return f"{n:,}원"

    return [
        f"{issued:,}",
        f"{used:,}",
        f"{restored:,}",
        f"{revoked:,}",
        f"{expired:,}",
        rate,
        won(dc),
        won(our),
        won(entr),
    ]


TOTALS = figures(7, 3, 1, 1, 1, "28.57%", 3000, 2100, 900)


@pytest.fixture
def data():
    return build_data_set()


@pytest.fixture
def on_d3():
    with time_machine.travel(at(D3, 15), tick=False):
        yield


@pytest.fixture
def md(client, on_d3):
    # signed in on D3, where the tests read the report (a session from another time expires)
    user = staff("report-md", "Merchandiser")
    client.force_login(user)
    return user


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def cells(body: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of one table."""
    table = re.search(rf'<table id="{table_id}".*?</table>', body, re.S).group(0)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


def cards(body: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<span class="report-card-label">(.*?)</span><span class="report-card-value">(.*?)</span>',
            body,
        )
    )


def figures_block(body: str) -> str:
    return re.search(
        r'<div id="promotion-figures".*?<div class="budget-burn".*?</div>', body, re.S
    ).group(0)


CARD_LABELS = [
    "발급",
    "사용",
    "복원",
    "회수",
    "만료",
    "사용률",
    "할인금액",
    "당사 부담",
    "협력사 부담",
]


def test_the_report_shows_totals_days_promotions_and_reasons(client, md, data):
    response = client.get(reverse(REPORT), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert cards(body) == dict(zip(CARD_LABELS, TOTALS, strict=True))
    assert cells(body, "report-by-day") == [
        ["2031-03-02 (일요일)", *figures(issued=7, rate="28.57%")],
        ["2031-03-03 (월요일)", *figures(used=3, expired=1, dc=5000, our=3100, entr=1900)],
        ["2031-03-04 (화요일)", *figures(restored=1, revoked=1, dc=-2000, our=-1000, entr=-1000)],
    ]
    a, b, c = data["a"], data["b"], data["c"]
    assert cells(body, "report-by-promotion") == [
        [f"{a.promo_no} 리포트 A 상품쿠폰", "상품할인쿠폰", *figures(3, 2, 0, 0, 0, "66.67%", 3000, 2100, 900), "이 프로모션만"],
        [f"{b.promo_no} 리포트 B 보상쿠폰", "상품할인쿠폰", *figures(3, 1, 1, 1, 0, "0.00%"), "이 프로모션만"],
        [f"{c.promo_no} 리포트 C 장바구니", "장바구니쿠폰", *figures(1, 0, 0, 0, 1, "0.00%"), "이 프로모션만"],
    ]  # fmt: skip
    assert reverse("admin:coupons_promotion_change", args=[a.pk]) in body
    assert cells(body, "report-by-reason") == [
        ["사유 없음", *figures(4, 2, 0, 0, 1, "50.00%", 3000, 2100, 900)],
        ["02 배송지연", *figures(2, 1, 1, 1, 0, "0.00%")],
        ["03 상품 오배송", *figures(1, 0, 0, 0, 0, "0.00%")],
    ]
    assert "chart-daily-counts" in body and "chart-daily-discount" in body
    assert "chart-reason-discount" in body
    chart = response.context["chart_data"]
    assert chart["days"] == ["03-02", "03-03", "03-04"]
    assert (chart["issued"], chart["used"]) == ([7, 0, 0], [0, 3, 0])
    assert (chart["dayMall"], chart["dayVendor"]) == ([0, 3100, -1000], [0, 1900, -1000])
    assert chart["reasons"] == ["사유 없음", "02 배송지연", "03 상품 오배송"]
    assert (chart["reasonMall"], chart["reasonVendor"]) == ([2100, 0, 0], [900, 0, 0])
    assert 'id="report-chart-data" type="application/json"' in body
    assert "/static/coupons/vendor/chartjs/chart.umd.min.js" in body


def test_the_default_period_is_the_last_31_days_ending_today(client, md, data):
    response = client.get(reverse(REPORT))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (
        dt.date(2031, 2, 2),
        D3,
    )
    assert len(response.context["days"]) == 31
    assert cards(response.content.decode()) == dict(zip(CARD_LABELS, TOTALS, strict=True))
    links = {link["label"]: link for link in response.context["quick_links"]}
    assert list(links) == ["오늘", "7일", "31일", "지난달"]
    assert links["31일"]["active"] and not links["오늘"]["active"]
    assert "date_from=2031-03-04&date_to=2031-03-04" in links["오늘"]["url"]
    assert "date_from=2031-02-26&date_to=2031-03-04" in links["7일"]["url"]
    assert "date_from=2031-02-01&date_to=2031-02-28" in links["지난달"]["url"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"reason_cd": "02"}, figures(2, 1, 1, 1, 0, "0.00%")),
        ({"channel": "CS"}, figures(3, 1, 1, 1, 0, "0.00%")),
        ({"cpn_issu_main_cd": "20"}, figures(3, 1, 1, 1, 0, "0.00%")),
        ({"promo_typ_cd": "12"}, figures(1, 0, 0, 0, 1, "0.00%")),
        ({"channel": "FO_DOWNLOAD"}, figures(4, 2, 0, 0, 1, "50.00%", 3000, 2100, 900)),
        (
            {"date_from": D2.isoformat(), "date_to": D2.isoformat()},
            figures(used=3, expired=1, dc=5000, our=3100, entr=1900),
        ),
    ],
)
def test_filters(client, md, data, query, expected):
    response = client.get(reverse(REPORT), {**PERIOD, **query})
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert cards(response.content.decode()) == dict(zip(CARD_LABELS, expected, strict=True))


def test_the_promotion_filter_takes_its_number_and_shows_its_name(client, md, data):
    a = data["a"]
    response = client.get(reverse(REPORT), {**PERIOD, "promo_no": a.promo_no.lower()})
    body = response.content.decode()
    assert response.context["form"].cleaned_data["promo_no"] == a.promo_no
    assert '<span class="report-promo-name" id="report-promo-name">리포트 A 상품쿠폰</span>' in body
    assert cards(body) == dict(
        zip(CARD_LABELS, figures(3, 2, 0, 0, 0, "66.67%", 3000, 2100, 900), strict=True)
    )
    assert [row[0] for row in cells(body, "report-by-promotion")] == [
        f"{a.promo_no} 리포트 A 상품쿠폰"
    ]
    # the downloads and the quick links keep the filter
    assert f"promo_no={a.promo_no}" in response.context["csv_url"]
    assert all(f"promo_no={a.promo_no}" in link["url"] for link in response.context["quick_links"])


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2031-02-30"}, "date_from", "올바른 날짜를 입력하세요."),
        ({"date_to": "어제"}, "date_to", "올바른 날짜를 입력하세요."),
        ({"date_from": "1999-12-31"}, "date_from", "2000-01-01부터 2099-12-31 사이의 날짜를 입력하세요."),
        ({"date_to": "9999-12-31"}, "date_to", "2000-01-01부터 2099-12-31 사이의 날짜를 입력하세요."),
        ({"date_from": "2031-03-05"}, "date_from", "시작일은 종료일과 같거나 앞서야 합니다."),
        ({"date_from": "2030-03-03"}, "date_to", "기간은 최대 366일입니다 (요청: 367일)."),
        ({"promo_no": "C9999999"}, "promo_no", "없는 프로모션번호입니다: C9999999"),
        ({"promo_no": "' OR 1=1 --"}, "promo_no", "없는 프로모션번호입니다: ' OR 1=1 --"),
        ({"promo_typ_cd": "99"}, "promo_typ_cd", "올바르게 선택해 주세요. 99 이/가 선택가능항목에 없습니다."),
        ({"cpn_issu_main_cd": "40"}, "cpn_issu_main_cd", "올바르게 선택해 주세요. 40 이/가 선택가능항목에 없습니다."),
        ({"channel": "SHOP"}, "channel", "올바르게 선택해 주세요. SHOP 이/가 선택가능항목에 없습니다."),
        ({"reason_cd": "13"}, "reason_cd", "올바르게 선택해 주세요. 13 이/가 선택가능항목에 없습니다."),
    ],
)  # fmt: skip
def test_each_bad_input_is_an_error_on_its_field(client, md, data, query, field, message):
    response = client.get(reverse(REPORT), {**PERIOD, **query})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    body = response.content.decode()
    assert 'id="report-totals"' not in body and "report-csv" not in body
    assert f'<div class="report-filter field-{field} errors">' in body
    # a download asked for with the same input goes back to the page, which shows the error
    download = client.get(
        reverse("admin:coupons_coupondailystat_download", args=["csv"]), {**PERIOD, **query}
    )
    assert download.status_code == 302
    assert download["Location"].startswith(reverse(REPORT) + "?")


def test_an_unknown_download_format_is_refused(client, md, data):
    response = client.get(reverse("admin:coupons_coupondailystat_download", args=["pdf"]), PERIOD)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["Merchandiser", "CS agent"])
def test_merchandisers_and_cs_agents_read_the_report_and_nobody_edits_it(client, role):
    user = staff(f"report-{role[:2].lower()}", role)
    client.force_login(user)
    assert client.get(reverse(REPORT)).status_code == 200
    (app,) = client.get(reverse("admin:app_list", args=["coupons"])).context["app_list"]
    (listed,) = [m for m in app["models"] if m["object_name"] == "CouponDailyStat"]
    assert listed["name"] == "쿠폰 비용 리포트"
    assert listed["perms"] == {"add": False, "change": False, "delete": False, "view": True}
    assert client.get("/admin/coupons/coupondailystat/add/").status_code == 404
    assert client.get("/admin/coupons/coupondailystat/1/change/").status_code == 404


def test_the_order_system_and_users_without_the_permission_do_not_see_it(client):
    client.force_login(order_system_user("report-order"))
    response = client.get(reverse(REPORT))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    download = client.get(reverse("admin:coupons_coupondailystat_download", args=["csv"]))
    assert download.status_code == 302 and "/admin/login/" in download["Location"]

    plain = get_user_model().objects.create_user("report-staff", password="x", is_staff=True)
    client.force_login(plain)
    assert client.get(reverse(REPORT)).status_code == 403
    assert (
        client.get(reverse("admin:coupons_coupondailystat_download", args=["xlsx"])).status_code
        == 403
    )
    # nothing of the coupons app is listed for them (the report included)
    assert client.get(reverse("admin:app_list", args=["coupons"])).status_code == 404


EXPORT_HEADER = [
    "구분", "일자", "프로모션번호", "프로모션명", "프로모션유형", "사유코드", "사유명", "발급", "사용",
    "복원", "회수", "만료", "사용률(%)", "할인금액(원)", "당사 부담(원)", "협력사 부담(원)",
]  # fmt: skip


def expected_export(data) -> list[list]:
    a, b, c = data["a"], data["b"], data["c"]
    return [
        ["합계", "2031-03-02 ~ 2031-03-04", "", "", "", "", "", 7, 3, 1, 1, 1, 28.57, 3000, 2100, 900],
        ["일별", D1, "", "", "", "", "", 7, 0, 0, 0, 0, 28.57, 0, 0, 0],
        ["일별", D2, "", "", "", "", "", 0, 3, 0, 0, 1, None, 5000, 3100, 1900],
        ["일별", D3, "", "", "", "", "", 0, 0, 1, 1, 0, None, -2000, -1000, -1000],
        ["프로모션별", "", a.promo_no, "리포트 A 상품쿠폰", "상품할인쿠폰", "", "", 3, 2, 0, 0, 0, 66.67, 3000, 2100, 900],
        ["프로모션별", "", b.promo_no, "리포트 B 보상쿠폰", "상품할인쿠폰", "", "", 3, 1, 1, 1, 0, 0.0, 0, 0, 0],
        ["프로모션별", "", c.promo_no, "리포트 C 장바구니", "장바구니쿠폰", "", "", 1, 0, 0, 0, 1, 0.0, 0, 0, 0],
        ["사유별", "", "", "", "", "", "사유 없음", 4, 2, 0, 0, 1, 50.0, 3000, 2100, 900],
        ["사유별", "", "", "", "", "02", "배송지연", 2, 1, 1, 1, 0, 0.0, 0, 0, 0],
        ["사유별", "", "", "", "", "03", "상품 오배송", 1, 0, 0, 0, 0, 0.0, 0, 0, 0],
    ]  # fmt: skip


def test_csv_download_reads_back(client, md, data):
    response = client.get(reverse("admin:coupons_coupondailystat_download", args=["csv"]), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%EC%BF%A0%ED%8F%B0%EB%B9%84%EC%9A%A9%EB%A6%AC%ED%8F%AC%ED%8A%B8_2031-03-02_2031-03-04.csv" in response["Content-Disposition"]  # fmt: skip
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    def as_text(value):
        if value is None:
            return ""
        if isinstance(value, float):
            return str(value)
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    assert rows == [EXPORT_HEADER, *([as_text(v) for v in row] for row in expected_export(data))]


def test_excel_download_reads_back(client, md, data):
    a = data["a"]
    response = client.get(
        reverse("admin:coupons_coupondailystat_download", args=["xlsx"]),
        {**PERIOD, "promo_no": a.promo_no},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"_2031-03-02_2031-03-04_{a.promo_no}.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["쿠폰 비용 리포트"]
    sheet = book.active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == EXPORT_HEADER
    assert all(cell.font.b for cell in sheet[1])

    def blank(value):
        return None if value == "" else value

    assert rows[1:] == [
        ["합계", "2031-03-02 ~ 2031-03-04", None, None, None, None, None, 3, 2, 0, 0, 0, 66.67, 3000, 2100, 900],
        ["일별", dt.datetime(2031, 3, 2), None, None, None, None, None, 3, 0, 0, 0, 0, 66.67, 0, 0, 0],
        ["일별", dt.datetime(2031, 3, 3), None, None, None, None, None, 0, 2, 0, 0, 0, None, 3000, 2100, 900],
        ["일별", dt.datetime(2031, 3, 4), None, None, None, None, None, 0, 0, 0, 0, 0, None, 0, 0, 0],
        ["프로모션별", None, a.promo_no, "리포트 A 상품쿠폰", "상품할인쿠폰", None, None, 3, 2, 0, 0, 0, 66.67, 3000, 2100, 900],
        ["사유별", None, None, None, None, None, "사유 없음", 3, 2, 0, 0, 0, 66.67, 3000, 2100, 900],
    ]  # fmt: skip
    assert sheet["B3"].is_date and sheet["N2"].data_type == "n"


def test_the_report_speaks_english(client, md, data):
    client.cookies["django_language"] = "en"
    response = client.get(reverse(REPORT), PERIOD)
    body = response.content.decode()
    assert "Download CSV" in body and "Download Excel" in body
    assert cards(body)["Issued"] == "7"
    assert cards(body)["Discount"] == "KRW 3,000"


def test_a_promotions_change_page_shows_its_figures_and_budget_burn(client, md, data):
    a = data["a"]
    response = client.get(reverse("admin:coupons_promotion_change", args=[a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    block = figures_block(body)
    assert cards(block) == dict(
        zip(CARD_LABELS, figures(3, 2, 0, 0, 0, "66.67%", 3000, 2100, 900), strict=True)
    )
    start = a.promo_str_dtm.astimezone(SEOUL).date()
    assert f"{start.isoformat()} ~ 2031-03-04" in text(block)
    assert "예산 소진: 3,000원 / 100,000원 (3%)" in text(block)
    assert 'aria-valuenow="3"' in block and 'style="width: 3%"' in block
    link = re.search(r'<a href="([^"]+)" id="promotion-report-link">', block).group(1)
    assert link == (
        reverse(REPORT)
        + f"?promo_no={a.promo_no}&amp;date_from={start.isoformat()}&amp;date_to=2031-03-04"
    )
    # the report the link opens holds the same figures
    opened = client.get(link.replace("&amp;", "&")).content.decode()
    assert cards(opened) == cards(block)


def test_a_promotion_without_budget_or_not_started_yet(client, md, data):
    b = data["b"]
    body = client.get(reverse("admin:coupons_promotion_change", args=[b.pk])).content.decode()
    assert "예산 한도 없음 · 사용 할인금액 0원" in text(body)
    assert cards(figures_block(body)) == dict(
        zip(CARD_LABELS, figures(3, 1, 1, 1, 0, "0.00%"), strict=True)
    )
    upcoming = approved_promotion(
        promo_nm="다음 달 쿠폰",
        promo_str_dtm=at(dt.date(2031, 4, 1), 0),
        promo_end_dtm=at(dt.date(2031, 4, 30), 0),
    )
    body = client.get(reverse("admin:coupons_promotion_change", args=[upcoming.pk])).content
    assert "프로모션 기간이 시작되지 않아 아직 수치가 없습니다." in body.decode()


def test_the_figures_block_is_only_for_report_readers(client, on_d3, data):
    viewer = get_user_model().objects.create_user("report-viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_promotion"))
    client.force_login(viewer)
    response = client.get(reverse("admin:coupons_promotion_change", args=[data["a"].pk]))
    assert response.status_code == 200
    assert 'id="promotion-figures"' not in response.content.decode()


def test_a_long_lived_promotion_shows_its_latest_366_days(client, md, data):
    old = approved_promotion(
        promo_nm="오래된 쿠폰",
        promo_str_dtm=at(D3 - dt.timedelta(days=400), 9),
        promo_end_dtm=at(D3 + dt.timedelta(days=30), 9),
    )
    block = figures_block(
        client.get(reverse("admin:coupons_promotion_change", args=[old.pk])).content.decode()
    )
    assert "2030-03-04 ~ 2031-03-04" in text(block)
    assert "기간이 길어 최근 기간만 보여줍니다." in text(block)
    assert f"?promo_no={old.promo_no}&amp;date_from=2030-03-04&amp;date_to=2031-03-04" in block


def test_the_page_lists_the_costliest_promotions_and_the_downloads_all(
    client, md, data, monkeypatch
):
    from coupons.admin.reports import CouponReportAdmin

    a = data["a"]
    monkeypatch.setattr(CouponReportAdmin, "promotions_shown", 1)  # the page's size, not a rule
    body = client.get(reverse(REPORT), PERIOD).content.decode()
    rows = cells(body, "report-by-promotion")
    assert [row[0] for row in rows] == [f"{a.promo_no} 리포트 A 상품쿠폰"]
    assert "할인금액이 큰 1개만 보여 줍니다 (전체 3개)." in body

    download = client.get(reverse("admin:coupons_coupondailystat_download", args=["csv"]), PERIOD)
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert all(p.promo_no in text for p in (data["a"], data["b"], data["c"]))
