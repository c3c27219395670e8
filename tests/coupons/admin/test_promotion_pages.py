"""The promotion pages for people who live in the admin (issue 15): the refusal sentence, approve
and copy from the page, the frozen banner, read-only 주문매체 and targets with their names, the
period range filter, the target pickers' endpoint (permission-checked), paste many, mirrors, the
revision admin and the member's links. Through Django's test client and the real admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice import mirrors
from coupons import codes, services
from coupons.issuing import coupon_issue
from coupons.models import Exhibition, Goods, Member, Promotion, PromotionRevision
from tests.coupons.admin.test_promotions import form_data
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db

SELF_APPROVAL = "마지막으로 수정한 사람은 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."


@pytest.fixture
def md():
    return user("md", "Merchandiser")


@pytest.fixture
def md2():
    return user("md2", "Merchandiser")


@pytest.fixture
def cs():
    return user("cs", "CS agent")


@pytest.fixture
def goods():
    kinds = ["블루투스 이어폰", "원두커피", "텀블러", "우산"]
    return Goods.objects.bulk_create(
        Goods(
            goods_no=f"{2000001 + i}",
            goods_nm=f"{kinds[i % 4]} {i + 1:03d}",
            sale_price=10_000,
            entr_no=f"E{100 + i % 3}",
            disp_ctg_no=f"{1000 + i % 5}",
            brand_no=f"B{10 + i % 2}",
        )
        for i in range(25)
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _change_url(promotion) -> str:
    return reverse("admin:coupons_promotion_change", args=[promotion.pk])


def _frozen(md, md2, **data):
    promotion = services.promotion_approve(
        user=md2, promotion=services.promotion_create(user=md, data=promotion_data(**data))
    )
    Member.objects.create(mbr_no="100000001", grade_cd="50")
    coupon_issue(member="100000001", promotion=promotion, channel=codes.Channel.DOWNLOAD)
    return Promotion.objects.get(pk=promotion.pk)


# -- the refusal: one sentence, no field name ----------------------------------------------------
def test_self_approval_refusal_is_one_sentence_from_the_list_and_the_page(client, md):
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    response = client.post(
        reverse("admin:coupons_promotion_changelist"),
        {"action": "approve", "_selected_action": [promotion.pk]},
        follow=True,
    )
    assert _messages(response) == [f"{promotion.promo_no}: {SELF_APPROVAL}"]

    # the page offers no approve button to the last editor and says why, once
    page = client.get(_change_url(promotion)).content.decode()
    assert 'id="approve-blocked"' in page and page.count(SELF_APPROVAL) == 1
    assert reverse("admin:coupons_promotion_decide", args=[promotion.pk, "approve"]) not in page
    # posting anyway is refused by the service with the same one sentence
    response = client.post(
        reverse("admin:coupons_promotion_decide", args=[promotion.pk, "approve"]), follow=True
    )
    assert _messages(response) == [SELF_APPROVAL]
    assert "(approved_by" not in response.content.decode()
    assert Promotion.objects.get(pk=promotion.pk).promo_stat_cd == codes.PromoStatus.DRAFT


def test_rule_refusal_names_fields_in_words(client, md, md2):
    promotion = services.promotion_create(user=md, data=promotion_data())
    # a row broken behind the form's back: the approval's rule check names the field in words
    Promotion.objects.filter(pk=promotion.pk).update(dc_rate_amt=1005)
    client.force_login(md2)
    response = client.post(
        reverse("admin:coupons_promotion_decide", args=[promotion.pk, "approve"]), follow=True
    )
    assert _messages(response) == [
        "규칙에 맞지 않는 프로모션은 승인할 수 없습니다. 할인금액/율: "
        "정액 할인금액은 10원 단위여야 합니다."
    ]


def test_another_user_approves_suspends_and_ends_from_the_page(client, md, md2, cs):
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(cs)
    page = client.get(_change_url(promotion)).content.decode()
    assert 'id="promotion-decisions"' not in page
    assert (
        client.post(
            reverse("admin:coupons_promotion_decide", args=[promotion.pk, "approve"])
        ).status_code
        == 403
    )

    client.force_login(md2)
    page = client.get(_change_url(promotion)).content.decode()
    approve = reverse("admin:coupons_promotion_decide", args=[promotion.pk, "approve"])
    assert f'action="{approve}"' in page
    response = client.post(approve, follow=True)
    assert _messages(response) == [f"{promotion.promo_no}을(를) 승인했습니다."]
    promotion.refresh_from_db()
    assert (promotion.promo_stat_cd, promotion.approved_by) == (codes.PromoStatus.APPROVED, md2)

    response = client.post(
        reverse("admin:coupons_promotion_decide", args=[promotion.pk, "suspend"]), follow=True
    )
    assert _messages(response) == [f"{promotion.promo_no}을(를) 중지했습니다."]
    assert Promotion.objects.get(pk=promotion.pk).promo_stat_cd == codes.PromoStatus.SUSPENDED
    assert client.get(approve).status_code == 405


# -- the frozen banner, copy as new ------------------------------------------------------------
def test_frozen_promotion_says_why_and_copies_to_a_linked_draft(client, md, md2):
    promotion = _frozen(md, md2)
    client.force_login(md)
    page = client.get(_change_url(promotion)).content.decode()
    banner = re.search(r'<div id="frozen-banner".*?</div>', page, re.S).group(0)
    assert "쿠폰이 이미 1장 발급되어 할인 조건, 대상 조건, 유효기간은 바꿀 수 없습니다." in banner
    copy_url = reverse("admin:coupons_promotion_copy", args=[promotion.pk])
    assert f'action="{copy_url}"' in banner

    response = client.post(copy_url)
    copy = Promotion.objects.exclude(pk=promotion.pk).get()
    assert response.status_code == 302 and response["Location"] == _change_url(copy)
    page = client.get(response["Location"])
    [message] = _messages(page)
    assert f'<a href="{_change_url(copy)}" class="copy-link">{copy.promo_no}</a>' in message
    assert f'<a href="{_change_url(promotion)}">{promotion.promo_no}</a>' in message
    assert message in page.content.decode()  # rendered as a link, not escaped
    assert (copy.copied_from_id, copy.promo_stat_cd) == (promotion.pk, codes.PromoStatus.DRAFT)
    # the copy is not frozen: no banner, its terms are fields
    assert 'id="frozen-banner"' not in page.content.decode()
    assert "dc_rate_amt" in page.context["adminform"].form.fields


def test_copy_action_message_links_to_the_copy(client, md):
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    response = client.post(
        reverse("admin:coupons_promotion_changelist"),
        {"action": "copy_as_new", "_selected_action": [promotion.pk]},
        follow=True,
    )
    copy = Promotion.objects.exclude(pk=promotion.pk).get()
    assert f'href="{_change_url(copy)}"' in response.content.decode()


def test_copy_needs_add_permission_and_post(client, md, cs):
    promotion = services.promotion_create(user=md, data=promotion_data())
    url = reverse("admin:coupons_promotion_copy", args=[promotion.pk])
    client.force_login(cs)
    assert client.post(url).status_code == 403
    client.force_login(md)
    assert client.get(url).status_code == 405
    assert Promotion.objects.count() == 1


# -- read-only 주문매체 and targets with names ---------------------------------------------------
def _readonly_value(page: str, field: str) -> str:
    match = re.search(
        rf'<div class="[^"]*field-{field}[^"]*">.*?<div class="readonly">(.*?)</div>', page, re.S
    )
    assert match, f"no read-only {field}"
    return match.group(1).strip()


def test_read_only_media_on_a_frozen_promotion_and_for_a_cs_agent(client, md, md2, cs):
    promotion = _frozen(
        md, md2, ord_media_cds=["20", "40", "50"], grade_cds=["40", "50"], weekdays=["6", "7"]
    )
    client.force_login(md)  # frozen: the terms are read-only for the merchandiser too
    page = client.get(_change_url(promotion)).content.decode()
    assert _readonly_value(page, "ord_media_cds_display") == "PC, 안드로이드앱, iOS앱"
    assert _readonly_value(page, "grade_cds_display") == "VIP, VVIP"
    assert "promo_nm" in client.get(_change_url(promotion)).context["adminform"].form.fields

    draft = services.promotion_create(user=md, data=promotion_data())
    client.force_login(cs)
    page = client.get(_change_url(draft)).content.decode()
    assert _readonly_value(page, "ord_media_cds_display") == "PC, 모바일웹"
    assert _readonly_value(page, "grade_cds_display") == "전체 등급"
    assert _readonly_value(page, "site_nos_display") == "전체 사이트"


def test_frozen_edit_of_the_name_keeps_the_media(client, md, md2):
    promotion = _frozen(md, md2, ord_media_cds=["20", "40"])
    client.force_login(md)
    page = client.get(_change_url(promotion))
    form = page.context["adminform"].form
    assert not {"ord_media_cds", "site_nos", "auto_issu_typ_cd"} & set(form.fields)
    local = timezone.localtime
    data = {
        "promo_nm": "이름만 바꿈",
        "promo_str_dtm_0": local(promotion.promo_str_dtm).strftime("%Y-%m-%d"),
        "promo_str_dtm_1": local(promotion.promo_str_dtm).strftime("%H:%M:%S"),
        "promo_end_dtm_0": local(promotion.promo_end_dtm).strftime("%Y-%m-%d"),
        "promo_end_dtm_1": local(promotion.promo_end_dtm).strftime("%H:%M:%S"),
        "issu_lmt_qty": "",
        "budget_amt": "",
        "auto_issu_potm_cd": "",
        "anvy_pre_isu_dds": "",
        "auto_issu_qty": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    response = client.post(_change_url(promotion), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    promotion.refresh_from_db()
    assert (promotion.promo_nm, promotion.ord_media_cds) == ("이름만 바꿈", ["20", "40"])


def test_read_only_targets_show_number_and_name(client, md, cs, goods):
    Exhibition.objects.create(exhibition_no="EX001", exhibition_nm="겨울 시즌오프 기획전")
    promotion = services.promotion_create(
        user=md,
        data=promotion_data(all_goods_yn=False),
        targets=[
            {"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": "2000003"},
            {"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "EX001"},
            {"aply_gb_cd": "02", "aply_typ_cd": "05", "tgt_no": "E101"},
            {"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": "9999999"},
        ],
    )
    client.force_login(cs)
    page = client.get(_change_url(promotion)).content.decode()
    cells = re.findall(r'<td class="field-target">\s*<p>(.*?)</p>', page, re.S)
    assert sorted(c.strip() for c in cells) == [
        "2000003 텀블러 003",
        "9999999",  # a number the mirror does not know stays a number
        "E101 (상품 8개)",
        "EX001 겨울 시즌오프 기획전",
    ]
    assert "적용 상품 2000003" not in page

    client.force_login(md)  # editable: the picker starts with the number and its name
    page = client.get(_change_url(promotion)).content.decode()
    assert '<option value="2000003" selected>2000003 텀블러 003</option>' in page
    assert 'class="target-picker"' in page


# -- the save banner -----------------------------------------------------------------------------
def test_failed_save_says_what_happened(client, md):
    client.force_login(md)
    response = client.post(reverse("admin:coupons_promotion_add"), form_data(dc_rate_amt="1005"))
    page = response.content.decode()
    assert "저장하지 못했습니다. 표시된 항목을 확인해 주세요." in page
    assert "아래 내용을 수정해야 합니다" not in page
    assert Promotion.objects.count() == 0


# -- lists: badges, money, the period range filter --------------------------------------------
def test_changelist_cells_are_badges_and_money(client, md):
    promotion = services.promotion_create(
        user=md, data=promotion_data(budget_amt=1_000_000, issu_lmt_qty=None)
    )
    client.force_login(md)
    page = client.get(reverse("admin:coupons_promotion_changelist")).content.decode()
    assert '<span class="badge badge-draft">작성중</span>' in page
    assert '<span class="num">0 /</span> <span class="num">무제한</span>' in page
    assert '<span class="money">0원 /</span> <span class="money">1,000,000원 (0%)</span>' in page
    assert '테스트 쿠폰<div class="promo-kind">상품할인쿠폰 · 고객다운로드발급</div>' in page
    start = timezone.localtime(promotion.promo_str_dtm).strftime("%y.%m.%d")
    assert f'<span class="nowrap">{start} ~</span>' in page
    assert "coupons/admin.css" in page


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("admin:coupons_promotion_changelist"), params)
    assert response.status_code == 200
    return sorted(p.promo_nm for p in response.context["cl"].result_list)


def test_period_range_filter_by_issue_and_use_period(client, md):
    tz = timezone.get_current_timezone()
    at = lambda *a: timezone.datetime(*a, tzinfo=tz)  # noqa: E731
    services.promotion_create(
        user=md,
        data=promotion_data(
            promo_nm="3월",
            promo_str_dtm=at(2031, 3, 1),
            promo_end_dtm=at(2031, 3, 31, 23, 59),
            vali_days=10,
        ),
    )
    services.promotion_create(
        user=md,
        data=promotion_data(
            promo_nm="5월 고정",
            promo_str_dtm=at(2031, 5, 1),
            promo_end_dtm=at(2031, 5, 31),
            vali_basis_cd=codes.ValidityBasis.FIXED,
            vali_days=None,
            vali_strt_dtm=at(2031, 5, 1),
            vali_end_dtm=at(2031, 6, 30),
        ),
    )
    client.force_login(md)
    assert _listed(client, range_from="2031-03-31", range_to="2031-03-31") == ["3월"]
    assert _listed(client, range_from="2031-04-01", range_to="2031-04-30") == []
    assert _listed(client, range_to="2031-05-01") == ["3월", "5월 고정"]
    assert _listed(client, range_from="2031-06-01") == []
    # the use period: 3월's N-days coupons are used until 10 days after its end, 5월's to 6/30
    use = {"range_basis": "use"}
    assert _listed(client, range_from="2031-04-05", range_to="2031-04-06", **use) == ["3월"]
    assert _listed(client, range_from="2031-04-11", range_to="2031-04-30", **use) == []
    assert _listed(client, range_from="2031-06-15", **use) == ["5월 고정"]
    # with the other filters and the search kept
    assert _listed(client, range_to="2031-12-31", promo_stat_cd__exact="DRAFT", q="5월") == [
        "5월 고정"
    ]
    # a bad date is the changelist's "bad filter" answer, not a 500
    bad = client.get(reverse("admin:coupons_promotion_changelist"), {"range_from": "2031-13-45"})
    assert bad.status_code == 302 and "e=1" in bad["Location"]


# -- the target picker's endpoint and the catalog admins' search ------------------------------
def _pick(client, **params):
    return client.get(reverse("admin:coupons_promotion_target_autocomplete"), params)


def test_target_autocomplete_by_type(client, md, goods):
    Exhibition.objects.create(exhibition_no="EX001", exhibition_nm="겨울 시즌오프 기획전")
    Exhibition.objects.create(exhibition_no="EX002", exhibition_nm="신규 브랜드 기획전")
    client.force_login(md)
    by_name = _pick(client, type="02", term="이어폰").json()
    assert [r["text"] for r in by_name["results"]] == [
        f"{2000001 + i} 블루투스 이어폰 {i + 1:03d}" for i in range(0, 25, 4)
    ]
    assert by_name["results"][0]["id"] == "2000001"
    assert [r["id"] for r in _pick(client, type="02", term="200002").json()["results"]] == [
        f"{2000020 + i}" for i in range(6)
    ]
    first = _pick(client, type="02").json()
    assert len(first["results"]) == 20 and first["pagination"] == {"more": True}
    second = _pick(client, type="02", page="2").json()
    assert [r["id"] for r in second["results"]] == [f"{2000021 + i}" for i in range(5)]
    assert second["pagination"] == {"more": False}
    assert _pick(client, type="08", term="브랜드").json()["results"] == [
        {"id": "EX002", "text": "EX002 신규 브랜드 기획전"}
    ]
    assert _pick(client, type="05", term="E1").json()["results"] == [
        {"id": "E100", "text": "E100 (상품 9개)"},
        {"id": "E101", "text": "E101 (상품 8개)"},
        {"id": "E102", "text": "E102 (상품 8개)"},
    ]
    assert [r["text"] for r in _pick(client, type="06").json()["results"]] == [
        "B10 (상품 13개)",
        "B11 (상품 12개)",
    ]
    bad = _pick(client, type="99")
    assert bad.status_code == 400 and bad.json()["code"] == "BAD_TYPE"


def test_target_autocomplete_is_permission_checked(client, goods):
    from django.contrib.auth.models import Permission

    editor = user("editor")  # may edit promotions, may not view goods
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="coupons",
            codename__in=["view_promotion", "change_promotion", "view_exhibition"],
        )
    )
    client.force_login(editor)
    assert _pick(client, type="02", term="이어폰").status_code == 403
    assert _pick(client, type="05").status_code == 403
    assert _pick(client, type="08").status_code == 200
    # Django's own autocomplete (the exhibition's goods picker) says the same
    django_pick = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "coupons", "model_name": "exhibition", "field_name": "goods", "term": "우산"},
    )
    assert django_pick.status_code == 403
    client.force_login(user("cs", "CS agent"))  # views goods, edits no promotion
    assert _pick(client, type="02").status_code == 403
    client.logout()
    assert _pick(client, type="02").status_code == 302  # to the login page


def test_catalog_searches_for_pickers(client, md, goods):
    admin_user = user("boss", superuser=True)
    client.force_login(admin_user)
    pick = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "coupons", "model_name": "exhibition", "field_name": "goods", "term": "커피"},
    ).json()
    assert [r["text"] for r in pick["results"]] == [
        f"{2000002 + i} 원두커피 {i + 2:03d}" for i in range(0, 24, 4)
    ]

    def found(model, q):
        response = client.get(reverse(f"admin:coupons_{model}_changelist"), {"q": q})
        return [str(o.pk) for o in response.context["cl"].result_list]

    assert found("goods", "200001") == [f"{2000010 + i}" for i in range(10)]
    assert len(found("goods", "E101")) == 8
    Member.objects.bulk_create(Member(mbr_no=no, grade_cd="10") for no in ("1001", "1002", "2001"))
    assert found("member", "100") == ["1001", "1002"]


def test_member_page_links_to_their_coupons_and_history(client, md, md2):
    _frozen(md, md2)  # member 100000001 holds one copy
    Member.objects.create(mbr_no="100000002", grade_cd="10")
    client.force_login(md)
    page = client.get(reverse("admin:coupons_member_change", args=["100000001"])).content.decode()
    coupons = re.search(r'<a href="([^"]+)" id="member-coupons-link">', page).group(1)
    history = re.search(r'<a href="([^"]+)" id="member-history-link">', page).group(1)
    listed = client.get(coupons.replace("&amp;", "&"))
    assert [c.member_id for c in listed.context["cl"].result_list] == ["100000001"]
    assert client.get(history).status_code == 200


# -- paste many ----------------------------------------------------------------------------------
def _paste(client, promotion, numbers, typ="02", gb="01"):
    return client.post(
        _change_url(promotion),
        form_data(
            promotion,
            all_goods_yn="",
            promo_nm=promotion.promo_nm,
            paste_aply_gb_cd=gb,
            paste_aply_typ_cd=typ,
            paste_tgt_nos="\r\n".join(numbers),
        ),
    )


def test_paste_many_names_every_unknown_number_and_saves_nothing(client, md, goods):
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    numbers = [g.goods_no for g in goods[:19]] + ["2999999"]
    response = _paste(client, promotion, numbers)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"paste_tgt_nos": ["없는 상품번호 1개: 2999999"]}
    assert promotion.targets.count() == 0
    assert Promotion.objects.get(pk=promotion.pk).all_goods_yn is True  # nothing saved

    # a column pasted from Excel (CR LF, a trailing tab): the known ones become targets
    response = _paste(client, promotion, [g.goods_no + "\t" for g in goods[:20]])
    assert response.status_code == 302, response.context and response.context["errors"]
    assert sorted(promotion.targets.values_list("aply_gb_cd", "aply_typ_cd", "tgt_no")) == [
        ("01", "02", g.goods_no) for g in goods[:20]
    ]
    assert "붙여 넣은 대상 20개를 적용/제외 대상에 더했습니다." in _messages(
        client.get(_change_url(promotion))
    )


def test_paste_many_other_types_and_bad_input(client, md, goods):
    Exhibition.objects.create(exhibition_no="EX001", exhibition_nm="겨울 시즌오프 기획전")
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    response = _paste(client, promotion, ["E100", "E999", "X1"], typ="05")
    assert response.context["adminform"].form.errors == {
        "paste_tgt_nos": ["없는 협력사번호 2개: E999, X1"]
    }
    response = _paste(client, promotion, ["EX001", "상품!"], typ="08")
    assert response.context["adminform"].form.errors == {
        "paste_tgt_nos": ["대상번호가 될 수 없는 값이 1개 있습니다: 상품!"]
    }
    response = _paste(client, promotion, ["2000001"], typ="")
    assert response.context["adminform"].form.errors == {
        "paste_aply_typ_cd": ["붙여 넣은 번호의 적용대상유형을 고르세요."]
    }
    assert promotion.targets.count() == 0
    response = _paste(client, promotion, ["EX001"], typ="08", gb="02")
    assert response.status_code == 302
    assert list(promotion.targets.values_list("aply_gb_cd", "aply_typ_cd", "tgt_no")) == [
        ("02", "08", "EX001")
    ]


def test_paste_many_beside_existing_rows(client, md, goods):
    promotion = services.promotion_create(
        user=md,
        data=promotion_data(all_goods_yn=False),
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": "2000001"}],
    )
    target = promotion.targets.get()
    client.force_login(md)
    rows = {
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "1",
        "targets-0-id": str(target.pk),
        "targets-0-promotion": str(promotion.pk),
        "targets-0-aply_gb_cd": "01",
        "targets-0-aply_typ_cd": "02",
        "targets-0-tgt_no": "2000001",
    }
    data = form_data(
        promotion,
        all_goods_yn="",
        paste_aply_gb_cd="02",
        paste_aply_typ_cd="02",
        paste_tgt_nos="2000001\n2000002",
        **rows,
    )
    # 2000001 is applied already: excluding it too is the duplicate rule's refusal
    response = client.post(_change_url(promotion), data)
    assert response.status_code == 200
    assert "적용대상이 중복되었습니다: 2000001" in response.content.decode()
    assert promotion.targets.count() == 1
    # pasted the same way it is already there: that row, plus the new one
    data["paste_aply_gb_cd"] = "01"
    response = client.post(_change_url(promotion), data)
    assert response.status_code == 302
    assert sorted(promotion.targets.values_list("tgt_no", flat=True)) == ["2000001", "2000002"]


def test_paste_on_an_approved_promotion_is_a_revision(client, md, md2, goods):
    promotion = services.promotion_approve(
        user=md2, promotion=services.promotion_create(user=md, data=promotion_data())
    )
    client.force_login(md)
    local = timezone.localtime
    response = client.post(
        _change_url(promotion),
        form_data(
            promotion,
            all_goods_yn="",
            promo_nm=promotion.promo_nm,
            promo_str_dtm_0=local(promotion.promo_str_dtm).strftime("%Y-%m-%d"),
            promo_str_dtm_1=local(promotion.promo_str_dtm).strftime("%H:%M:%S"),
            promo_end_dtm_0=local(promotion.promo_end_dtm).strftime("%Y-%m-%d"),
            promo_end_dtm_1=local(promotion.promo_end_dtm).strftime("%H:%M:%S"),
            paste_aply_typ_cd="02",
            paste_tgt_nos="2000001\n2000002",
        ),
    )
    assert response.status_code == 302
    revision = PromotionRevision.objects.get()
    assert [t["tgt_no"] for t in revision.targets] == ["2000001", "2000002"]
    assert promotion.targets.count() == 0  # the approved terms keep serving


# -- the revision admin --------------------------------------------------------------------------
def test_revision_page_lists_and_decides(client, md, md2, goods):
    promotion = services.promotion_approve(
        user=md2,
        promotion=services.promotion_create(user=md, data=promotion_data(issu_lmt_qty=100)),
    )
    proposed = Promotion.objects.get(pk=promotion.pk)
    proposed.issu_lmt_qty = 500
    revision = services.promotion_update(
        user=md,
        promotion=proposed,
        data={},
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": "2000004"}],
    )
    url = reverse("admin:coupons_promotionrevision_change", args=[revision.pk])
    client.force_login(md)
    listing = client.get(reverse("admin:coupons_promotionrevision_changelist")).content.decode()
    assert '<span class="badge badge-warn">승인대기</span>' in listing
    assert "총 발급한도, 적용/제외 대상" in listing
    assert (
        f"<title>{promotion.promo_no}의 수정안 #{revision.pk} |" in client.get(url).content.decode()
    )
    page = client.get(url).content.decode()
    assert "적용 상품 2000004 우산 004" in page  # the diff names the goods
    assert "수정안을 작성한 사람은 승인할 수 없습니다." in page and "_approve_revision" not in page
    # the promotion's page links here
    assert url in client.get(_change_url(promotion)).content.decode()

    client.force_login(md2)
    page = client.get(url).content.decode()
    assert 'name="_approve_revision"' in page and 'name="next" value="revision"' in page
    approve = reverse(
        "admin:coupons_promotion_revision_decide", args=[promotion.pk, revision.pk, "approve"]
    )
    response = client.post(approve, {"next": "revision"})
    assert response.status_code == 302 and response["Location"] == url
    assert _messages(client.get(url)) == [f"수정안 #{revision.pk}을(를) 승인해 적용했습니다."]
    promotion.refresh_from_db()
    assert promotion.issu_lmt_qty == 500
    assert list(promotion.targets.values_list("tgt_no", flat=True)) == ["2000004"]
    # decided: no buttons any more; a second approval is refused in one sentence
    assert "_approve_revision" not in client.get(url).content.decode()
    response = client.post(approve, follow=True)
    assert _messages(response) == ["이미 처리된 수정안입니다 (승인)."]


def test_revision_admin_is_read_only(client, md, cs):
    client.force_login(cs)
    assert client.get(reverse("admin:coupons_promotionrevision_changelist")).status_code == 200
    assert client.get(reverse("admin:coupons_promotionrevision_add")).status_code == 403


# -- mirrors -------------------------------------------------------------------------------------
def test_mirrors_section_lists_registered_sources(client, md):
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    page = client.get(_change_url(promotion)).content.decode()
    section = re.search(r'<div id="promotion-mirrors".*?</div>', page, re.S).group(0)
    registered = list(mirrors._SOURCES)
    if not any(m for source in registered for m in source(promotion)):
        assert "연결된 마켓플레이스 프로모션이 없습니다." in section

    def source(p):
        if p.pk == promotion.pk:
            yield mirrors.Mirror(
                kind="쿠팡 즉시할인쿠폰", label="봄 세일 #7", url="/admin/x/7/", status="전송 완료"
            )

    mirrors.register_mirrors(source)
    try:
        page = client.get(_change_url(promotion)).content.decode()
    finally:
        mirrors._SOURCES.remove(source)
    section = re.search(r'<div id="promotion-mirrors".*?</div>', page, re.S).group(0)
    assert (
        '<td class="nowrap">쿠팡 즉시할인쿠폰</td><td><a href="/admin/x/7/">봄 세일 #7</a></td>'
        '<td class="nowrap">전송 완료</td>'
    ) in section
    assert "연결된 마켓플레이스 프로모션이 없습니다." not in section


def test_old_period_links_still_work(client, md):
    services.promotion_create(
        user=md,
        data=promotion_data(
            promo_nm="예정",
            promo_str_dtm=timezone.now() + timedelta(days=3),
            promo_end_dtm=timezone.now() + timedelta(days=9),
        ),
    )
    client.force_login(md)
    assert _listed(client, period="upcoming") == ["예정"]
