"""The sandbox itself: control endpoints, fault injection, and Coupang's rules in Coupang's words."""

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from marketplaces.coupang.client import CoupangClient, CreateCouponRequest, Policy
from marketplaces.http import FinalError, MarketplaceClient, RetryableError

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


class Control(MarketplaceClient):
    """The sandbox's control endpoints, over HTTP like another process would use them."""

    def __init__(self, base):
        super().__init__()
        self._base = base

    def base_url(self):
        return self._base


def _request(start=None, policies=None, **kw):
    start = start or timezone.now() + timedelta(hours=2)
    values = {
        "title": "쿠폰",
        "contract_id": 15,
        "start_at": start,
        "end_at": start + timedelta(days=1),
        "user_id": "wing",
        "policies": policies or [Policy("p", "PRICE", "", 10000, 1000, None, 1)],
    }
    values.update(kw)
    return CreateCouponRequest(**values)


@pytest.mark.parametrize(
    "request_kwargs, message",
    [
        (
            {"title": " "},
            "createCouponRequest.title 은 빈칸임. createCouponRequest.title 은 필수 입력입니다.",
        ),
        ({"contract_id": 77}, "contractId=77 (으)로 계약이 판매자=A00012345 에 속하지 않습니다."),
        (
            {"start": "soon"},
            "startAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요.",
        ),
        (
            {"policies": [Policy("p", "PRICE", "", 10000, 1005, None, 1)]},
            "policies[0] 금액 정보는 10원 단위로 입력해야 합니다.",
        ),
        (
            {"policies": [Policy("p", "PRICE", "", 10005, 1000, None, 1)]},
            "policies[0] 금액 정보는 10원 단위로 입력해야 합니다.",
        ),
        (
            {
                "policies": [
                    Policy("p", "PRICE", "", 10000, 1000, None, 1),
                    Policy("q", "RATE", "", 10000, 10, 5005, 1),
                ]
            },
            "한 쿠폰의 정책은 모두 같은 할인 유형이어야 합니다. (sandbox wording), "
            "policies[1] 금액 정보는 10원 단위로 입력해야 합니다.",
        ),
        (
            {"policies": [Policy("p", "PRICE", "", 10000, 1000, None, 10000)]},
            "policies[0].maxPerDaily 1~9999 양수만 입력 가능합니다.",
        ),
    ],
)
def test_sandbox_enforces_coupangs_rules_with_its_messages(sandbox, request_kwargs, message):
    if request_kwargs.get("start") == "soon":
        request_kwargs = {"start": timezone.now() + timedelta(minutes=59)}
    with pytest.raises(FinalError) as caught:
        CoupangClient().create_coupon(_request(**request_kwargs))
    assert caught.value.status == 400
    assert caught.value.message == message
    assert sandbox.snapshot("coupang")["coupons"] == {}


def test_several_refusals_are_joined_with_a_comma(sandbox):
    start = timezone.now() + timedelta(hours=2)
    with pytest.raises(FinalError) as caught:
        CoupangClient().create_coupon(
            _request(title="", end_at=start - timedelta(hours=5), start=start)
        )
    assert caught.value.message == (
        "createCouponRequest.title 은 빈칸임. createCouponRequest.title 은 필수 입력입니다., "
        "endAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요."
    )


def test_a_later_add_is_taken_while_standby_once_the_first_settled(sandbox):
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    assert coupon.coupon_status == "STANDBY"
    first = client.add_items(coupon.coupon_id, [1, 2])
    assert first[0].succeeded
    while_pending = client.add_items(coupon.coupon_id, [3])
    assert not while_pending[0].succeeded
    assert (
        while_pending[0].error_message == "이전 옵션 등록 요청을 처리 중입니다. (sandbox wording)"
    )
    sandbox.settle("coupang")
    second = client.add_items(coupon.coupon_id, [3])
    assert second[0].succeeded
    sandbox.settle("coupang")
    assert client.get_coupon(coupon.coupon_id).applied_option_count == 3
    assert sandbox.snapshot("coupang")["coupons"][coupon.coupon_id]["items"] == [1, 2, 3]


def test_with_later_adds_off_the_first_add_fixes_the_items(sandbox):
    sandbox.configure("coupang", later_adds=False)
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    client.add_items(coupon.coupon_id, [1, 2])
    sandbox.settle("coupang")
    second = client.add_items(coupon.coupon_id, [3])
    assert not second[0].succeeded
    assert (
        second[0].error_message
        == "이미 옵션이 등록된 다운로드 쿠폰은 옵션을 변경할 수 없습니다. (sandbox wording)"
    )


@pytest.mark.parametrize("entries", [[101], [60, 41], [100, 1]])
def test_more_than_100_items_in_one_call_is_refused_counted_over_all_entries(sandbox, entries):
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    ids = iter(range(1, 1000))
    body = {
        "couponItems": [
            {
                "couponId": coupon.coupon_id,
                "userId": "wing",
                "vendorItemIds": [next(ids) for _ in range(n)],
            }
            for n in entries
        ]
    }
    with pytest.raises(FinalError) as caught:
        client.request(
            "PUT", "/v2/providers/marketplace_openapi/apis/api/v1/coupon-items", json=body
        )
    assert (caught.value.status, caught.value.message) == (
        400,
        "한 번에 적용할 옵션ID 수는 100개를 초과할 수 없음",
    )
    assert caught.value.body and '"errorMessage"' in caught.value.body
    assert sandbox.snapshot("coupang")["transactions"] == {}  # nothing applied


