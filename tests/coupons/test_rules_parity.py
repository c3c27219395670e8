"""The admin form and the admin REST API enforce every SPEC §3 rule the same way: each invalid case
goes through the Promotion admin add page (Django's test client, a merchandiser) and through
POST /api/v1/admin/promotions/, and both refuse it on the same field with the same message.

A case is written once, in service field names; `admin_post` and `api_body` encode it for each
side, and the admin's field names are mapped to the API's with the one mapping (api/names.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coupons import codes, rules, services
from coupons.api.names import api_name
from coupons.models import CommonCode, Member, MemberCoupon, Promotion
from tests.coupons.api.conftest import token_client
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db

T, Iss, W, K, V = (
    codes.PromoType,
    codes.Issuer,
    codes.IssueMethod,
    codes.DiscountKind,
    codes.ValidityBasis,
)
API = "/api/v1/admin/promotions/"
AUTO = {
    "cpn_issu_main_cd": Iss.AUTO,
    "cpn_issu_way_cd": W.AUTO,
    "auto_issu_typ_cd": "2101",
    "auto_issu_potm_cd": "10",
    "auto_issu_qty": 1,
}
NOW = timezone.now()
FIXED = {"vali_basis_cd": V.FIXED, "vali_days": None}


def base_data(**overrides) -> dict:
    """A valid promotion in service names, with every field the admin form posts."""
    data = promotion_data(
        min_buy_qty=1,
        max_dc_amt=None,
        issu_lmt_qty=None,
        grade_cds=[],
        upr_grade_aply_yn=False,
        site_nos=[],
        all_goods_yn=True,
        dc_cpn_cd=None,
        vali_strt_dtm=None,
        vali_end_dtm=None,
        weekdays=[],
        time_from=None,
        time_to=None,
        auto_issu_typ_cd="",
        auto_issu_potm_cd="",
        anvy_pre_isu_dds=None,
        auto_issu_qty=None,
    )
    data.update(overrides)
    return data


def admin_post(data: dict, targets: list[dict]) -> dict:
    """The admin add form's POST body for `data` (split date/time, check boxes, site text)."""
    out = {}
    for field, value in data.items():
        if isinstance(value, datetime):
            local = timezone.localtime(value)
            out[f"{field}_0"], out[f"{field}_1"] = (
                local.strftime("%Y-%m-%d"),
                local.strftime("%H:%M:%S"),
            )
        elif isinstance(value, bool):
            if value:
                out[field] = "on"
        elif isinstance(value, time):
            out[field] = value.strftime("%H:%M")
        elif field == "site_nos":
            out[field] = ",".join(value)
        elif isinstance(value, list):
            out[field] = [str(v) for v in value]
        else:
            out[field] = "" if value is None else str(value)
    out.update(
        {
            "targets-TOTAL_FORMS": str(len(targets)),
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
        }
    )
    for i, t in enumerate(targets):
        for field, value in t.items():
            out[f"targets-{i}-{field}"] = value
    return out


def api_body(data: dict, targets: list[dict]) -> dict:
    """The REST body for `data`: each field under its API name."""
    body = {}
    for field, value in data.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, time):
            value = value.strftime("%H:%M")
        body[api_name(field)] = value
    body[api_name("targets")] = [{api_name(k): v for k, v in t.items()} for t in targets]
    return body


def admin_errors(response) -> dict[str, list[str]]:
    """The admin page's errors by API name: the form's fields and the targets inline."""
    assert response.status_code == 200, "the admin must refuse the form, not save it"
    errors = {
        api_name(field): [str(m) for m in messages]
        for field, messages in response.context["adminform"].form.errors.items()
    }
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        if formset.non_form_errors():
            errors[api_name(formset.prefix)] = [str(m) for m in formset.non_form_errors()]
    return errors


def api_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["fields"]


def _setup_code_taken(md):
    services.promotion_create(
        user=md, data=promotion_data(cpn_issu_way_cd=W.CODE, dc_cpn_cd="SPRING2026")
    )


def _setup_type_not_in_use(md):
    CommonCode.objects.filter(group="MK008", code="2101").update(in_use=False)


TARGET = {"aply_gb_cd": codes.ApplyKind.APPLY, "aply_typ_cd": codes.TargetType.GOODS}

