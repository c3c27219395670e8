"""A CS agent filters the member-coupon list by issue date and by the start of a member number in
chromium; the list at 1280 px keeps every column and wraps no short word (screenshots kept in
var/screenshots/). A merchandiser who opens the compensation page gets the admin's own 403."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from coupons import codes
from coupons.issuing import coupon_issue, coupon_revoke
from coupons.models import MemberCoupon
from coupons.roles import role_group
from tests.coupons.issuing_factories import approved_promotion, cs_promotion, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL = ZoneInfo("Asia/Seoul")
COLUMNS = 9  # the checkbox and eight columns


def _user(username, password, role):
    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    user.groups.add(role_group(role))
    return user


def test_cs_agent_filters_by_issue_date_and_member_prefix(page, live_server, admin_login, shoot):
    cs = _user("cs", "cs-pass-1234", "CS agent")
    download = approved_promotion(
        promo_nm="[겨울 정기세일] 전 상품 3,000원 할인 다운로드 쿠폰 (앱 전용)", mbr_issu_lmt_qty=5
    )
    comp = cs_promotion(promo_nm="배송지연 보상 5천원", mbr_issu_lmt_qty=5)
    days = {
        "in_first": dt.datetime(2026, 5, 1, 0, 0, tzinfo=SEOUL),
        "in_last": dt.datetime(2026, 5, 2, 23, 59, tzinfo=SEOUL),
        "before": dt.datetime(2026, 4, 30, 23, 59, tzinfo=SEOUL),
        "after": dt.datetime(2026, 5, 3, 0, 0, tzinfo=SEOUL),
    }
    ids = {}
    for i, (name, when) in enumerate(days.items()):
        mbr = f"44010000{i}"
        member(mbr)
        (coupon,) = coupon_issue(member=mbr, promotion=download, channel=codes.Channel.DOWNLOAD)
        MemberCoupon.objects.filter(pk=coupon.pk).update(issued_at=when)
        ids[name] = coupon.pk
    member("440200000")
    (other,) = coupon_issue(
        member="440200000", promotion=comp, channel=codes.Channel.CS, reason_cd="09", user=cs
    )
    MemberCoupon.objects.filter(pk=other.pk).update(issued_at=days["in_first"])
    coupon_revoke(user=cs, coupon=other, reason="중복 발급으로 회수합니다")

    page.set_viewport_size({"width": 1280, "height": 900})
    admin_login(page, "cs", "cs-pass-1234")
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/")
    assert page.locator("#result_list thead th").count() == COLUMNS
    shoot(page, "member_coupon_list")

    page.fill("#id_issued_from", "2026-05-01")
    page.fill("#id_issued_to", "2026-05-02")
    page.click("#issued-date-filter input[type=submit]")
    page.wait_for_url("**issued_to=2026-05-02**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    listed = [int(v) for v in _listed(page)]
    # newest first by issue time, the later issue number first at the same minute
    assert listed == [ids["in_last"], other.pk, ids["in_first"]]
    assert page.locator("#result_list .badge-warn", has_text="회수").count() == 1
    assert "CS 보상\n재주문으로 인한 쿠폰 재발급" in page.inner_text(
        f"tr:has(input[value='{other.pk}'])"
    )
    # every column is inside the 1280-px window: nothing is cut off to the right
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#result_list th')]"
        ".map((th) => th.getBoundingClientRect().right))"
    )
    assert right <= 1280
    shoot(page, "member_coupon_list_by_issue_date")

    # the start of a member number, kept with the date range
    page.fill("#searchbar", "4401*")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=4401**")
    assert sorted(int(v) for v in _listed(page)) == sorted([ids["in_first"], ids["in_last"]])

    # a bad date is answered in words, the list is empty
    page.fill("#id_issued_from", "")
    page.locator("#id_issued_from").evaluate(
        "(el) => { el.type = 'text'; el.value = '2026-02-30'; }"
    )
    page.click("#issued-date-filter input[type=submit]")
    page.wait_for_url("**issued_from=2026-02-30**")
    assert "발급일 시작일 '2026-02-30'은(는) 날짜가 아닙니다." in page.inner_text(".messagelist")
    assert page.locator("input[name=_selected_action]").count() == 0

    # one member: who it is, and the way to their history
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/?q=440100001")
    assert "440100001" in page.inner_text("#list-member")
    page.click("#list-member-history")
    page.wait_for_url("**/member/440100001/history/")
    shoot(page, "member_coupon_member_history")


def test_merchandiser_on_the_compensation_page_finds_the_way_back(page, live_server, admin_login):
    _user("md", "md-pass-1234", "Merchandiser")
    page.set_viewport_size({"width": 1280, "height": 900})
    admin_login(page, "md", "md-pass-1234")
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/")
    # followed from a page of ours (the browser sends it as the referer)
    page.evaluate("location.href = '/admin/coupons/membercoupon/compensation/'")
    page.wait_for_url("**/compensation/")
    assert "CS 보상쿠폰 발급은 CS 상담원만 할 수 있습니다." in page.inner_text("#denied-reason")
    assert page.locator("#site-name").is_visible(), "inside the admin layout"
    page.screenshot(path=_shot("compensation_403"), full_page=True)
    page.click("#denied-back")
    page.wait_for_url(f"{live_server.url}/admin/coupons/membercoupon/")
    page.go_back()
    page.click("#denied-home")
    page.wait_for_url(f"{live_server.url}/admin/")


def _listed(page) -> list[str]:
    return page.locator("input[name=_selected_action]").evaluate_all("els => els.map(e => e.value)")


def _shot(name):
    from pathlib import Path

    from django.conf import settings

    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return str(shots / f"{name}.png")