def test_exactly_100_items_over_two_entries_are_taken(sandbox):
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    body = {
        "couponItems": [
            {"couponId": coupon.coupon_id, "userId": "wing", "vendorItemIds": list(range(1, 61))},
            {"couponId": coupon.coupon_id, "userId": "wing", "vendorItemIds": list(range(61, 101))},
        ]
    }
    response = client.request(
        "PUT", "/v2/providers/marketplace_openapi/apis/api/v1/coupon-items", json=body
    )
    assert [r["requestResultStatus"] for r in response.data] == ["SUCCESS", "FAIL"]  # one at a time


def test_the_client_never_sends_more_than_100_items_in_one_call(sandbox):
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    with pytest.raises(ValueError):
        client.add_items(coupon.coupon_id, list(range(1, 102)))
    assert [r["method"] for r in sandbox.requests("coupang")] == ["POST"]  # only the create


def test_expire_of_unknown_coupon_is_500_with_the_documented_text(sandbox):
    with pytest.raises(FinalError) as caught:
        CoupangClient().expire(424242)
    assert (caught.value.status, caught.value.message) == (
        500,
        "expire할 쿠폰이 존재하지 않습니다.",
    )


def test_5xx_after_applying_runs_the_request_then_answers_500(sandbox):
    sandbox.inject("coupang", "5xx", status=500, apply=True, method="POST")
    with pytest.raises(RetryableError) as caught:
        CoupangClient().create_coupon(_request())
    assert (caught.value.status, caught.value.outcome_unknown) == (500, True)
    assert len(sandbox.snapshot("coupang")["coupons"]) == 1  # it was created all the same


def test_a_fault_can_skip_the_first_matching_requests(sandbox):
    sandbox.inject("coupang", "5xx", skip=1, path_contains="contract")
    client = CoupangClient()
    assert client.contracts()[0].contract_id == 15
    with pytest.raises(RetryableError):
        client.contracts()
    assert client.contracts()[0].contract_id == 15


def test_transactions_go_from_requested_to_done_and_success_is_read_as_done(sandbox):
    sandbox.configure(
        "coupang", settle_seconds=0.3, done_word="SUCCESS", single_object_results=True
    )
    client = CoupangClient()
    coupon = client.create_coupon(_request())
    [result] = client.add_items(coupon.coupon_id, [9])
    assert client.transaction_status(result.transaction_id).status == "REQUESTED"
    sandbox.settle("coupang")  # the "settle now" control, instead of waiting 0.3 s
    status = client.transaction_status(result.transaction_id)
    assert (status.status, status.total, status.succeeded, status.coupon_id) == (
        "DONE",
        1,
        1,
        coupon.coupon_id,
    )
    assert client.get_coupon(coupon.coupon_id).applied_option_count == 1


def test_control_endpoints_over_http(sandbox):
    control = Control(sandbox.base_url)
    assert control.request(
        "POST",
        "/_sandbox/faults",
        json={"target": "coupang", "fault": "5xx", "times": 1, "path_contains": "contract"},
    ).data == {"ok": True}
    with pytest.raises(RetryableError) as caught:
        CoupangClient().contracts()
    assert caught.value.status == 503
    assert CoupangClient().contracts()[0].contract_id == 15  # the fault was used up
    state = control.request("GET", "/_sandbox/state").data
    assert state["faults"] == []
    assert [(r["method"], r["path"]) for r in state["requests"]] == [
        ("GET", "/v2/providers/fms/apis/api/v2/vendors/A00012345/contract/list")
    ] * 2  # the sandbox's own record, the faulted request included
    assert "hits" in state["data"]["coupang"]
    control.request(
        "POST", "/_sandbox/config", json={"target": "coupang", "settings": {"rate_limit_rps": 0}}
    )
    with pytest.raises(RetryableError) as caught:
        CoupangClient().contracts()
    assert caught.value.status == 429
    control.request("POST", "/_sandbox/reset")
    assert sandbox.snapshot() == {
        "data": {"coupang": {}, "esm": {}},
        "config": {"coupang": {}, "esm": {}},
        "faults": [],
        "requests": [],
    }
    with pytest.raises(FinalError) as caught:
        control.request("POST", "/_sandbox/faults", json={"target": "coupang", "fault": "melt"})
    assert caught.value.message == "unknown fault 'melt'"


def test_unknown_paths_are_404(sandbox):
    with pytest.raises(FinalError) as caught:
        Control(sandbox.base_url).request("GET", "/nowhere")
    assert caught.value.status == 404


def test_management_command_serves_the_sandbox(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "marketplace_sandbox", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # The command announces the sandbox once it listens.
        announced = process.stdout.readline().decode()
        assert announced.startswith(f"Marketplace sandbox on http://127.0.0.1:{port}"), announced
        data = Control(f"http://127.0.0.1:{port}").request("GET", "/_sandbox/state").data
        assert data["faults"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)
