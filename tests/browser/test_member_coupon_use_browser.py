"""A CS agent finds a used coupon by its order number in the member-coupon admin (chromium) and
sees the use — order, line, amounts and split — and the claim that cancelled part of it."""

import pytest
from django.contrib.auth import get_user_model

from coupons.roles import role_group
from coupons.use import coupons_restore, coupons_use
from tests.coupons.use_factories import cart_promotion, give, goods, member, use_kwargs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cs_agent_searches_an_order_number_and_sees_the_use(page, live_server, admin_login):
    goods("G1", 15000)
    goods("G2", 20000)
    mbr = member("430000001")
    (cart,) = give(mbr, cart_promotion(promo_nm="장바구니 3천원"))
    (other,) = give(member("430000002"), cart_promotion(promo_nm="다른 주문"))
    coupons_use(**use_kwargs("ORD-BROWSER-1", mbr, [{"cpn_isu_no": cart.pk, "dc_amt": 3000}]))
    coupons_restore(ord_no="ORD-BROWSER-1", clm_no="CLM-B-1", ord_goods_seqs=[2])
    cs = get_user_model().objects.create_user("cs", password="cs-pass-1234", is_staff=True)
    cs.groups.add(role_group("CS agent"))

    admin_login(page, "cs", "cs-pass-1234")
    page.goto(f"{live_server.url}/admin/coupons/membercoupon/")
    page.fill("#searchbar", "ORD-BROWSER-1")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "430000002" not in page.inner_text("#result_list") and other.pk != cart.pk
    assert "ORD-BROWSER-1" in page.inner_text("#result_list td.field-outcome_display")
    assert page.inner_text("#result_list td.field-status_badge") == "사용"

    page.click("#result_list th.field-cpn_isu_no a")
    page.wait_for_selector("table.use-history")
    history = page.inner_text("table.use-history")
    assert "ORD-BROWSER-1" in history
    assert "3,000" in history and "1,800 / 1,200" in history  # amount and mall / vendor split
    # allocated 1,800 / 1,200 over the lines of 30,000 and 20,000; line 2 cancelled: 1,200 back
    assert "#1 1,800, #2 1,200 (취소 CLM-B-1)" in history
    assert page.inner_text("table.use-history tr:nth-child(2) td:nth-child(7)") == "1,200"