# (case, overrides, targets, setup, field, message) — every invalid case of SPEC §3 rules 1–7,
# plus the eligibility and limit rules that sit beside them.
CASES = [
    # rule 1
    ("1 kind chosen", {"fix_amt_fxrt_gb_cd": ""}, [], None, "fix_amt_fxrt_gb_cd", "정액 또는 정률을 선택하세요."),
    ("1 amount positive", {"dc_rate_amt": 0}, [], None, "dc_rate_amt", "정액 할인금액은 0보다 커야 합니다."),
    ("1 amount multiple of 10", {"dc_rate_amt": 1005}, [], None, "dc_rate_amt", "정액 할인금액은 10원 단위여야 합니다."),
    ("1 rate 1-99", {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 100}, [], None, "dc_rate_amt", "정률 할인율은 1~99% 사이여야 합니다."),
    ("1 rate at least 1", {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 0}, [], None, "dc_rate_amt", "정률 할인율은 1~99% 사이여야 합니다."),
    ("1 max only with rate", {"max_dc_amt": 1000}, [], None, "max_dc_amt", "최대할인금액은 정률 할인에만 설정할 수 있습니다."),
    ("1 max multiple of 10", {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 10, "max_dc_amt": 1005}, [], None, "max_dc_amt", "최대할인금액은 10원 단위의 양수여야 합니다."),
    ("1 max positive", {"fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": 10, "max_dc_amt": 0}, [], None, "max_dc_amt", "최대할인금액은 10원 단위의 양수여야 합니다."),
    ("1 min buy >= amount", {"dc_rate_amt": 5000, "min_buy_amt": 4990}, [], None, "min_buy_amt", "정액 할인이면 최소구매금액이 할인금액 이상이어야 합니다."),
    # rule 2
    ("2 free shipping no amount", {"promo_typ_cd": T.FREE_SHIPPING, "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": 1000}, [], None, "dc_rate_amt", "무료배송/무료반품 쿠폰에는 할인금액이나 할인율을 둘 수 없습니다."),
    ("2 free return no kind", {"promo_typ_cd": T.FREE_RETURN, "fix_amt_fxrt_gb_cd": K.RATE, "dc_rate_amt": None}, [], None, "fix_amt_fxrt_gb_cd", "무료배송/무료반품 쿠폰에는 정액/정률 구분을 둘 수 없습니다."),
    ("2 free shipping no cap", {"promo_typ_cd": T.FREE_SHIPPING, "fix_amt_fxrt_gb_cd": "", "dc_rate_amt": None, "max_dc_amt": 1000}, [], None, "max_dc_amt", "무료배송/무료반품 쿠폰에는 최대할인금액을 둘 수 없습니다."),
    # rule 3
    ("3 split sums to 100", {"our_chrg_rate": 60, "entr_chrg_rate": 30}, [], None, "entr_chrg_rate", "당사부담율과 협력사부담율의 합은 100이어야 합니다."),
    ("3 each 0-100", {"our_chrg_rate": 120, "entr_chrg_rate": 0}, [], None, "our_chrg_rate", "부담율은 0~100 사이여야 합니다."),
    # rule 4
    ("4 period ordered", {"promo_end_dtm": NOW - timedelta(days=2)}, [], None, "promo_end_dtm", "프로모션 종료일시는 시작일시 이후여야 합니다."),
    ("4 fixed validity start", {**FIXED, "vali_end_dtm": NOW + timedelta(days=3)}, [], None, "vali_strt_dtm", "유효기간 시작일시를 입력하세요."),
    ("4 fixed validity end", {**FIXED, "vali_strt_dtm": NOW}, [], None, "vali_end_dtm", "유효기간 종료일시를 입력하세요."),
    ("4 validity ordered", {**FIXED, "vali_strt_dtm": NOW, "vali_end_dtm": NOW - timedelta(hours=1)}, [], None, "vali_end_dtm", "쿠폰 유효기간 종료일시는 시작일시 이후여야 합니다."),
    ("4 fixed validity no days", {"vali_basis_cd": V.FIXED, "vali_days": 3, "vali_strt_dtm": NOW, "vali_end_dtm": NOW + timedelta(days=3)}, [], None, "vali_days", "기간 지정 유효기간에는 유효일수를 둘 수 없습니다."),
    ("4 days 1-365", {"vali_days": 366}, [], None, "vali_days", "유효일수는 1~365일이어야 합니다."),
    ("4 days at least 1", {"vali_days": 0}, [], None, "vali_days", "유효일수는 1~365일이어야 합니다."),
    ("4 days no window", {"vali_strt_dtm": NOW}, [], None, "vali_strt_dtm", "발급일 기준 유효기간에는 유효기간 일시를 둘 수 없습니다."),
    ("4 time window both ends", {"time_from": time(9, 0)}, [], None, "time_to", "사용 시각은 시작과 종료를 함께 입력하세요."),
    ("4 time window ordered", {"time_from": time(18, 0), "time_to": time(9, 0)}, [], None, "time_to", "사용 종료 시각은 시작 시각 이후여야 합니다."),
    # rule 5
    ("5 code required", {"cpn_issu_way_cd": W.CODE}, [], None, "dc_cpn_cd", "할인쿠폰코드 발급에는 할인쿠폰코드가 필요합니다."),
    ("5 code pattern", {"cpn_issu_way_cd": W.CODE, "dc_cpn_cd": "ab-12"}, [], None, "dc_cpn_cd", "할인쿠폰코드는 영문 대문자와 숫자 4~20자입니다."),
    ("5 code only for 04", {"dc_cpn_cd": "SPRING2026"}, [], None, "dc_cpn_cd", "할인쿠폰코드는 할인쿠폰코드 발급(04) 방식에만 입력합니다."),
    ("5 code unique", {"cpn_issu_way_cd": W.CODE, "dc_cpn_cd": "spring2026"}, [], _setup_code_taken, "dc_cpn_cd", "이미 다른 프로모션이 쓰는 할인쿠폰코드입니다."),
    # rule 6
    ("6 type required", {**AUTO, "auto_issu_typ_cd": ""}, [], None, "auto_issu_typ_cd", "조건부 자동발급에는 자동발급유형이 필요합니다."),
    ("6 type in use (unknown)", {**AUTO, "auto_issu_typ_cd": "9999"}, [], None, "auto_issu_typ_cd", "사용 중인 자동발급유형(MK008) 코드가 아닙니다."),
    ("6 type in use (retired)", AUTO, [], _setup_type_not_in_use, "auto_issu_typ_cd", "사용 중인 자동발급유형(MK008) 코드가 아닙니다."),
    ("6 qty >= 1", {**AUTO, "auto_issu_qty": 0}, [], None, "auto_issu_qty", "자동발급수량은 1 이상이어야 합니다."),
    ("6 timing required", {**AUTO, "auto_issu_potm_cd": ""}, [], None, "auto_issu_potm_cd", "자동발급시점을 선택하세요."),
    ("6 pre-issue days 1-30", {**AUTO, "auto_issu_potm_cd": "20", "anvy_pre_isu_dds": 31}, [], None, "anvy_pre_isu_dds", "사전발급일수는 1~30일이어야 합니다."),
    ("6 pre-issue days given", {**AUTO, "auto_issu_potm_cd": "20"}, [], None, "anvy_pre_isu_dds", "사전발급일수는 1~30일이어야 합니다."),
    ("6 pre-issue days only for 20", {**AUTO, "anvy_pre_isu_dds": 5}, [], None, "anvy_pre_isu_dds", "사전발급일수는 자동발급시점이 사전 발급(20)일 때만 입력합니다."),
    ("6 auto fields only for 02", {"auto_issu_qty": 1}, [], None, "auto_issu_qty", "자동발급 항목은 조건부 자동발급(02) 방식에만 입력합니다."),
    # rule 7
    ("7 CS only targeted", {"cpn_issu_main_cd": Iss.CS, "cpn_issu_way_cd": W.DOWNLOAD}, [], None, "cpn_issu_way_cd", "CS보상쿠폰은 대상자지정발급(01)으로만 발급합니다."),
    ("7 download only fixed issuer", {"cpn_issu_main_cd": Iss.AUTO, "cpn_issu_way_cd": W.DOWNLOAD}, [], None, "cpn_issu_way_cd", "고객다운로드(03)와 할인쿠폰코드(04) 발급은 고정판촉쿠폰에만 쓸 수 있습니다."),
    ("7 code only fixed issuer", {"cpn_issu_main_cd": Iss.AUTO, "cpn_issu_way_cd": W.CODE, "dc_cpn_cd": "AUTO2026"}, [], None, "cpn_issu_way_cd", "고객다운로드(03)와 할인쿠폰코드(04) 발급은 고정판촉쿠폰에만 쓸 수 있습니다."),
    # eligibility, limits, targets
    ("media at least one", {"ord_media_cds": []}, [], None, "ord_media_cds", "주문매체를 하나 이상 선택하세요."),
    ("site numbers are numbers", {"site_nos": ["1", "abc"]}, [], None, "site_nos", "사이트번호는 숫자여야 합니다: abc"),
    ("member limit >= 1", {"mbr_issu_lmt_qty": 0}, [], None, "mbr_issu_lmt_qty", "회원당 발급한도는 1 이상이어야 합니다."),
    ("targets distinct", {"all_goods_yn": False}, [{**TARGET, "tgt_no": "G1"}, {**TARGET, "aply_gb_cd": codes.ApplyKind.EXCLUDE, "tgt_no": "G1"}], None, "targets", "적용대상이 중복되었습니다: G1"),
]  # fmt: skip


