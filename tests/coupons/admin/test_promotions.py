"""The merchandiser's promotion admin, through Django's test client and the real admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coupons import codes
from coupons.models import Member, MemberCoupon, Promotion
from coupons.services import promotion_create
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db


def form_data(promotion: Promotion | None = None, **overrides) -> dict:
    now = timezone.localtime()
    fmt = lambda d: (d.strftime("%Y-%m-%d"), d.strftime("%H:%M:%S"))  # noqa: E731
    start, end = fmt(now - timedelta(days=1)), fmt(now + timedelta(days=30))
    data = {
        "promo_nm": "관리자 화면 쿠폰",
        "promo_typ_cd": "11",
        "cpn_issu_main_cd": "10",
        "cpn_issu_way_cd": "03",
        "promo_str_dtm_0": start[0],
        "promo_str_dtm_1": start[1],
        "promo_end_dtm_0": end[0],
        "promo_end_dtm_1": end[1],
        "fix_amt_fxrt_gb_cd": "01",
        "dc_rate_amt": "1000",
        "min_buy_amt": "10000",
        "min_buy_qty": "1",
        "max_dc_amt": "",
        "our_chrg_rate": "100",
        "entr_chrg_rate": "0",
        "ord_media_cds": ["20", "30"],
        "site_nos": "",
        "all_goods_yn": "on",
        "issu_lmt_qty": "100",
        "mbr_issu_lmt_qty": "1",
        "dc_cpn_cd": "",
        "vali_basis_cd": "02",
        "vali_days": "30",
        "vali_strt_dtm_0": "",
        "vali_strt_dtm_1": "",
        "vali_end_dtm_0": "",
        "vali_end_dtm_1": "",
        "time_from": "",
        "time_to": "",
        "auto_issu_typ_cd": "",
        "auto_issu_potm_cd": "",
        "anvy_pre_isu_dds": "",
        "auto_issu_qty": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    if promotion is not None:
        data["targets-INITIAL_FORMS"] = str(promotion.targets.count())
    data.update(overrides)
    return data


@pytest.fixture
def md(client):
    return user("md", "Merchandiser")


def test_merchandiser_creates_promotion_with_target(client, md):
    client.force_login(md)
    data = form_data(
        **{
            "all_goods_yn": "",
            "targets-TOTAL_FORMS": "1",
            "targets-0-aply_gb_cd": "01",
            "targets-0-aply_typ_cd": "08",
            "targets-0-tgt_no": "EX001",
        }
    )
    response = client.post(reverse("admin:coupons_promotion_add"), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    promotion = Promotion.objects.get()
    assert (
        promotion.promo_no == "C1000000"
        and promotion.created_by == md
        and promotion.updated_by == md
    )
    assert list(promotion.targets.values_list("aply_gb_cd", "aply_typ_cd", "tgt_no")) == [
        ("01", "08", "EX001")
    ]
    assert promotion.ord_media_cds == ["20", "30"]


def test_admin_shows_rule_error_on_the_field(client, md):
    client.force_login(md)
    response = client.post(
        reverse("admin:coupons_promotion_add"),
        form_data(dc_rate_amt="1005", our_chrg_rate="70", entr_chrg_rate="20"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["dc_rate_amt"] == ["정액 할인금액은 10원 단위여야 합니다."]
    assert errors["entr_chrg_rate"] == ["당사부담율과 협력사부담율의 합은 100이어야 합니다."]
    assert Promotion.objects.count() == 0


def test_admin_shows_context_rule_on_field(client, md):
    client.force_login(md)
    data = form_data(
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="20",
        anvy_pre_isu_dds="45",
        auto_issu_qty="1",
    )
    response = client.post(reverse("admin:coupons_promotion_add"), data)
    assert response.context["adminform"].form.errors["anvy_pre_isu_dds"] == [
        "사전발급일수는 1~30일이어야 합니다."
    ]


def test_merchandiser_edits_and_cs_agent_is_refused(client, md):
    promotion = promotion_create(user=md, data=promotion_data())
    url = reverse("admin:coupons_promotion_change", args=[promotion.pk])

    cs = user("cs", "CS agent")
    client.force_login(cs)
    page = client.get(url)
    assert (
        page.status_code == 200 and b'name="_save"' not in page.content
    )  # view only, no form to submit
    refused = client.post(url, form_data(promotion, promo_nm="CS가 바꾼 이름"))
    assert refused.status_code == 403
    assert client.get(reverse("admin:coupons_promotion_add")).status_code == 403
    assert Promotion.objects.get(pk=promotion.pk).promo_nm == "테스트 쿠폰"

    client.force_login(md)
    page = client.get(url)
    assert b'name="_save"' in page.content
    response = client.post(url, form_data(promotion, promo_nm="MD가 바꾼 이름", dc_rate_amt="2000"))
    assert response.status_code == 302
    promotion.refresh_from_db()
    assert (promotion.promo_nm, promotion.dc_rate_amt, promotion.updated_by) == (
        "MD가 바꾼 이름",
        2000,
        md,
    )


def test_approve_action_enforces_four_eyes(client, md):
    promotion = promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    changelist = reverse("admin:coupons_promotion_changelist")
    response = client.post(
        changelist, {"action": "approve", "_selected_action": [promotion.pk]}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("마지막으로 수정한 사람은 승인할 수 없습니다" in m for m in messages), messages
    assert Promotion.objects.get(pk=promotion.pk).promo_stat_cd == "DRAFT"

    other = user("md2", "Merchandiser")
    client.force_login(other)
    response = client.post(
        changelist, {"action": "approve", "_selected_action": [promotion.pk]}, follow=True
    )
    assert "1건을 승인했습니다." in [str(m) for m in response.context["messages"]]
    promotion.refresh_from_db()
    assert promotion.promo_stat_cd == "APPROVED" and promotion.approved_by == other


def test_cs_agent_has_no_approve_or_copy_actions(client, md):
    client.force_login(user("cs", "CS agent"))
    response = client.get(reverse("admin:coupons_promotion_changelist"))
    assert response.status_code == 200
    # Every promotion action needs approve or add permission: a CS agent gets no action form at all.
    assert response.context["action_form"] is None
    assert set(response.context["cl"].model_admin.get_actions(response.wsgi_request)) == set()


def test_issued_promotion_terms_read_only_and_copy_offered(client, md):
    promotion = promotion_create(user=md, data=promotion_data())
    member = Member.objects.create(mbr_no="1", grade_cd="10")
    now = timezone.now()
    MemberCoupon.objects.create(
        member=member,
        promotion=promotion,
        issued_at=now,
        valid_from=now,
        valid_until=now + timedelta(days=1),
        channel=codes.Channel.BO,
    )
    client.force_login(md)
    page = client.get(reverse("admin:coupons_promotion_change", args=[promotion.pk]))
    form_fields = page.context["adminform"].form.fields
    assert "dc_rate_amt" not in form_fields and "promo_nm" in form_fields
    response = client.post(
        reverse("admin:coupons_promotion_changelist"),
        {"action": "copy_as_new", "_selected_action": [promotion.pk]},
        follow=True,
    )
    copy = Promotion.objects.exclude(pk=promotion.pk).get()
    assert copy.copied_from_id == promotion.pk
    assert any(copy.promo_no in str(m) for m in response.context["messages"])


def test_changelist_columns_search_and_cost_split(client, md):
    promotion = promotion_create(
        user=md,
        data=promotion_data(
            fix_amt_fxrt_gb_cd="02",
            dc_rate_amt=10,
            max_dc_amt=3000,
            min_buy_amt=0,
            our_chrg_rate=60,
            entr_chrg_rate=40,
            issu_lmt_qty=50,
        ),
    )
    promotion_create(user=md, data=promotion_data(promo_nm="다른 쿠폰"))
    client.force_login(md)
    response = client.get(reverse("admin:coupons_promotion_changelist"), {"q": promotion.promo_no})
    assert [p.pk for p in response.context["cl"].result_list] == [promotion.pk]
    assert '<span class="num">0 /</span> <span class="num">50</span>' in response.content.decode()
    page = client.get(
        reverse("admin:coupons_promotion_change", args=[promotion.pk])
    ).content.decode()
    # 50,000 KRW sample: 10 % = 5,000 capped at 3,000; 60 % ours = 1,800, vendor 1,200.
    assert (
        '<td class="money">50,000원</td><td class="money">3,000원</td>'
        '<td class="money">1,800원</td><td class="money">1,200원</td>'
    ) in page


def test_admin_is_korean_by_default(client, md):
    client.force_login(md)
    page = client.get(reverse("admin:index")).content.decode()
    assert "프로모션 관리" in page and "프로모션(쿠폰)" in page


def test_english_is_available_from_the_language_switch(client, md):
    """Korean whatever the browser asks; English once the user picks it (compiled catalog)."""
    client.force_login(md)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "프로모션 관리" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    page = client.get(reverse("admin:index")).content.decode()
    assert "Promotion Management" in page and "프로모션 관리" not in page
