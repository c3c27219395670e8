"""The desk in chromium (SPEC §8): `md` and `cs` sign in on the demo data (load_demo) plus what this
test adds, see their own work on the admin's first page, and follow a link to where it is acted
on. A screenshot of each page at 1280 px goes to var/screenshots/ for review."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from coupons import codes, services
from coupons.compensation import compensation_issue
from coupons.issuing import coupon_issue
from coupons.management.commands.load_demo import DEMO_USERS
from coupons.models import Member, Promotion
from coupons.reports import coupon_report
from marketplaces.coupang.models import CoupangCoupon
from tests.coupons.issuing_factories import ensure_codes
from tests.factories import promotion_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = settings.VAR_DIR / "screenshots"
WIDTH = 1280
PASSWORDS = {name: password for name, password, _role in DEMO_USERS}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fits(page) -> None:
    # the desk fits the width: nothing scrolls sideways at 1280 px
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def _users():
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def demo():
    ensure_codes()  # a transactional test's flush emptied what migrations seeded
    call_command("load_demo", stdout=io.StringIO())
    users = _users()
    md, md2, cs = users["md"], users["md2"], users["cs"]
    now = timezone.now()
    # md2's draft: md's to approve (demo drafts were last edited by md, so md2's to approve)
    draft = services.promotion_create(
        user=md2, data=promotion_data(promo_nm="[테스트] md2가 만든 가을 쿠폰")
    )
    # a running promotion with one copy of ten left
    nearly = services.promotion_approve(
        user=md2,
        promotion=services.promotion_create(
            user=md,
            data=promotion_data(
                promo_nm="[테스트] 한도 임박 쿠폰",
                issu_lmt_qty=10,
                promo_end_dtm=now + timedelta(days=3),
            ),
        ),
    )
    members = list(Member.objects.order_by("mbr_no").values_list("mbr_no", flat=True)[:9])
    for mbr_no in members:
        coupon_issue(member=mbr_no, promotion=nearly, channel=codes.Channel.DOWNLOAD)
    start = now + timedelta(hours=2)
    held = CoupangCoupon.objects.create(
        title="[테스트] 생성 응답을 잃은 쿠팡 쿠폰",
        start_at=start,
        end_at=start + timedelta(days=7),
        local_status=CoupangCoupon.LocalStatus.NEEDS_RECONCILE,
        create_attempted_at=now,
        created_by=md,
    )
    # cs compensates two members for a late delivery
    run = compensation_issue(
        user=cs,
        promotion=Promotion.objects.get(promo_nm="[데모] CS 보상 5천원 쿠폰"),
        mbr_nos=members[:2],
        reason_cd=codes.CsReason.LATE_DELIVERY,
        memo="배송 지연 사과",
        submission_key=uuid.uuid4().hex,
    )
    return {"draft": draft, "nearly": nearly, "held": held, "run": run}


def _sign_in(page, admin_login, username):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    admin_login(page, username, PASSWORDS[username])
    page.wait_for_selector("#desk")


def test_md_sees_their_desk_and_opens_a_promotion_to_approve(page, live_server, admin_login, demo):
    _sign_in(page, admin_login, "md")
    draft, nearly, held = demo["draft"], demo["nearly"], demo["held"]
    approve = page.inner_text("#desk-approve-promotions")
    assert f"{draft.promo_no} [테스트] md2가 만든 가을 쿠폰" in approve
    assert "[데모]" not in approve  # the demo drafts were last edited by md himself
    near = page.inner_text("#desk-near-limit")
    assert f"{nearly.promo_no} [테스트] 한도 임박 쿠폰" in near and "발급 9 / 10장 (90%)" in near
    assert f"{nearly.promo_no}" in page.inner_text("#desk-ending")
    assert f"쿠팡 쿠폰 #{held.pk} [테스트] 생성 응답을 잃은 쿠팡 쿠폰" in page.inner_text(
        "#desk-coupang-confirm"
    )
    assert page.locator("#desk-compensation").count() == 0
    # today's figures are the report's (demo orders and this test's issues included)
    day = timezone.localdate()
    totals = coupon_report(date_from=day, date_to=day)["totals"]
    assert totals["issued"] >= 11 and totals["used"] >= 1
    assert page.inner_text("#desk-today-issued dd") == f"{totals['issued']:,}"
    assert page.inner_text("#desk-today-used dd") == f"{totals['used']:,}"
    assert page.inner_text("#desk-today-dc_amt dd") == f"{totals['dc_amt']:,}원"
    assert page.locator("#desk-apps a", has_text="프로모션(쿠폰)").count() >= 1
    _fits(page)
    _shot(page, "desk-md")

    page.emulate_media(color_scheme="dark")
    _shot(page, "desk-md-dark")
    page.emulate_media(color_scheme="light")

    page.click(f"#desk-approve-promotions a:has-text('{draft.promo_no}')")
    page.wait_for_url(re.compile(rf".*/admin/coupons/promotion/{draft.pk}/change/$"))
    assert page.input_value("#id_promo_nm") == "[테스트] md2가 만든 가을 쿠폰"
    _shot(page, "desk-md-promotion")


def test_cs_sees_their_runs_and_opens_one(page, live_server, admin_login, demo):
    _sign_in(page, admin_login, "cs")
    run = demo["run"]
    runs = page.inner_text("#desk-compensation-runs")
    assert f"#{run.pk} " in runs and "[데모] CS 보상 5천원 쿠폰" in runs
    assert "완료 · 배송지연 · 대상 2명 · 발급 2명 · 실패 0명" in runs
    for md_only in ("#desk-approvals", "#desk-marketplaces", "#desk-watch"):
        assert page.locator(md_only).count() == 0
    reasons = page.inner_text("#desk-today-reasons")
    assert "02 배송지연" in reasons and "발급 2장" in reasons
    _fits(page)
    _shot(page, "desk-cs")

    page.click("#desk-today-reasons li a:has-text('02 배송지연')")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 2
    assert page.locator("#result_list td.field-channel_display .cell-name").all_inner_texts() == [
        "배송지연",
        "배송지연",
    ]
    _shot(page, "desk-cs-reason-coupons")

    page.goto(f"{live_server.url}/admin/")

    page.click(f"#desk-compensation-runs a:has-text('#{run.pk} ')")
    page.wait_for_url(re.compile(rf".*/compensation/{run.pk}/$"))
    assert "발급 2명 · 실패 0명" in page.inner_text("#run-outcome")
    _shot(page, "desk-cs-run")
