"""Every documented instant-coupon rule refused locally, in its words, with nothing sent; and the
database refusing the rows the rules keep out."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from backoffice.errors import DomainError
from marketplaces.coupang.client import InstantCouponClient
from marketplaces.coupang.instant import (
    coupang_instant_add_items,
    coupang_instant_create,
    coupang_instant_expire,
    coupang_instant_push,
)
from marketplaces.coupang.models import CoupangInstantCoupon, CoupangInstantCouponItem
from marketplaces.models import HttpExchange
from tests.marketplaces.coupang import test_instant_push as push

pytestmark = pytest.mark.django_db
make_instant = push.make_instant
instant_kwargs = push.instant_kwargs

RULES = {
    "blank name": ({"name": "  "}, "name", "쿠폰명을 입력하세요."),
    "name of 46": ({"name": "가" * 46}, "name", "쿠폰명은 45자 이내로 입력하세요 (현재 46자)."),
    "unknown type": (
        {"type": "BOGO"},
        "type",
        "할인 유형은 RATE, PRICE, FIXED_WITH_QUANTITY 중 하나여야 합니다.",
    ),
    "rate 0": ({"discount": 0}, "discount", "정률 할인은 1~99% 사이의 정수로 입력하세요."),
    "rate 100": ({"discount": 100}, "discount", "정률 할인은 1~99% 사이의 정수로 입력하세요."),
    "price 5": (
        {"type": "PRICE", "discount": 5},
        "discount",
        "정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "price 1005": (
        {"type": "PRICE", "discount": 1005},
        "discount",
        "정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "fixed with quantity 15": (
        {"type": "FIXED_WITH_QUANTITY", "discount": 15},
        "discount",
        "정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "max discount 9": (
        {"max_discount_price": 9},
        "max_discount_price",
        "최대 할인 금액은 10원 이상이어야 합니다.",
    ),
    "end before start": ("end_before_start", "end_at", "종료 일시는 시작 일시 이후여야 합니다."),
    "repeated option": (
        {"vendor_item_ids": [7, 8, 7]},
        "items",
        "옵션 ID가 중복되었습니다: 7",
    ),
    "option 0": ({"vendor_item_ids": [0, 8]}, "items", "옵션 ID는 양의 정수여야 합니다."),
}


def received(sandbox):
    return [r for r in sandbox.requests("coupang")]


@pytest.mark.parametrize("case", RULES.values(), ids=RULES.keys())
def test_each_rule_is_refused_locally_with_nothing_sent(sandbox, merchandiser, case):
    change, field, message = case
    if change == "end_before_start":
        start = timezone.now() + timedelta(hours=2)
        change = {"start_at": start, "end_at": start - timedelta(minutes=1)}

    with pytest.raises(ValidationError) as refused:
        coupang_instant_create(user=merchandiser, **instant_kwargs(**change))

    assert refused.value.message_dict[field] == [message]
    assert CoupangInstantCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0
    assert received(sandbox) == []


def test_a_start_that_has_passed_is_refused_at_push_with_nothing_sent(
    sandbox, make_instant, merchandiser
):
    coupon = make_instant()
    CoupangInstantCoupon.objects.filter(pk=coupon.pk).update(
        start_at=timezone.now() - timedelta(minutes=5)
    )
    coupon.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        coupang_instant_push(coupon=coupon, user=merchandiser)

    [message] = refused.value.message_dict["start_at"]
    assert message.startswith("시작 일시가 이미 지났습니다 (")
    coupon.refresh_from_db()
    assert coupon.local_status == "DRAFT"
    assert HttpExchange.objects.count() == 0 and received(sandbox) == []


def test_a_coupon_without_options_is_not_pushed(sandbox, make_instant, merchandiser):
    coupon = make_instant(vendor_item_ids=[])
    with pytest.raises(ValidationError) as refused:
        coupang_instant_push(coupon=coupon, user=merchandiser)
    assert refused.value.message_dict["items"] == ["옵션 ID(vendorItemId)를 하나 이상 입력하세요."]
    assert HttpExchange.objects.count() == 0 and received(sandbox) == []


def test_more_than_10000_options_in_one_call_are_refused_by_the_client_with_nothing_sent(sandbox):
    client = InstantCouponClient()
    with pytest.raises(ValidationError) as refused:
        client.add_instant_items(81000001, list(range(1, 10002)))
    assert refused.value.message_dict["items"] == [
        "즉시할인쿠폰 옵션은 한 번에 10,000개까지 보낼 수 있습니다 (10,001개)."
    ]
    assert HttpExchange.objects.count() == 0 and received(sandbox) == []


def test_options_already_on_the_coupon_are_refused_and_nothing_is_added(
    sandbox, make_instant, merchandiser
):
    coupon = make_instant()
    with pytest.raises(ValidationError) as refused:
        coupang_instant_add_items(
            coupon=coupon, vendor_item_ids=[7000000009, 7000000002], user=merchandiser
        )
    assert refused.value.message_dict["items"] == ["이미 이 쿠폰에 있는 옵션입니다: 7000000002"]
    assert coupon.items.count() == 3
    assert received(sandbox) == []


def test_expire_of_a_coupon_not_on_coupang_is_refused(sandbox, make_instant, merchandiser):
    coupon = make_instant()
    with pytest.raises(DomainError) as refused:
        coupang_instant_expire(coupon=coupon, user=merchandiser)
    assert refused.value.message == "쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다."
    assert received(sandbox) == []


GOOD = {
    "name": "쿠폰",
    "type": "RATE",
    "discount": 10,
    "max_discount_price": 1000,
}


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "가" * 46},
        {"type": "BOGO"},
        {"discount": 0},
        {"discount": 100},
        {"type": "PRICE", "discount": 1005},
        {"type": "FIXED_WITH_QUANTITY", "discount": 5},
        {"max_discount_price": 9},
        {"end_before_start": True},
    ],
    ids=str,
)
def test_the_database_refuses_what_the_rules_refuse(bad):
    start = timezone.now() + timedelta(hours=2)
    row = {**GOOD, "start_at": start, "end_at": start + timedelta(days=1)}
    if bad.pop("end_before_start", False):
        row["end_at"] = start - timedelta(seconds=1)
    row.update(bad)
    # PostgreSQL refuses a 46-character name as too long for varchar(45) (a DataError);
    # SQLite, which has no varchar length, by the CheckConstraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        CoupangInstantCoupon.objects.create(**row)


def test_the_database_keeps_options_once_per_coupon_and_requested_ones_with_their_request():
    start = timezone.now() + timedelta(hours=2)
    coupon = CoupangInstantCoupon.objects.create(
        **GOOD, start_at=start, end_at=start + timedelta(days=1)
    )
    CoupangInstantCouponItem.objects.create(coupon=coupon, vendor_item_id=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoupangInstantCouponItem.objects.create(coupon=coupon, vendor_item_id=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoupangInstantCouponItem.objects.create(coupon=coupon, vendor_item_id=6, status="DONE")
    with pytest.raises(IntegrityError), transaction.atomic():
        CoupangInstantCouponItem.objects.create(coupon=coupon, vendor_item_id=0)
