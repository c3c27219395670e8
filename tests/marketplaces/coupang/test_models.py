"""Database constraints refuse bad Coupang rows."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplaces.coupang.models import CoupangCoupon, CoupangCouponItem, CoupangCouponPolicy

pytestmark = pytest.mark.django_db


def _coupon(**kw):
    start = timezone.now() + timedelta(hours=2)
    return CoupangCoupon.objects.create(
        **{"title": "t", "start_at": start, "end_at": start + timedelta(days=1), **kw}
    )


def _policy(coupon, **kw):
    values = {
        "coupon": coupon,
        "title": "p",
        "type_of_discount": "PRICE",
        "minimum_price": 10000,
        "discount": 1000,
        "maximum_per_daily": 1,
    }
    values.update(kw)
    return CoupangCouponPolicy.objects.create(**values)


@pytest.mark.parametrize(
    "bad",
    [
        {"maximum_per_daily": 0},
        {"maximum_per_daily": 10000},
        {"discount": 0},
        {"minimum_price": 10005},
        {"type_of_discount": "RATE", "discount": 120, "maximum_discount_price": 100},
        {"type_of_discount": "RATE", "discount": 10, "maximum_discount_price": None},
    ],
)
def test_policy_constraints(bad):
    coupon = _coupon()
    with pytest.raises(IntegrityError), transaction.atomic():
        _policy(coupon, **bad)
    assert CoupangCouponPolicy.objects.count() == 0


def test_coupon_end_must_follow_start():
    start = timezone.now() + timedelta(hours=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoupangCoupon.objects.create(title="t", start_at=start, end_at=start)


def test_a_vendor_item_is_live_on_one_coupon_only():
    first, second = _coupon(), _coupon()
    CoupangCouponItem.objects.create(coupon=first, vendor_item_id=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoupangCouponItem.objects.create(coupon=second, vendor_item_id=5)
    CoupangCouponItem.objects.filter(coupon=first).update(active=False)  # expired: released
    CoupangCouponItem.objects.create(coupon=second, vendor_item_id=5)
    assert CoupangCouponItem.objects.filter(vendor_item_id=5, active=True).get().coupon == second