@pytest.fixture
def md():
    return user("md", "Merchandiser")


@pytest.mark.parametrize(
    "case,overrides,targets,setup,field,message", CASES, ids=[c[0] for c in CASES]
)
def test_admin_and_api_refuse_alike(client, md, case, overrides, targets, setup, field, message):
    if setup:
        setup(user("setup", "Merchandiser"))
    before = Promotion.objects.count()
    data = base_data(**overrides)
    client.force_login(md)

    on_admin = admin_errors(
        client.post(reverse("admin:coupons_promotion_add"), admin_post(data, targets))
    )
    on_api = api_errors(token_client(md).post(API, api_body(data, targets), format="json"))

    key = api_name(field)
    assert message in on_admin.get(key, []), on_admin
    assert message in on_api.get(key, []), on_api
    assert on_admin[key] == on_api[key]
    assert Promotion.objects.count() == before, "a refused promotion must not be stored"


def test_every_one_row_rule_has_a_parity_case():
    """Each one-row rule of coupons.rules is refused at least once above (by its message)."""
    messages = {c[5] for c in CASES}
    for rule in rules.ONE_ROW_RULES:
        if rule is rules.limit_covers_issued:
            continue  # not reachable from input: a new promotion has issued nothing
        assert rule.__name__ and any(message in messages for message in _messages_of(rule)), (
            rule.__name__
        )


