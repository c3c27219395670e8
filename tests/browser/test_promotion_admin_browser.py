"""The promotion pages in chromium (issue 15), on the demo data (load_demo): `md` picks a goods
by name in a target row, pastes 20 numbers with one unknown (named, nothing saved) then 20 known
(saved); `md2` approves from the page; `md` copies a frozen promotion and follows the link to the
copy; `cs` reads the frozen promotion with its 주문매체 and its targets' names. Each page is shot at
1280 px (var/screenshots/) and fails if a short word in a table cell wraps."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from coupons import codes, services
from coupons.issuing import coupon_issue
from coupons.management.commands.load_demo import DEMO_USERS
from coupons.models import Member, Promotion
from tests.coupons.issuing_factories import ensure_codes
from tests.factories import promotion_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORDS = {name: password for name, password, _role in DEMO_USERS}
KNOWN = [f"{2000101 + i}" for i in range(20)]  # demo goods


@pytest.fixture
def demo():
    ensure_codes()  # a transactional test's flush emptied what migrations seeded
    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    md = get_user_model().objects.get(username="md")
    return services.promotion_create(
        user=md,
        data=promotion_data(
            promo_nm="[테스트] 이어폰 기획 쿠폰",
            all_goods_yn=False,
            ord_media_cds=[codes.OrdMedia.PC, codes.OrdMedia.MOBILE_WEB],
        ),
    )


def _sign_in(page, live_server, admin_login, username):
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    admin_login(page, username, PASSWORDS[username])


def _open(page, live_server, promotion):
    page.goto(f"{live_server.url}/admin/coupons/promotion/{promotion.pk}/change/")
    page.wait_for_selector("#promotion_form")


def _save(page):
    page.click("input[name=_continue]")
    page.wait_for_load_state("load")


def _targets(promotion):
    return sorted(promotion.targets.values_list("aply_typ_cd", "tgt_no"))


def test_md_picks_pastes_md2_approves_md_copies_cs_reads(
    page, live_server, admin_login, shoot, demo
):
    promotion = demo
    _sign_in(page, live_server, admin_login, "md")

    # the list fits at 1280 px: badges, money, compact dates, no wrapped short word
    page.goto(f"{live_server.url}/admin/coupons/promotion/")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list .badge", has_text="작성중").count() >= 1
    shoot(page, "promotion-list-md")
    _fits(page, "#result_list")

    # pick a goods by name in a new target row
    _open(page, live_server, promotion)
    page.click("#targets-group .add-row a")
    row = page.locator("#targets-0")
    row.locator("select[name=targets-0-aply_typ_cd]").select_option("02")
    row.locator(".field-tgt_no .select2-selection").click()
    page.fill(".select2-container--open .select2-search__field", "이어폰")
    option = page.locator(".select2-results__option", has_text="2000005 블루투스 이어폰 005")
    option.click()
    assert "2000005 블루투스 이어폰 005" in row.locator(".field-tgt_no").inner_text()
    shoot(page, "promotion-target-picker")
    _save(page)
    assert _targets(promotion) == [("02", "2000005")]
    # the row now reads number and name
    assert "2000005 블루투스 이어폰 005" in page.locator("#targets-0 .field-tgt_no").inner_text()

    # paste 20 numbers, one unknown: named in one error, nothing saved
    page.select_option("#id_paste_aply_typ_cd", "02")
    page.fill("#id_paste_tgt_nos", "\n".join([*KNOWN[:19], "2999999"]))
    _save(page)
    assert page.inner_text(".field-paste_tgt_nos .errorlist") == "없는 상품번호 1개: 2999999"
    assert "저장하지 못했습니다. 표시된 항목을 확인해 주세요." in page.inner_text("#save-failed")
    assert _targets(promotion) == [("02", "2000005")]
    shoot(page, "promotion-paste-unknown")

    # 20 known, as a column pasted from Excel: saved beside the picked one
    page.fill("#id_paste_tgt_nos", "\r\n".join(f"{n}\t" for n in KNOWN))
    _save(page)
    assert "붙여 넣은 대상 20개를 적용/제외 대상에 더했습니다." in page.inner_text(".messagelist")
    assert _targets(promotion) == sorted([("02", "2000005"), *(("02", n) for n in KNOWN)])
    shoot(page, "promotion-paste-saved")

    # md edited it last: no approve button, one sentence why
    assert page.locator("#approve-blocked").inner_text() == (
        "마지막으로 수정한 사람은 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."
    )
    assert page.locator("#promotion-decisions input[value=승인]").count() == 0

    # md2 approves from the page
    _sign_in(page, live_server, admin_login, "md2")
    _open(page, live_server, promotion)
    page.click("#promotion-decisions input[value=승인]")
    page.wait_for_selector(".messagelist")
    assert f"{promotion.promo_no}을(를) 승인했습니다." in page.inner_text(".messagelist")
    promotion.refresh_from_db()
    assert promotion.promo_stat_cd == codes.PromoStatus.APPROVED
    shoot(page, "promotion-approved-md2")

    # a member takes a copy: the terms freeze; md copies as new and follows the link
    member = Member.objects.filter(grade_cd=codes.Grade.VVIP).order_by("mbr_no").first()
    coupon_issue(member=member.mbr_no, promotion=promotion, channel=codes.Channel.DOWNLOAD)
    _sign_in(page, live_server, admin_login, "md")
    _open(page, live_server, promotion)
    banner = page.inner_text("#frozen-banner")
    assert "쿠폰이 이미 1장 발급되어 할인 조건, 대상 조건, 유효기간은 바꿀 수 없습니다." in banner
    assert page.locator("#id_dc_rate_amt").count() == 0  # frozen terms are not fields
    shoot(page, "promotion-frozen-md")
    page.click("#copy-as-new")
    page.wait_for_selector(".messagelist a.copy-link")
    copy = Promotion.objects.get(copied_from=promotion)
    link = page.locator(".messagelist a.copy-link")
    assert link.inner_text() == copy.promo_no
    assert re.search(rf"/promotion/{copy.pk}/change/$", page.url)
    shoot(page, "promotion-copied")
    page.click(f".messagelist a:has-text('{promotion.promo_no}')")
    page.wait_for_url(re.compile(rf".*/promotion/{promotion.pk}/change/$"))

    # cs reads the frozen promotion: 주문매체 and the targets by name
    _sign_in(page, live_server, admin_login, "cs")
    _open(page, live_server, promotion)
    media = page.locator(".field-ord_media_cds_display .readonly").inner_text()
    assert media == "PC, 모바일웹"
    targets = page.locator("#targets-group td.field-target").all_inner_texts()
    assert "2000005 블루투스 이어폰 005" in targets and len(targets) == 21
    assert page.locator("#promotion-decisions").count() == 0
    shoot(page, "promotion-readonly-cs")

    # the lists at 1280 px, every column in view: promotions (an approved one with a budget
    # among them) and revisions
    page.goto(f"{live_server.url}/admin/coupons/promotion/")
    page.wait_for_selector("#result_list")
    _fits(page, "#result_list")
    shoot(page, "promotion-list-cs")
    page.goto(f"{live_server.url}/admin/coupons/promotionrevision/")
    page.wait_for_selector("#changelist")
    shoot(page, "promotionrevision-list-cs")


def _fits(page, selector):
    # nothing of the table is hidden behind a horizontal scroll
    overflow = page.evaluate(
        "(s) => { const t = document.querySelector(s); const box = t.closest('.results') || "
        "t.parentElement; return box.scrollWidth - box.clientWidth; }",
        selector,
    )
    assert overflow <= 0, f"{selector} scrolls sideways by {overflow} px"
