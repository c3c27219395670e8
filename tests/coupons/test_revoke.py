"""coupon_revoke: who/when/why recorded, the copy returns to the promotion and the member; refusals change nothing."""

import pytest
from django.utils import timezone

from coupons import codes, errors
from coupons.errors import Conflict, DomainError, IssueRefused
from coupons.issuing import coupon_issue, coupon_revoke
from coupons.models import MemberCoupon, MemberPromotionCounter, Promotion
from tests.coupons.issuing_factories import approved_promotion, member, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    member("100")
    member("200")
    promotion = approved_promotion(issu_lmt_qty=1, mbr_issu_lmt_qty=1)
    (coupon,) = coupon_issue(member="100", promotion=promotion, channel=codes.Channel.DOWNLOAD)
    return promotion, coupon, staff("cs-revoker", "CS agent")


def state(promotion, mbr_no="100"):
    return (
        Promotion.objects.get(pk=promotion.pk).issu_qty,
        MemberPromotionCounter.objects.get(promotion=promotion, member_id=mbr_no).issued_qty,
    )


def test_revoke_records_who_when_why_and_returns_the_copy(setup):
    promotion, coupon, cs = setup
    with pytest.raises(IssueRefused) as info:
        coupon_issue(member="200", promotion=promotion, channel=codes.Channel.DOWNLOAD)
    assert info.value.code == errors.SOLD_OUT
    at = timezone.now()
    revoked = coupon_revoke(user=cs, coupon=coupon, reason="오발급 회수", now=at)
    assert (revoked.status, revoked.revoked_by, revoked.revoked_at, revoked.revoke_reason) == (
        "REVOKED",
        cs,
        at,
        "오발급 회수",
    )
    assert state(promotion) == (0, 0)
    # Remaining quantity and the member's allowance are both available again.
    (again,) = coupon_issue(member="100", promotion=promotion, channel=codes.Channel.DOWNLOAD)
    assert state(promotion) == (1, 1)
    assert MemberCoupon.objects.filter(member_id="100").exclude(status="REVOKED").get() == again


@pytest.mark.parametrize(
    ("status", "code"),
    [("REVOKED", "ALREADY_REVOKED"), ("USED", "ALREADY_USED"), ("EXPIRED", "ALREADY_EXPIRED")],
)
def test_revoke_refuses_a_coupon_not_issued(setup, status, code):
    promotion, coupon, cs = setup
    MemberCoupon.objects.filter(pk=coupon.pk).update(status=status)
    with pytest.raises(Conflict) as info:
        coupon_revoke(user=cs, coupon=coupon.pk, reason="again")
    assert info.value.code == code
    stored = MemberCoupon.objects.get(pk=coupon.pk)
    assert (stored.status, stored.revoked_by, stored.revoke_reason) == (status, None, "")
    assert state(promotion) == (1, 1)


def test_revoke_needs_a_reason_and_an_existing_coupon(setup):
    promotion, coupon, cs = setup
    with pytest.raises(DomainError) as info:
        coupon_revoke(user=cs, coupon=coupon, reason="   ")
    assert info.value.code == errors.REASON_REQUIRED
    assert MemberCoupon.objects.get(pk=coupon.pk).status == "ISSUED"
    assert state(promotion) == (1, 1)
    with pytest.raises(errors.NotFound):
        coupon_revoke(user=cs, coupon=999999, reason="x")


def test_revoking_twice_releases_once(setup):
    promotion, coupon, cs = setup
    coupon_revoke(user=cs, coupon=coupon, reason="1")
    with pytest.raises(Conflict):
        coupon_revoke(user=cs, coupon=coupon, reason="2")
    assert state(promotion) == (0, 0)
    assert MemberCoupon.objects.get(pk=coupon.pk).revoke_reason == "1"
