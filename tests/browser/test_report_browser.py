"""The cost report in chromium (SPEC §8): `md` and `cs` sign in on the demo data (load_demo) plus CS
compensations this test issues and uses, open the report, see its charts drawn by the vendored
Chart.js (instances with data, pixels on the canvas, colours from the admin's theme, light and
dark), download the CSV and the Excel file and read them back, and open a promotion's figures.
A screenshot of each page at 1280 px goes to var/screenshots/ for review."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from coupons import codes
from coupons.issuing import coupon_issue
from coupons.management.commands.load_demo import DEMO_USERS
from coupons.models import Goods, Member, Promotion
from coupons.reports import coupon_report
from coupons.use import coupons_use
from tests.coupons.issuing_factories import ensure_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = settings.VAR_DIR / "screenshots"
WIDTH = 1280
PASSWORDS = {name: password for name, password, _role in DEMO_USERS}
CHARTS = ["chart-daily-counts", "chart-daily-discount", "chart-reason-discount"]
CS_COUPON = "[데모] CS 보상 5천원 쿠폰"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def demo():
    ensure_codes()  # a transactional test's flush emptied what migrations seeded
    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    cs = get_user_model().objects.get(username="cs")
    compensation = Promotion.objects.get(promo_nm=CS_COUPON)
    goods = Goods.objects.order_by("goods_no").first()
    members = list(Member.objects.order_by("mbr_no")[:3])
    copies = [
        coupon_issue(
            member=mbr, promotion=compensation, channel=codes.Channel.CS, reason_cd=reason, user=cs
        )[0]
        for mbr, reason in zip(members, ["02", "02", "07"], strict=True)
    ]
    # two of them used, so the reason chart has money on 02 and 07
    for i in (0, 2):
        coupons_use(
            ord_no=f"ORD-REPORT-B-{i}",
            mbr_no=members[i].mbr_no,
            ord_media_cd=codes.OrdMedia.PC,
            site_no=goods.site_no,
            goods_list=[
                {"ord_goods_seq": 1, "goods_no": goods.goods_no, "cnt": 1, "sale_prc": 50_000}
            ],
            dlv_grp_list=[],
            use_list=[{"cpn_isu_no": copies[i].pk, "ord_goods_seq": 1, "dc_amt": 5000}],
        )
    today = timezone.localdate()
    return coupon_report(date_from=today - timezone.timedelta(days=30), date_to=today)


def _sign_in(page, live_server, admin_login, username):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    admin_login(page, username, PASSWORDS[username])
    page.goto(f"{live_server.url}/admin/coupons/coupondailystat/")
    page.wait_for_selector("#report-totals")


def _charts(page) -> dict:
    """Per chart: the datasets' labels and sums, the canvas's painted pixels, the tick colour."""
    return page.evaluate(
        """(ids) => Object.fromEntries(ids.map((id) => {
            const canvas = document.getElementById(id);
            const chart = Chart.getChart(canvas);
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return [id, {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map((d) => [d.label, d.data.reduce((a, b) => a + b, 0), d.data.length]),
                legend: chart.legend.legendItems.map((item) => item.text),
                painted: painted,
                tickColour: chart.options.scales.x.ticks.color,
            }];
        }))""",
        CHARTS,
    )


def _css(page, name: str) -> str:
    return page.evaluate(
        "(name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()", name
    )


def _cards(page) -> dict:
    labels = page.locator("#report-totals .report-card-label").all_inner_texts()
    values = page.locator("#report-totals .report-card-value").all_inner_texts()
    return dict(zip(labels, values, strict=True))


def _check_page(page, report) -> None:
    totals = report["totals"]
    assert totals["issued"] > 0 and totals["used"] > 0 and totals["dc_amt"] > 0
    cards = _cards(page)
    assert cards["발급"] == f"{totals['issued']:,}"
    assert cards["사용"] == f"{totals['used']:,}"
    assert cards["할인금액"] == f"{totals['dc_amt']:,}원"
    assert cards["당사 부담"] == f"{totals['our_dc_amt']:,}원"
    assert cards["협력사 부담"] == f"{totals['entr_dc_amt']:,}원"
    charts = _charts(page)
    days = len(report["by_day"])
    assert charts["chart-daily-counts"]["datasets"] == [
        ["발급", totals["issued"], days],
        ["사용", totals["used"], days],
    ]
    assert charts["chart-daily-discount"]["datasets"] == [
        ["당사 부담", totals["our_dc_amt"], days],
        ["협력사 부담", totals["entr_dc_amt"], days],
    ]
    reasons = {row["reason_cd"]: row for row in report["by_reason"]}
    assert charts["chart-reason-discount"]["labels"] == [
        f"{cd} {row['reason_nm']}" if cd else row["reason_nm"] for cd, row in reasons.items()
    ]
    assert "02 배송지연" in charts["chart-reason-discount"]["labels"]
    assert reasons["02"]["dc_amt"] == 5000 and reasons["07"]["dc_amt"] == 5000
    for chart in charts.values():
        assert chart["legend"] == [name for name, _sum, _n in chart["datasets"]]
        assert chart["painted"] > 2000, "the canvas has a drawing on it"


def _read_downloads(page, report) -> None:
    totals = report["totals"]
    figures = [
        str(totals["issued"]),
        str(totals["used"]),
        str(totals["restored"]),
        str(totals["revoked"]),
        str(totals["expired"]),
    ]
    with page.expect_download() as csv_download:
        page.click("#report-csv")
    with open(csv_download.value.path(), "rb") as file:
        raw = file.read()
    assert raw.startswith("\ufeff".encode())
    assert csv_download.value.suggested_filename.startswith("쿠폰비용리포트_")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["구분", "일자", "프로모션번호"]
    assert rows[1][0] == "합계" and rows[1][7:12] == figures
    assert rows[1][13:] == [str(totals[k]) for k in ("dc_amt", "our_dc_amt", "entr_dc_amt")]
    assert sum(1 for row in rows if row[0] == "일별") == len(report["by_day"])
    assert [row[2] for row in rows if row[0] == "프로모션별"] == [
        row["promo_no"] for row in report["by_promotion"]
    ]

    with page.expect_download() as xlsx_download:
        page.click("#report-xlsx")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    # the saved download has no suffix, which openpyxl goes by: read its bytes
    with open(xlsx_download.value.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["구분", "일자", "프로모션번호"]
    assert values[1][0] == "합계"
    assert values[1][7:12] == [int(f) for f in figures]
    assert values[1][13:] == [totals[k] for k in ("dc_amt", "our_dc_amt", "entr_dc_amt")]
    assert [row[6] for row in values if row[0] == "사유별"] == [
        row["reason_nm"] for row in report["by_reason"]
    ]


def test_md_reads_the_report_its_charts_and_downloads_then_a_promotions_figures(
    page, live_server, admin_login, demo
):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    _sign_in(page, live_server, admin_login, "md")
    _check_page(page, demo)
    # everything the page needs (Chart.js included) comes from this server
    assert any(url.endswith("/coupons/vendor/chartjs/chart.umd.min.js") for url in requested)
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    # light theme: the charts took the admin's light colours
    assert _css(page, "--body-quiet-color") == "#666"
    assert {c["tickColour"] for c in _charts(page).values()} == {"#666"}
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    _shot(page, "report-md")
    _read_downloads(page, demo)

    # a promotion of the report: its figures on its change page, and back to the report
    top = demo["by_promotion"][0]
    page.click(f"#report-by-promotion >> text={top['promo_no']}")
    page.wait_for_selector("#promotion-figures")
    block = page.inner_text("#promotion-figures")
    assert f"{top['dc_amt']:,}원" in block and "예산" in block
    _shot(page, "report-md-promotion")
    page.click("#promotion-report-link")
    page.wait_for_selector("#report-totals")
    assert page.input_value("#id_promo_no") == top["promo_no"]
    assert page.inner_text("#report-promo-name") == top["promo_nm"]


def test_cs_reads_the_report_in_light_and_dark(page, live_server, admin_login, demo):
    _sign_in(page, live_server, admin_login, "cs")
    _check_page(page, demo)
    _shot(page, "report-cs")
    _read_downloads(page, demo)

    # the system turns dark: the charts repaint with the admin's dark colours
    page.emulate_media(color_scheme="dark")
    dark_quiet = _css(page, "--body-quiet-color")
    assert dark_quiet == "#d0d0d0"
    page.wait_for_function(
        "(colour) => Chart.getChart(document.getElementById('chart-daily-counts'))"
        ".options.scales.x.ticks.color === colour",
        arg=dark_quiet,
    )
    assert {c["tickColour"] for c in _charts(page).values()} == {dark_quiet}
    # the admin's theme toggle (data-theme on <html>) repaints them too
    while page.evaluate("document.documentElement.dataset.theme") != "light":
        page.click("button.theme-toggle")
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('chart-reason-discount'))"
        ".options.scales.x.ticks.color === '#666'"
    )
    page.click("button.theme-toggle")  # light -> auto: the system's dark again
    # and a page opened dark draws dark from the start
    page.reload()
    page.wait_for_selector("#report-totals")
    charts = _charts(page)
    assert {c["tickColour"] for c in charts.values()} == {dark_quiet}
    assert all(c["painted"] > 2000 for c in charts.values())
    _shot(page, "report-cs-dark")
