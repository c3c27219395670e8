"""Marketplace pages in chromium as `md` (issue 15, part 3): a Coupang push started from the
coupon's page whose status goes from 전송 중 to 쿠팡 반영됨 without reloading, its payloads
collapsed; vendor items pasted with one bad number (named, nothing saved); the lists and ESM
pages. Every page is `shoot`-ed at 1280 px (no short word wraps in a table cell).

Jobs run as without a broker: a thread of the live server's process (JOBS_EAGER off). The
sandbox keeps Coupang's add-items transaction REQUESTED until the test settles it, so the page is
seen while the job runs, and the test waits on the DOM, never on time."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice.jobs.models import Job
from coupons.management.commands.load_demo import DEMO_USERS
from marketplaces.coupang.models import CoupangCoupon, CoupangCouponItem
from marketplaces.coupang.services import coupang_coupon_create
from marketplaces.esm.models import EsmSponsorship
from marketplaces.esm.services import esm_sponsorship_save
from tests.coupons.issuing_factories import ensure_codes
from tests.marketplaces.conftest import (  # noqa: F401  (the sandbox fixtures)
    coupon_kwargs,
    join_job_runners,
    sandbox,
    sandbox_server,
)
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORDS = {name: password for name, password, _role in DEMO_USERS}


@pytest.fixture
def md(sandbox, settings):  # noqa: F811  (the fixture imported above)
    ensure_codes()  # a transactional test's flush emptied what migrations seeded
    call_command("load_demo", stdout=io.StringIO())
    settings.JOBS_EAGER = False  # a runner thread, as `make run` without a broker
    settings.COUPANG_POLL_MAX = 1_000_000  # the job keeps polling until the test settles
    sandbox.configure("coupang", settle_seconds=3600, rate_limit_rps=1000)
    from django.contrib.auth import get_user_model

    yield get_user_model().objects.get(username="md")
    sandbox.settle("coupang")
    join_job_runners()


def _sign_in(page, admin_login):
    admin_login(page, "md", PASSWORDS["md"])


def test_push_from_the_coupon_page_updates_its_status_without_reloading(
    page,
    live_server,
    admin_login,
    shoot,
    sandbox,  # noqa: F811
    md,  # noqa: F811
):
    coupon = coupang_coupon_create(user=md, **coupon_kwargs())
    _sign_in(page, admin_login)
    change_url = f"{live_server.url}/admin/marketplaces/coupangcoupon/{coupon.pk}/change/"
    page.goto(change_url)
    page.wait_for_selector('#sync-status[data-open="0"]')
    shoot(page, "marketplace-coupang-coupon-draft")

    page.click('button[data-operation="push"]')
    panel = page.locator("#sync-status")
    page.wait_for_selector('#sync-status[data-open="1"]')
    assert "전송 중" in panel.inner_text()
    assert "쿠팡에 등록" in panel.inner_text()
    # the job is waiting on Coupang's add-items transaction (REQUESTED in the sandbox)
    wait_for(
        lambda: CoupangCouponItem.objects.filter(coupon=coupon, status="REQUESTED").count() == 5
    )
    page.evaluate("window.__notReloaded = true")
    shoot(page, "marketplace-coupang-coupon-pushing")

    sandbox.settle("coupang")
    page.wait_for_selector('#sync-status[data-open="0"]')
    assert page.evaluate("window.__notReloaded === true")  # the same page, refreshed in place
    text = panel.inner_text()
    assert "쿠팡 반영됨" in text and "성공" in text and "전송 중" not in text
    assert page.url == change_url
    assert Job.objects.get(target_id=str(coupon.pk)).status == "SUCCEEDED"

    page.click("a.mk-reload")  # the rest of the page, now behind, reloads on request
    page.wait_for_selector('button[data-operation="expire"]')
    blocks = page.locator("details.mk-json")
    assert blocks.count() >= 2
    assert all(not blocks.nth(i).evaluate("d => d.open") for i in range(blocks.count()))
    assert not page.locator("details.mk-json pre").first.is_visible()
    page.locator("details.mk-json summary").first.click()
    assert page.locator("details.mk-json pre").first.is_visible()
    assert '"couponType": "DOWNLOAD"' in page.locator("details.mk-json pre").first.inner_text()
    shoot(page, "marketplace-coupang-coupon-pushed")


def test_paste_vendor_items_one_bad_number_is_named_and_nothing_saved(
    page, live_server, admin_login, shoot, md
):
    _sign_in(page, admin_login)
    page.goto(f"{live_server.url}/admin/marketplaces/coupangcoupon/add/")
    start = timezone.localtime() + timedelta(days=2)
    page.fill("#id_title", "붙여 넣은 옵션 쿠폰")
    page.fill("#id_start_at_0", start.strftime("%Y-%m-%d"))
    page.fill("#id_start_at_1", "10:00:00")
    page.fill("#id_end_at_0", (start + timedelta(days=7)).strftime("%Y-%m-%d"))
    page.fill("#id_end_at_1", "10:00:00")
    page.fill("#id_policies-0-title", "만원 이상 천원")
    page.select_option("#id_policies-0-type_of_discount", "PRICE")
    page.fill("#id_policies-0-minimum_price", "10000")
    page.fill("#id_policies-0-discount", "1000")
    page.fill("#id_policies-0-maximum_per_daily", "1")
    numbers = [str(3_300_000_000 + i) for i in range(20)]
    numbers[11] = "33000O0011"  # a letter O typed for a zero
    page.fill("#id_vendor_item_ids_pasted", "\n".join(numbers))
    page.click("input[name=_save]")

    error = page.locator(".field-vendor_item_ids_pasted .errorlist")
    error.wait_for()
    assert error.inner_text() == "숫자가 아닌 값이 1개 있습니다: 33000O0011"
    assert not CoupangCoupon.objects.exists() and not CoupangCouponItem.objects.exists()
    shoot(page, "marketplace-coupang-paste-error")

    numbers[11] = str(3_300_000_011)
    page.fill("#id_vendor_item_ids_pasted", "\n".join(numbers))
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")
    coupon = CoupangCoupon.objects.get()
    assert coupon.items.count() == 20


def test_lists_and_esm_pages_fit_at_1280(page, live_server, admin_login, shoot, md):
    for n in range(3):
        coupon = coupang_coupon_create(
            user=md, **coupon_kwargs(title=f"겨울 쿠폰 {n}", vendor_item_ids=[3_400_000_000 + n])
        )
    CoupangCoupon.objects.filter(pk=coupon.pk).update(
        local_status="FAILED",
        last_error="policies[0] 금액 정보는 10원 단위로 입력해야 합니다., "
        "Please check the promotion period.",
    )
    for n in range(2):
        row = EsmSponsorship(
            goods_no=str(4_100_000_000 + n),
            gmkt_is_use=True,
            gmkt_amount=1_000,
            gmkt_max_amount=100_000,
            gmkt_field=1,
            gmkt_start_date=date(2026, 12, 1),
            gmkt_end_date=date(2026, 12, 31),
        )
        esm_sponsorship_save(sponsorship=row, user=md, price_checked=False)
    _sign_in(page, admin_login)

    page.goto(f"{live_server.url}/admin/marketplaces/coupangcoupon/")
    page.wait_for_selector("#result_list")
    cell = page.locator("#result_list td.field-error_summary span.mk-error")
    assert cell.count() == 1 and cell.get_attribute("title").startswith("policies[0] 금액")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # no column is cut off: the table fits its box, the error column included
    assert page.evaluate(
        "(() => { const t = document.querySelector('#result_list');"
        " return t.scrollWidth <= t.parentElement.clientWidth; })()"
    )
    box = cell.bounding_box()
    assert box and box["x"] + box["width"] <= 1280
    assert page.locator("#result_list .mk-badge").count() >= 3
    shoot(page, "marketplace-coupang-list")

    page.goto(f"{live_server.url}/admin/marketplaces/esmsponsorship/")
    page.wait_for_selector("#result_list")
    assert "1,000원" in page.locator("#result_list").inner_text()
    shoot(page, "marketplace-esm-list")

    esm = EsmSponsorship.objects.order_by("id").first()
    page.goto(f"{live_server.url}/admin/marketplaces/esmsponsorship/{esm.pk}/change/")
    page.wait_for_selector("#sync-status")
    labels = page.locator(".object-tools button").all_inner_texts()
    assert "ESM에 등록" in labels and not any("(" in label for label in labels)
    shoot(page, "marketplace-esm-sponsorship")

    page.goto(f"{live_server.url}/admin/marketplaces/esmsponsorship/bulk-push/")
    page.fill("#id_goods_nos", f"{esm.goods_no}\n4199999999")
    page.click("input[type=submit]")
    error = page.locator(".errorlist")
    error.first.wait_for()
    assert "4199999999" in error.first.inner_text()
    assert not Job.objects.filter(target_type="esm.sponsorship_bulk").exists()
    shoot(page, "marketplace-esm-bulk-paste")
