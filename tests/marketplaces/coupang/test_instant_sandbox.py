"""The sandbox's instant-coupon family and the client reading it: the signed expire query, the
rules in the sandbox's words, asynchronous requests, paging, tolerance, a retired endpoint."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplaces.coupang.client import (
    InstantCouponClient,
    InstantCouponRequest,
    RequestedStatus,
    authorization,
    signed_date,
)
from marketplaces.http import CredentialsError, FinalError

pytestmark = pytest.mark.django_db


def request(**overrides):
    start = timezone.now() + timedelta(hours=1)
    values = {
        "name": "샌드박스 쿠폰",
        "contract_id": 15,
        "type": "RATE",
        "discount": 10,
        "max_discount_price": 1000,
        "start_at": start,
        "end_at": start + timedelta(days=1),
        "wow_exclusive": False,
    }
    values.update(overrides)
    return InstantCouponRequest(**values)


class _QueryLeftOutSigner(InstantCouponClient):
    """Signs the path alone: the expire's `action=expire` must be signed too."""

    def sign(self, method, path, query):
        from django.conf import settings

        auth = authorization(
            settings.COUPANG_ACCESS_KEY,
            settings.COUPANG_SECRET_KEY,
            signed_date(),
            method,
            path,
            "",
        )
        return {"Authorization": auth, "X-Requested-By": self.vendor_id}


def created(client, **overrides) -> int:
    requested_id = client.create_instant(request(**overrides))
    status = client.requested_status(requested_id)
    assert (status.status, status.coupon_id) == ("REQUESTED", None)  # asynchronous
    return requested_id


def test_create_is_requested_then_done_with_its_coupon(sandbox):
    client = InstantCouponClient()
    requested_id = created(client)
    sandbox.settle("coupang")
    status = client.requested_status(requested_id)
    assert status.status == "DONE" and status.coupon_id
    coupon = client.get_instant(status.coupon_id)
    assert (coupon.name, coupon.type, coupon.discount, coupon.max_discount_price) == (
        "샌드박스 쿠폰",
        "RATE",
        10,
        1000,
    )
    assert coupon.status == "STANDBY" and coupon.wow_exclusive is False


def test_the_expire_query_is_signed(sandbox):
    client = InstantCouponClient()
    requested_id = created(client)
    sandbox.settle("coupang")
    coupon_id = client.requested_status(requested_id).coupon_id
    with pytest.raises(CredentialsError, match="^Invalid signature.$"):
        _QueryLeftOutSigner().expire_instant(coupon_id)
    assert not sandbox.snapshot("coupang")["instant"]["coupons"][coupon_id]["expiring"]
    client.expire_instant(coupon_id)  # signed with its query: taken
    sandbox.settle("coupang")
    assert client.get_instant(coupon_id).status == "EXPIRED"
    with pytest.raises(FinalError, match="이미 만료된 쿠폰입니다"):
        client.expire_instant(coupon_id)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"contract_id": 77}, "contractId=77 (으)로 계약이 판매자=A00012345 에 속하지 않습니다."),
        ({"name": "가" * 46}, "쿠폰명은 45자를 초과할 수 없습니다. (sandbox wording)"),
        ({"type": "PRICE", "discount": 1005}, "금액 정보는 10원 단위로 입력해야 합니다."),
        ({"discount": 100}, "할인율은 1~99 사이의 정수만 입력 가능합니다. (sandbox wording)"),
        (
            {"max_discount_price": 5},
            "maxDiscountPrice 는 10원 이상이어야 합니다. (sandbox wording)",
        ),
        (
            {"start_at": timezone.now() - timedelta(hours=1)},
            "startAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요.",
        ),
    ],
)
def test_the_sandbox_enforces_the_rules_in_its_words(sandbox, overrides, message):
    with pytest.raises(FinalError) as refused:
        InstantCouponClient().create_instant(request(**overrides))
    assert (refused.value.status, refused.value.message) == (400, message)
    assert sandbox.snapshot("coupang")["instant"]["requests"] == {}


def test_more_than_10000_options_are_refused_by_the_sandbox_too(sandbox):
    """What Coupang would answer a call our client refuses to make (sent around its check)."""
    client = InstantCouponClient()
    requested_id = created(client)
    sandbox.settle("coupang")
    coupon_id = client.requested_status(requested_id).coupon_id
    with pytest.raises(FinalError, match="10000개를 초과할 수 없음"):
        client.request(
            "POST",
            client._path("v1", f"/coupons/{coupon_id}/items"),
            json={"vendorItems": list(range(1, 10002))},
        )
    assert sandbox.snapshot("coupang")["instant"]["coupons"][coupon_id]["items"] == []


def test_a_size_out_of_range_and_an_unknown_status_are_refused(sandbox):
    client = InstantCouponClient()
    with pytest.raises(FinalError, match="size 는 1~100 사이여야 합니다"):
        client.list_instant_page("STANDBY", size=101)
    with pytest.raises(FinalError, match="status=LIVE 값을 확인하세요"):
        client.list_instant_page("LIVE")


def test_success_for_done_and_other_names_the_contract_leaves_open_are_read(sandbox):
    sandbox.configure("coupang", done_word="SUCCESS")
    client = InstantCouponClient()
    requested_id = created(client)
    sandbox.settle("coupang")
    assert client.requested_status(requested_id).status == "DONE"
    tolerant = RequestedStatus.parse(
        {"data": {"content": {"status": "FAILED", "failedVendorItemIds": [5, 6]}}}, "r1"
    )
    assert (tolerant.status, tolerant.failures, tolerant.requested_id) == (
        "FAIL",
        {5: "", 6: ""},
        "r1",
    )


def test_a_retired_endpoint_is_a_final_refusal(sandbox):
    sandbox.inject("coupang", "retired", path_contains="/v2/vendors/", method="POST")
    with pytest.raises(FinalError) as refused:
        InstantCouponClient().create_instant(request())
    assert refused.value.status == 410
    assert sandbox.snapshot("coupang").get("instant", {}).get("requests", {}) == {}