def _messages_of(rule) -> set[str]:
    """The messages a rule can give, read by running it on the failing cases."""
    found = set()
    for _case, overrides, *_rest in CASES:
        probe = Promotion(**base_data(**overrides))
        found |= {str(m) for _f, m in rule(probe)}
    return found


def test_lowercase_code_is_stored_upper_by_both(client, md):
    """A merchandiser's `spring2031` is the code SPRING2031, in the admin and in the API."""
    client.force_login(md)
    data = base_data(cpn_issu_way_cd=W.CODE, dc_cpn_cd="spring2031")
    response = client.post(reverse("admin:coupons_promotion_add"), admin_post(data, []))
    assert response.status_code == 302
    assert Promotion.objects.get().dc_cpn_cd == "SPRING2031"
    data["dc_cpn_cd"] = " spring2032 "
    response = token_client(md).post(API, api_body(data, []), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["dcCpnCd"] == "SPRING2032"
    assert sorted(Promotion.objects.values_list("dc_cpn_cd", flat=True)) == [
        "SPRING2031",
        "SPRING2032",
    ]


def test_rule9_self_approval_refused_alike(client, md):
    """Rule 9: the last editor cannot approve — the admin action and the API say the same."""
    promotion = services.promotion_create(user=md, data=promotion_data())
    client.force_login(md)
    response = client.post(
        reverse("admin:coupons_promotion_changelist"),
        {"action": "approve", "_selected_action": [promotion.pk]},
        follow=True,
    )
    (shown,) = [str(m) for m in response.context["messages"]]
    r = token_client(md).post(f"{API}{promotion.promo_no}/approve/")
    assert r.status_code == 400 and r.json()["code"] == "SELF_APPROVAL"
    assert r.json()["message"] in shown
    (field_message,) = r.json()["fields"][api_name("approved_by")]
    assert field_message in shown
    assert Promotion.objects.get(pk=promotion.pk).promo_stat_cd == codes.PromoStatus.DRAFT


def test_rule8_frozen_terms_refused_alike(client, md):
    """Rule 8: once issued, the admin no longer offers the terms and the API refuses them."""
    promotion = services.promotion_create(user=md, data=promotion_data())
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
    url = reverse("admin:coupons_promotion_change", args=[promotion.pk])
    assert "dc_rate_amt" not in client.get(url).context["adminform"].form.fields
    r = token_client(md).patch(
        f"{API}{promotion.promo_no}/", {api_name("dc_rate_amt"): 2000}, format="json"
    )
    assert r.json()["fields"][api_name("dc_rate_amt")] == [str(rules.FROZEN_MESSAGE)]
    assert Promotion.objects.get(pk=promotion.pk).dc_rate_amt == 1000
