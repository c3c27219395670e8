"""Every invalid case of every Coupang and ESM rule, sent through the admin add page (Django's test
client, logged in as a merchandiser) and through the admin REST API: both refuse it on the same
field with the same message, and store nothing."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from marketplaces.coupang import services as coupang_services
from marketplaces.coupang.client import format_kst
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import services as esm_services
from marketplaces.esm.models import EsmSponsorship

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=KST)
START = NOW + timedelta(hours=2)
HELD_ITEM = 3000000999


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def md_client(client, merchandiser):
    client.force_login(merchandiser)
    return client


@pytest.fixture
def api(merchandiser):
    client = APIClient()
    client.force_authenticate(merchandiser)
    return client


def _api_names_back(fields: dict, names: dict) -> dict:
    back = {api: model for model, api in names.items()}
    back["non_field_errors"] = "__all__"
    return {back.get(k, k): v for k, v in fields.items()}


# --- Coupang ------------------------------------------------------------------------------------
def _policy(**kw):
    return {
        "title": "정책",
        "type_of_discount": "PRICE",
        "description": "",
        "minimum_price": 10000,
        "discount": 1000,
        "maximum_discount_price": None,
        "maximum_per_daily": 1,
        **kw,
    }


def _rate(**kw):
    return _policy(
        **{"type_of_discount": "RATE", "discount": 10, "maximum_discount_price": 5000, **kw}
    )


def _coupon(**kw):
    return {
        "title": "다운로드 쿠폰",
        "start_at": START,
        "end_at": START + timedelta(days=7),
        "policies": [_policy()],
        "items": [3000000101, 3000000102],
        **kw,
    }


COUPANG_CASES = {
    "blank title": ({"title": "   "}, "title", "쿠폰명을 입력하세요."),
    "end not after start": ({"end_at": START}, "end_at", "종료 일시는 시작 일시 이후여야 합니다."),
    "start within the hour": (
        {"start_at": NOW + timedelta(minutes=30)},
        "start_at",
        "시작 일시는 지금부터 1시간 이후여야 합니다 (%s 이후)."
        % format_kst(NOW + timedelta(hours=1)),
    ),
    "blank policy title": (
        {"policies": [_policy(title="  ")]},
        "policies",
        "정책 1: 정책명을 입력하세요.",
    ),
    "minimum price not in tens": (
        {"policies": [_policy(minimum_price=10005)]},
        "policies",
        "정책 1: 최소 주문 금액은 10원 단위로 입력하세요.",
    ),
    "fixed discount under 10": (
        {"policies": [_policy(discount=5)]},
        "policies",
        "정책 1: 정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "fixed discount not in tens": (
        {"policies": [_policy(discount=1005)]},
        "policies",
        "정책 1: 정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "rate 0": (
        {"policies": [_rate(discount=0)]},
        "policies",
        "정책 1: 정률 할인은 1~99% 사이의 정수로 입력하세요.",
    ),
    "rate 100": (
        {"policies": [_rate(discount=100)]},
        "policies",
        "정책 1: 정률 할인은 1~99% 사이의 정수로 입력하세요.",
    ),
    "rate without cap": (
        {"policies": [_rate(maximum_discount_price=None)]},
        "policies",
        "정책 1: 정률 할인은 최대 할인 금액이 필요합니다.",
    ),
    "rate cap not in tens": (
        {"policies": [_rate(maximum_discount_price=1005)]},
        "policies",
        "정책 1: 최대 할인 금액은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "per daily 0": (
        {"policies": [_policy(maximum_per_daily=0)]},
        "policies",
        "정책 1: 1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.",
    ),
    "per daily 10000": (
        {"policies": [_policy(maximum_per_daily=10000)]},
        "policies",
        "정책 1: 1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.",
    ),
    "no policy": ({"policies": []}, "policies", "정책은 1~3개여야 합니다 (현재 0개)."),
    "four policies": (
        {"policies": [_policy(minimum_price=n * 10000) for n in (1, 2, 3, 4)]},
        "policies",
        "정책은 1~3개여야 합니다 (현재 4개).",
    ),
    "mixed discount types": (
        {"policies": [_policy(), _rate()]},
        "policies",
        "한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다.",
    ),
    "no items": ({"items": []}, "items", "옵션 ID(vendorItemId)를 하나 이상 입력하세요."),
    "item 0": ({"items": [0]}, "items", "옵션 ID는 양의 정수여야 합니다."),
    "repeated item": (
        {"items": [3000000101, 3000000101]},
        "items",
        "옵션 ID가 중복되었습니다: 3000000101",
    ),
    "item held by another live coupon": (
        {"items": [HELD_ITEM]},
        "items",
        "옵션 %s은(는) 이미 다른 쿠폰(#{held} 다른 쿠폰)에 등록되어 있습니다." % HELD_ITEM,
    ),
}


def _coupang_form(coupon: dict) -> dict:
    start, end = (timezone_kst(coupon[k]) for k in ("start_at", "end_at"))
    data = {
        "title": coupon["title"],
        "contract_id": "",
        "wing_user_id": "",
        "promotion": "",
        "start_at_0": start.strftime("%Y-%m-%d"),
        "start_at_1": start.strftime("%H:%M:%S"),
        "end_at_0": end.strftime("%Y-%m-%d"),
        "end_at_1": end.strftime("%H:%M:%S"),
        "policies-TOTAL_FORMS": str(len(coupon["policies"])),
        "policies-INITIAL_FORMS": "0",
        "policies-MIN_NUM_FORMS": "1",
        "policies-MAX_NUM_FORMS": "3",
        "items-TOTAL_FORMS": str(len(coupon["items"])),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, policy in enumerate(coupon["policies"]):
        row = {"position": i + 1, **policy}
        data.update({f"policies-{i}-{k}": "" if v is None else str(v) for k, v in row.items()})
    for i, item in enumerate(coupon["items"]):
        data[f"items-{i}-vendor_item_id"] = str(item)
    return data


def timezone_kst(value: datetime) -> datetime:
    return value.astimezone(KST)


def _coupang_body(coupon: dict) -> dict:
    return {
        "title": coupon["title"],
        "startDate": coupon["start_at"].isoformat(),
        "endDate": coupon["end_at"].isoformat(),
        "policies": [
            {
                "title": p["title"],
                "typeOfDiscount": p["type_of_discount"],
                "description": p["description"],
                "minimumPrice": p["minimum_price"],
                "discount": p["discount"],
                "maximumDiscountPrice": p["maximum_discount_price"],
                "maximumPerDaily": p["maximum_per_daily"],
            }
            for p in coupon["policies"]
        ],
        "vendorItemIds": coupon["items"],
    }


def _coupang_admin_errors(response) -> dict:
    """The add page's errors as {model field: messages}; a policy row's as the API words them."""
    assert response.status_code == 200, "the admin accepted an invalid coupon"
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for index, form in enumerate(formset.forms):
            for messages in form.errors.values():
                if formset.prefix == "policies":
                    messages = [f"정책 {index + 1}: {m}" for m in messages]
                errors.setdefault(formset.prefix, []).extend(messages)
        if formset.non_form_errors():
            errors.setdefault(formset.prefix, []).extend(formset.non_form_errors())
    return errors


@pytest.mark.parametrize("case", COUPANG_CASES, ids=list(COUPANG_CASES))
def test_coupang_rules_refuse_alike_in_the_admin_and_the_api(
    case, frozen, md_client, api, merchandiser
):
    change, field, message = COUPANG_CASES[case]
    held = coupang_services.coupang_coupon_create(
        user=merchandiser,
        title="다른 쿠폰",
        start_at=START,
        end_at=START + timedelta(days=1),
        policies=[_policy()],
        vendor_item_ids=[HELD_ITEM],
    )
    expected = {field: [message.replace("{held}", str(held.pk))]}
    coupon = _coupon(**change)

    admin = _coupang_admin_errors(
        md_client.post(reverse("admin:marketplaces_coupangcoupon_add"), _coupang_form(coupon))
    )
    response = api.post("/api/v1/admin/coupang/coupons/", _coupang_body(coupon), format="json")

    assert response.status_code == 400, response.json()
    assert admin == expected
    assert _api_names_back(response.json()["fields"], coupang_services.API_FIELD_NAMES) == expected
    assert list(CoupangCoupon.objects.all()) == [held]


# --- ESM ----------------------------------------------------------------------------------------
GOODS = "1158387297"


def _sponsorship(**kw):
    return {
        "goods_no": GOODS,
        "gmkt_is_use": True,
        "gmkt_amount": 1000,
        "gmkt_max_amount": 100000,
        "gmkt_field": 1,
        "gmkt_start_date": date(2026, 12, 1),
        "gmkt_end_date": date(2026, 12, 31),
        "iac_is_use": True,
        "iac_start_date": date(2026, 12, 1),
        "iac_end_date": date(2027, 1, 31),
        **kw,
    }


ESM_CASES = {
    "goods number with a leading 0": (
        {"goods_no": "0158387297"},
        "goods_no",
        "상품번호는 0으로 시작하지 않는 숫자여야 합니다.",
    ),
    "goods number not a number": (
        {"goods_no": "abc"},
        "goods_no",
        "상품번호는 0으로 시작하지 않는 숫자여야 합니다.",
    ),
    "no amount": ({"gmkt_amount": None}, "gmkt_amount", "후원금액을 입력하세요."),
    "no cap": ({"gmkt_max_amount": None}, "gmkt_max_amount", "누적적립한도액을 입력하세요."),
    "no field": ({"gmkt_field": None}, "gmkt_field", "후원분야를 선택하세요."),
    "no Gmarket start": ({"gmkt_start_date": None}, "gmkt_start_date", "후원 시작일을 입력하세요."),
    "no Gmarket end": ({"gmkt_end_date": None}, "gmkt_end_date", "후원 종료일을 입력하세요."),
    "no Auction start": ({"iac_start_date": None}, "iac_start_date", "나눔 시작일을 입력하세요."),
    "no Auction end": ({"iac_end_date": None}, "iac_end_date", "나눔 종료일을 입력하세요."),
    "amount under 100": ({"gmkt_amount": 50}, "gmkt_amount", "후원금액은 100원 이상이어야 합니다."),
    "cap under 10,000": (
        {"gmkt_max_amount": 5000},
        "gmkt_max_amount",
        "누적적립한도액은 10,000원 이상이어야 합니다.",
    ),
    "field 7": ({"gmkt_field": 7}, "gmkt_field", "후원분야는 1~6 중 하나여야 합니다."),
    "Gmarket end before start": (
        {"gmkt_end_date": date(2026, 11, 30)},
        "gmkt_end_date",
        "후원 종료일은 시작일과 같거나 이후여야 합니다.",
    ),
    "Auction end before start": (
        {"iac_end_date": date(2026, 11, 30)},
        "iac_end_date",
        "나눔 종료일은 시작일과 같거나 이후여야 합니다.",
    ),
    "amount above 80 % of the price": (
        {"gmkt_amount": 900},
        "gmkt_amount",
        "후원금액 900원이 G마켓 판매가 1,000원(2026-06-01 10:00 조회)의 80%인 800원을 넘습니다.",
    ),
    "nothing in use": (
        {"gmkt_is_use": False, "iac_is_use": False},
        "__all__",
        "G마켓 후원쇼핑과 옥션 나눔쇼핑 중 하나 이상을 사용하세요.",
    ),
}


def _esm_form(s: dict) -> dict:
    data = {}
    for name, value in s.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    return data


def _esm_body(s: dict) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {
        "goodsNo": s["goods_no"],
        "gmarket": {
            "isUse": s["gmkt_is_use"],
            "amount": s["gmkt_amount"],
            "maxAmount": s["gmkt_max_amount"],
            "field": s["gmkt_field"],
            "startDate": day(s["gmkt_start_date"]),
            "endDate": day(s["gmkt_end_date"]),
        },
        "auction": {
            "isUse": s["iac_is_use"],
            "startDate": day(s["iac_start_date"]),
            "endDate": day(s["iac_end_date"]),
        },
    }


@pytest.mark.parametrize("case", ESM_CASES, ids=list(ESM_CASES))
def test_esm_rules_refuse_alike_in_the_admin_and_the_api(case, frozen, sandbox, md_client, api):
    change, field, message = ESM_CASES[case]
    sandbox_esm.set_price(sandbox.state, GOODS, 1000)
    sponsorship = _sponsorship(**change)

    page = md_client.post(reverse("admin:marketplaces_esmsponsorship_add"), _esm_form(sponsorship))
    response = api.post("/api/v1/admin/esm/sponsorships/", _esm_body(sponsorship), format="json")

    assert page.status_code == 200, "the admin accepted an invalid sponsorship"
    admin = {k: list(v) for k, v in page.context["adminform"].form.errors.items()}
    assert response.status_code == 400, response.json()
    assert admin == {field: [message]}
    assert _api_names_back(response.json()["fields"], esm_services.API_FIELD_NAMES) == {
        field: [message]
    }
    assert EsmSponsorship.objects.count() == 0
    assert sandbox_esm.stored(sandbox.state, GOODS) is None
