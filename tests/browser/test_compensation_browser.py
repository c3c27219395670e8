"""A CS agent compensates three pasted members (one unknown) through the real admin in chromium."""

import re

import pytest
from django.contrib.auth import get_user_model

from coupons.models import CompensationRun, MemberCoupon
from coupons.roles import role_group
from tests.coupons.issuing_factories import cs_promotion, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cs_agent_pastes_members_previews_confirms_and_finds_the_coupons(
    page, live_server, admin_login
):
    member("310000001")
    member("310000002")
    promotion = cs_promotion(promo_nm="배송지연 보상 3천원")
    cs = get_user_model().objects.create_user("cs", password="cs-pass-1234", is_staff=True)
    cs.groups.add(role_group("CS agent"))

    admin_login(page, "cs", "cs-pass-1234")
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/")
    page.click(".object-tools >> text=CS 보상쿠폰 발급")
    page.fill("#id_mbr_nos", "310000001\n999999999\n310000002")
    page.select_option("#id_promotion", str(promotion.pk))
    page.select_option("#id_cs_cpn_pay_caus_cd", "02")
    page.fill("#id_memo", "배송 지연 사과")
    page.fill("#id_ord_no", "ORD-20260501-1")
    page.click("input[name=_preview]")

    problem = page.locator('#preview-table tr[data-mbr-no="999999999"]')
    assert "UNKNOWN_MEMBER" in problem.inner_text()
    assert "존재하지 않는 회원입니다." in problem.inner_text()
    assert page.locator("#preview-table tr.preview-ok").count() == 2
    assert "발급 가능 2명, 문제 1명" in page.inner_text("#preview-summary")
    assert MemberCoupon.objects.count() == 0, "the preview issued nothing"

    page.click("#confirm-issue")
    page.wait_for_url(re.compile(r".*/compensation/\d+/$"))
    assert "발급 2명 · 실패 1명" in page.inner_text("#run-outcome")
    run = CompensationRun.objects.get()
    assert (run.issued, run.refused, run.created_by) == (2, 1, cs)

    page.click("text=발급된 회원쿠폰 보기")
    page.wait_for_url(re.compile(r".*/membercoupon/\?q=C\d{7}.*"))
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    text = page.inner_text("#result_list")
    assert "310000001" in text and "310000002" in text and "999999999" not in text
    assert page.locator("#result_list td.field-channel_display .cell-name").all_inner_texts() == [
        "배송지연",
        "배송지연",
    ]
    assert page.locator("#result_list td.field-issued_by_display").all_inner_texts() == ["cs", "cs"]
    assert set(
        MemberCoupon.objects.values_list(
            "member_id", "cs_cpn_pay_caus_cd", "channel", "issued_by__username"
        )
    ) == {("310000001", "02", "CS", "cs"), ("310000002", "02", "CS", "cs")}
