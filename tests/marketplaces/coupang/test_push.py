"""Coupang downloadable coupons pushed through the sync engine to the sandbox on loopback."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.jobs.engine import job_attempt
from backoffice.jobs.models import Job
from coupons.errors import DomainError
from marketplaces.coupang.client import CoupangClient, CreateCouponRequest, Policy
from marketplaces.coupang.models import CoupangCoupon, CoupangCouponItem
from marketplaces.coupang.services import (
    coupang_coupon_adopt,
    coupang_coupon_create,
    coupang_coupon_expire,
    coupang_coupon_push,
    coupang_coupon_refresh,
    coupang_coupon_replace_items,
    coupang_coupon_resend_create,
)
from marketplaces.models import HttpExchange
from tests.marketplaces.conftest import coupon_kwargs

pytestmark = pytest.mark.django_db
CREATE_PATH = "/v2/providers/marketplace_openapi/apis/api/v1/coupons"
ITEMS_PATH = "/v2/providers/marketplace_openapi/apis/api/v1/coupon-items"
STATUS_PATH = "/v2/providers/marketplace_openapi/apis/api/v1/coupons/transactionStatus"
ITEMS = [3000000101, 3000000102, 3000000103, 3000000104, 3000000105]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service that enqueues a job, let it run after commit, return the job refreshed."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = service(**kwargs)
        if isinstance(job, CoupangCoupon):
            job = Job.objects.filter(target_id=str(job.pk)).latest("id")
        job.refresh_from_db()
        return job

    return call


def remote_coupons(sandbox):
    return sandbox.snapshot("coupang").get("coupons", {})


def test_happy_path_creates_adds_items_polls_and_reads_back(
    sandbox, make_coupon, merchandiser, run
):
    coupon = make_coupon()

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.last_error
    assert job.attempts == 1
    assert job.result == {"couponId": coupon.coupon_id, "couponStatus": "STANDBY"}
    remote = remote_coupons(sandbox)
    assert list(remote) == [coupon.coupon_id]
    stored = remote[coupon.coupon_id]
    assert stored["items"] == ITEMS
    assert stored["contractId"] == 15
    assert stored["startDate"] == timezone.localtime(coupon.start_at).strftime("%Y-%m-%d %H:%M:%S")
    assert [p["discount"] for p in stored["couponPolicies"]] == [1000, 2000, 3000]
    assert coupon.local_status == CoupangCoupon.LocalStatus.PUSHED
    assert coupon.remote_status == "STANDBY"
    assert coupon.remote_payload["appliedOptionCount"] == 5
    assert coupon.create_attempted_at is None and coupon.last_error == ""
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    assert [p.manage_code[:4] for p in coupon.policies.all()] == ["FMS_"] * 3
    calls = list(HttpExchange.objects.filter(job=job).order_by("id").values_list("method", "path"))
    assert calls[0] == ("GET", "/v2/providers/fms/apis/api/v2/vendors/A00012345/contract/list")
    assert calls[1] == ("POST", CREATE_PATH)
    assert calls[2] == ("PUT", ITEMS_PATH)
    assert calls[-1] == ("GET", f"{CREATE_PATH}/{coupon.coupon_id}")
    assert {m for m, p in calls[3:-1]} == {"GET"}  # polling the transaction


def _put_sizes(exchanges):
    return [
        [len(e["vendorItemIds"]) for e in json.loads(x.request_body)["couponItems"]]
        for x in exchanges
    ]


def test_150_options_go_in_two_calls_of_100_and_50_each_polled_before_the_next(
    sandbox, make_coupon, merchandiser, run
):
    """Done when: 150 options never travel in one call (MARKETPLACES.md: at most 100 vendor items
    in one add-items call, counted over all its entries)."""
    ids = list(range(5000000001, 5000000151))
    coupon = make_coupon(vendor_item_ids=ids)

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert coupon.local_status == "PUSHED"
    # Our log: two calls, one entry each, 100 then 50.
    puts = HttpExchange.objects.filter(job=job, method="PUT", path=ITEMS_PATH).order_by("id")
    assert _put_sizes(puts) == [[100], [50]]
    assert [x.status_code for x in puts] == [200, 200]
    # The sandbox's own record of what it received agrees, and no call carried more than 100.
    received = [r for r in sandbox.requests("coupang") if r["method"] == "PUT"]
    assert [[len(e["vendorItemIds"]) for e in r["body"]["couponItems"]] for r in received] == [
        [100],
        [50],
    ]
    assert [
        v for r in received for e in r["body"]["couponItems"] for v in e["vendorItemIds"]
    ] == ids
    # Each call's transaction was polled to DONE before the next call went out.
    first_tx, second_tx = (
        json.loads(x.response_body)[0]["body"]["requestTransactionId"] for x in puts
    )
    between = HttpExchange.objects.filter(
        job=job, path=STATUS_PATH, id__gt=puts[0].id, id__lt=puts[1].id
    ).order_by("id")
    assert between.exists()
    assert between.last().query == f"requestTransactionId={first_tx}"
    assert json.loads(between.last().response_body)["transactionStatusResponse"]["status"] == "DONE"
    assert HttpExchange.objects.filter(job=job, path=STATUS_PATH, id__gt=puts[1].id).exists()
    # The outcome of each call is recorded on its rows.
    rows = coupon.items.order_by("id")
    assert [r.transaction_id for r in rows] == [first_tx] * 100 + [second_tx] * 50
    assert set(rows.values_list("status", flat=True)) == {"DONE"}
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == ids
    assert coupon.remote_payload["appliedOptionCount"] == 150


def test_a_lost_second_add_is_reconciled_by_reading_back_and_the_first_is_not_resent(
    sandbox, make_coupon, merchandiser, run
):
    ids = list(range(5000000001, 5000000151))
    sandbox.inject("coupang", "drop_after_apply", skip=1, path_contains=ITEMS_PATH, method="PUT")
    coupon = make_coupon(vendor_item_ids=ids)

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    puts = HttpExchange.objects.filter(method="PUT", path=ITEMS_PATH).order_by("id")
    assert _put_sizes(puts) == [[100], [50]]  # neither call sent twice
    assert [x.status_code for x in puts] == [200, None]  # the second answer was lost
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == ids
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    assert coupon.items_requested_at is None
    assert (
        len(
            [
                t
                for t in sandbox.snapshot("coupang")["transactions"].values()
                if t["type"] == "COUPON_ITEM_PUBLISH"
            ]
        )
        == 2
    )


def test_a_refused_second_add_fails_with_a_clear_message(sandbox, make_coupon, merchandiser, run):
    sandbox.configure("coupang", later_adds=False)  # the unsure case: the first add fixes items
    ids = list(range(5000000001, 5000000151))
    coupon = make_coupon(vendor_item_ids=ids)

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == (
        "쿠팡이 이 쿠폰의 추가 옵션 등록을 거절했습니다 (한 번에 100개까지만 보낼 수 있어 나누어 "
        "보내는 중, 100개 등록 후). 옵션 100개 이하의 쿠폰으로 나누어 만드세요: "
        "이미 옵션이 등록된 다운로드 쿠폰은 옵션을 변경할 수 없습니다. (sandbox wording)"
    )
    assert (coupon.local_status, coupon.last_error) == ("FAILED", job.last_error)
    assert _put_sizes(HttpExchange.objects.filter(method="PUT").order_by("id")) == [[100], [50]]
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == ids[:100]


def test_expire_then_items_are_free_again(sandbox, make_coupon, merchandiser, run):
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    job = run(coupang_coupon_expire, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert (coupon.local_status, coupon.remote_status) == ("EXPIRED", "EXPIRED")
    assert remote_coupons(sandbox)[coupon.coupon_id]["expired"] is True
    assert sandbox.snapshot("coupang")["owners"] == {}
    assert not coupon.items.filter(active=True).exists()
    # The same items may now go on a new coupon, locally and on Coupang.
    second = coupang_coupon_create(user=merchandiser, **coupon_kwargs())
    assert run(coupang_coupon_push, coupon=second, user=merchandiser).status == "SUCCEEDED"


def test_refresh_reads_the_remote_status(sandbox, make_coupon, merchandiser, run):
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    with sandbox.state.lock:  # Coupang moves on: the coupon started
        sandbox.state.data["coupang"]["coupons"][coupon.coupon_id]["startDate"] = (
            "2020-01-01 00:00:00"
        )
    job = run(coupang_coupon_refresh, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED"
    assert coupon.remote_status == "APPLIED"
    assert coupon.remote_payload["startDate"] == "2020-01-01 00:00:00"


# --- every local rule refuses before anything is sent -------------------------------------------
def _price(**kw):
    policy = {
        "title": "정책",
        "type_of_discount": "PRICE",
        "description": "",
        "minimum_price": 10000,
        "discount": 1000,
        "maximum_discount_price": None,
        "maximum_per_daily": 1,
    }
    policy.update(kw)
    return policy


def _rate(**kw):
    return _price(type_of_discount="RATE", discount=10, maximum_discount_price=5000, **kw)


LOCAL_RULES = {
    "no policy": ({"policies": []}, "policies", "정책은 1~3개여야 합니다 (현재 0개)."),
    "four policies": (
        {"policies": [_price()] * 4},
        "policies",
        "정책은 1~3개여야 합니다 (현재 4개).",
    ),
    "mixed kinds": (
        {"policies": [_price(), _rate()]},
        "policies",
        "한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다.",
    ),
    "price under 10": (
        {"policies": [_price(discount=5)]},
        "policies",
        "정책 1: 정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "price not 10 won": (
        {"policies": [_price(discount=1005)]},
        "policies",
        "정책 1: 정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "minimum not 10 won": (
        {"policies": [_price(minimum_price=10001)]},
        "policies",
        "정책 1: 최소 주문 금액은 10원 단위로 입력하세요.",
    ),
    "rate 0": (
        {"policies": [_rate() | {"discount": 0}]},
        "policies",
        "정책 1: 정률 할인은 1~99% 사이의 정수로 입력하세요.",
    ),
    "rate 100": (
        {"policies": [_rate() | {"discount": 100}]},
        "policies",
        "정책 1: 정률 할인은 1~99% 사이의 정수로 입력하세요.",
    ),
    "rate cap not 10 won": (
        {"policies": [_rate() | {"maximum_discount_price": 5005}]},
        "policies",
        "정책 1: 최대 할인 금액은 10원 이상, 10원 단위로 입력하세요.",
    ),
    "rate without cap": (
        {"policies": [_rate() | {"maximum_discount_price": None}]},
        "policies",
        "정책 1: 정률 할인은 최대 할인 금액이 필요합니다.",
    ),
    "daily 0": (
        {"policies": [_price(maximum_per_daily=0)]},
        "policies",
        "정책 1: 1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.",
    ),
    "daily 10000": (
        {"policies": [_price(maximum_per_daily=10000)]},
        "policies",
        "정책 1: 1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.",
    ),
    "blank title": ({"title": "  "}, "title", "쿠폰명을 입력하세요."),
    "blank policy title": (
        {"policies": [_price(title=" ")]},
        "policies",
        "정책 1: 정책명을 입력하세요.",
    ),
    "end before start": ("end_before_start", "end_at", "종료 일시는 시작 일시 이후여야 합니다."),
    "no items": ({"vendor_item_ids": []}, "items", "옵션 ID(vendorItemId)를 하나 이상 입력하세요."),
    "repeated item": ({"vendor_item_ids": [7, 7]}, "items", "옵션 ID가 중복되었습니다: 7"),
}


@pytest.mark.parametrize("case", LOCAL_RULES.values(), ids=LOCAL_RULES.keys())
def test_each_rule_is_refused_locally_with_nothing_sent(sandbox, merchandiser, case):
    overrides, field, message = case
    if overrides == "end_before_start":
        start = timezone.now() + timedelta(hours=3)
        overrides = {"start_at": start, "end_at": start - timedelta(minutes=1)}
    before = sandbox.snapshot("coupang")
    with pytest.raises(ValidationError) as caught:
        coupang_coupon_create(user=merchandiser, **coupon_kwargs(**overrides))
    assert message in caught.value.message_dict[field]
    assert CoupangCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0
    assert Job.objects.count() == 0
    assert sandbox.snapshot("coupang") == before


def test_start_within_an_hour_is_refused_on_save_and_again_at_push(
    sandbox, make_coupon, merchandiser
):
    with pytest.raises(ValidationError) as caught:
        coupang_coupon_create(
            user=merchandiser, **coupon_kwargs(start_at=timezone.now() + timedelta(minutes=59))
        )
    assert caught.value.message_dict["start_at"][0].startswith(
        "시작 일시는 지금부터 1시간 이후여야 합니다"
    )
    coupon = make_coupon()
    CoupangCoupon.objects.filter(pk=coupon.pk).update(
        start_at=timezone.now() + timedelta(minutes=30)
    )
    coupon.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    assert "start_at" in caught.value.message_dict
    coupon.refresh_from_db()
    assert coupon.local_status == "DRAFT"
    assert (Job.objects.count(), HttpExchange.objects.count()) == (0, 0)
    assert remote_coupons(sandbox) == {}


def test_an_item_held_by_another_local_coupon_is_refused(sandbox, make_coupon, merchandiser):
    first = make_coupon()
    with pytest.raises(ValidationError) as caught:
        make_coupon(vendor_item_ids=[3000000103, 999])
    assert caught.value.message_dict["items"] == [
        f"옵션 3000000103은(는) 이미 다른 쿠폰(#{first.pk} 가을 맞이 다운로드 쿠폰)에 등록되어 있습니다."
    ]
    assert HttpExchange.objects.count() == 0


# --- Coupang's refusals ---------------------------------------------------------------------------
def test_coupang_refusal_fails_the_job_with_coupangs_message(
    sandbox, make_coupon, merchandiser, run
):
    coupon = make_coupon(contract_id=99)
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    message = "contractId=99 (으)로 계약이 판매자=A00012345 에 속하지 않습니다."
    assert (job.status, job.attempts, job.last_error) == ("FAILED", 1, message)
    assert (coupon.local_status, coupon.last_error, coupon.coupon_id) == ("FAILED", message, None)
    assert coupon.create_attempted_at is None  # a refusal is a known outcome: may be sent again
    assert remote_coupons(sandbox) == {}


def test_cir14_conflict_destroys_the_coupon_and_a_fixed_push_creates_a_new_one(
    sandbox, make_coupon, merchandiser, run, settings
):
    # Item 3000000103 already sits on a coupon made outside the back-office (in WING).
    client = CoupangClient()
    start = timezone.now() + timedelta(hours=2)
    other = client.create_coupon(
        CreateCouponRequest(
            title="WING에서 만든 쿠폰",
            contract_id=15,
            start_at=start,
            end_at=start + timedelta(days=1),
            user_id="wing",
            policies=[Policy("p", "PRICE", "", 10000, 1000, None, 1)],
        )
    )
    tx = client.add_items(other.coupon_id, [3000000103])[0].transaction_id
    sandbox.settle("coupang")
    assert client.transaction_status(tx).status == "DONE"
    HttpExchange.objects.all().delete()

    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    cir14 = f"[CIR14] 해당 옵션은 이미 다른 쿠폰({other.coupon_id})에 발행되어져 있습니다."
    assert (job.status, job.attempts, job.last_error) == ("FAILED", 1, cir14)
    assert (coupon.local_status, coupon.remote_status, coupon.last_error) == (
        "DESTROYED",
        "DETACHED",
        cir14,
    )
    failed = coupon.items.get(vendor_item_id=3000000103)
    assert (failed.status, failed.failure_reason) == ("FAILED", cir14)
    destroyed_id = coupon.coupon_id
    assert remote_coupons(sandbox)[destroyed_id]["destroyed"] is True
    assert sandbox.snapshot("coupang")["owners"] == {3000000103: other.coupon_id}

    # Refresh reports what Coupang says about a destroyed coupon.
    job = run(coupang_coupon_refresh, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED"
    assert (coupon.local_status, coupon.last_error) == ("DESTROYED", "삭제된 프로모션 입니다.")

    # The merchandiser drops the conflicting item and pushes again: a new coupon on Coupang.
    failed.delete()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert coupon.coupon_id != destroyed_id
    assert coupon.destroyed_coupon_ids == [destroyed_id]
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == [
        3000000101,
        3000000102,
        3000000104,
        3000000105,
    ]


# --- faults ---------------------------------------------------------------------------------------
def test_two_5xx_then_success_give_one_coupon(sandbox, make_coupon, merchandiser, run):
    sandbox.inject("coupang", "5xx", times=2, path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 3)
    assert list(remote_coupons(sandbox)) == [coupon.coupon_id]
    statuses = list(
        HttpExchange.objects.filter(job=job, method="POST")
        .order_by("id")
        .values_list("status_code", flat=True)
    )
    assert statuses == [503, 503, 200]


def test_one_500_on_request_status_is_retried_and_ends_succeeded(
    sandbox, make_coupon, merchandiser, run
):
    """Done when: one 500 on request status ends SUCCEEDED (any 500 text but the documented
    unknown-transaction one leaves the outcome unknown: read again)."""
    sandbox.inject("coupang", "5xx", status=500, path_contains=STATUS_PATH, method="GET")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert coupon.local_status == "PUSHED"
    statuses = list(
        HttpExchange.objects.filter(job=job, path=STATUS_PATH)
        .order_by("id")
        .values_list("status_code", flat=True)
    )
    assert statuses[:2] == [500, 200]
    assert HttpExchange.objects.filter(job=job, method="PUT", path=ITEMS_PATH).count() == 1
    assert list(remote_coupons(sandbox)) == [coupon.coupon_id]


def test_two_500s_on_create_are_held_for_confirmation_with_one_remote_coupon_at_most(
    sandbox, make_coupon, merchandiser, run
):
    """Done when: a 500 on create, whatever its message, is a lost response: held for
    confirmation (NEEDS_RECONCILE, the create record kept), never sent again by itself."""
    sandbox.inject("coupang", "5xx", status=500, times=2, path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert coupon.local_status == "NEEDS_RECONCILE"
    assert coupon.create_attempted_at is not None and coupon.create_request
    assert "Service Unavailable" in coupon.last_error
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1
    assert len(remote_coupons(sandbox)) <= 1
    with pytest.raises(DomainError) as caught:
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    assert caught.value.code == "NEEDS_RECONCILE"
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1


def test_a_create_answered_500_after_applying_is_held_with_one_remote_coupon_and_adopted(
    sandbox, make_coupon, merchandiser, run
):
    """The lost-create case: Coupang made the coupon and answered 500 all the same (twice armed).
    The push holds it for confirmation with exactly one remote coupon; adopting its couponId
    carries on with the items."""
    sandbox.inject(
        "coupang", "5xx", status=500, apply=True, times=2, path_contains=CREATE_PATH, method="POST"
    )
    coupon = make_coupon()

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert (coupon.local_status, coupon.coupon_id) == ("NEEDS_RECONCILE", None)
    assert coupon.create_attempted_at is not None and coupon.create_request
    assert "Internal Server Error" in coupon.last_error
    [remote_id] = remote_coupons(sandbox)  # exactly one: Coupang did create it
    assert remote_coupons(sandbox)[remote_id]["items"] == []
    # Pushing again (the second 500 still armed) sends nothing.
    with pytest.raises(DomainError) as caught:
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    assert caught.value.code == "NEEDS_RECONCILE"
    creates = [
        r for r in sandbox.requests("coupang") if (r["method"], r["path"]) == ("POST", CREATE_PATH)
    ]
    assert len(creates) == 1
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1

    job = run(coupang_coupon_adopt, coupon=coupon, coupon_id=remote_id, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert (coupon.coupon_id, coupon.local_status) == (remote_id, "PUSHED")
    assert coupon.create_attempted_at is None
    assert list(remote_coupons(sandbox)) == [remote_id]
    assert remote_coupons(sandbox)[remote_id]["items"] == ITEMS
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1


def test_dropped_create_response_is_not_resent_and_is_reconciled_to_one_coupon(
    sandbox, make_coupon, merchandiser, run
):
    sandbox.inject("coupang", "drop_after_apply", path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error.startswith(
        "쿠팡의 생성 응답을 받지 못해 쿠폰이 만들어졌는지 알 수 없습니다"
    )
    assert coupon.local_status == "NEEDS_RECONCILE"
    assert coupon.coupon_id is None
    assert coupon.create_request["title"] == "가을 맞이 다운로드 쿠폰"
    [remote_id] = remote_coupons(sandbox)  # Coupang did create it
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1
    # Pushing again does not send the create blindly.
    with pytest.raises(DomainError) as caught:
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    assert caught.value.code == "NEEDS_RECONCILE"

    # The merchandiser finds the coupon in WING and links it; the push carries on with the items.
    job = run(coupang_coupon_adopt, coupon=coupon, coupon_id=remote_id, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert (coupon.coupon_id, coupon.local_status) == (remote_id, "PUSHED")
    assert list(remote_coupons(sandbox)) == [remote_id]
    assert remote_coupons(sandbox)[remote_id]["items"] == ITEMS
    assert HttpExchange.objects.filter(method="POST", path=CREATE_PATH).count() == 1


def test_adopting_a_coupon_that_does_not_match_the_request_is_refused(
    sandbox, make_coupon, merchandiser, run
):
    linked = make_coupon(title="다른 쿠폰", vendor_item_ids=[1])
    run(coupang_coupon_push, coupon=linked, user=merchandiser)
    linked.refresh_from_db()
    start = timezone.now() + timedelta(hours=2)
    elsewhere = CoupangClient().create_coupon(
        CreateCouponRequest(
            title="WING에서 만든 쿠폰",
            contract_id=15,
            start_at=start,
            end_at=start + timedelta(days=1),
            user_id="wing",
            policies=[Policy("p", "PRICE", "", 10000, 1000, None, 1)],
        )
    )
    sandbox.inject("coupang", "drop_after_apply", path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    with pytest.raises(
        ValidationError
    ) as caught:  # already linked to another coupon: local refusal
        coupang_coupon_adopt(coupon=coupon, coupon_id=linked.coupon_id, user=merchandiser)
    assert caught.value.message_dict == {"coupon_id": ["이미 다른 쿠폰에 연결된 couponId입니다."]}

    job = run(coupang_coupon_adopt, coupon=coupon, coupon_id=elsewhere.coupon_id, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "FAILED"
    assert job.last_error == (
        f"couponId {elsewhere.coupon_id}의 쿠폰은 이 쿠폰의 생성 요청과 다릅니다 "
        "(쿠폰명·기간·정책 비교)."
    )
    assert (coupon.coupon_id, coupon.local_status) == (None, "NEEDS_RECONCILE")
    assert HttpExchange.objects.filter(method="PUT", job=job).count() == 0


def test_unknown_outcome_without_a_coupon_is_resent_after_confirmation(
    sandbox, make_coupon, merchandiser, run
):
    sandbox.inject("coupang", "5xx", status=504, path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert (job.status, coupon.local_status) == ("FAILED", "NEEDS_RECONCILE")
    assert remote_coupons(sandbox) == {}  # the gateway timed out before Coupang made anything

    job = run(coupang_coupon_resend_create, coupon=coupon, user=merchandiser, confirm=coupon.title)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert list(remote_coupons(sandbox)) == [coupon.coupon_id]


MISSING_CONFIRM = (
    "재전송하면 쿠팡에 같은 쿠폰이 하나 더 만들어질 수 있습니다 (첫 생성 요청이 처리되었을 수 "
    "있음). WING에서 먼저 확인하고, 없을 때만 이 쿠폰의 쿠폰명 또는 ID를 입력해 확인하세요."
)


def _held(sandbox, make_coupon, merchandiser, run):
    """A coupon whose create answered 504: held for confirmation, nothing on Coupang."""
    sandbox.inject("coupang", "5xx", status=504, path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert coupon.local_status == "NEEDS_RECONCILE"
    return coupon


@pytest.mark.parametrize(
    "confirm, message",
    [
        ("", MISSING_CONFIRM),
        ("   ", MISSING_CONFIRM),
        (None, MISSING_CONFIRM),
        (
            "가을 맞이",
            "입력한 값이 이 쿠폰의 쿠폰명 또는 ID({pk})와 다릅니다. 재전송하면 쿠팡에 "
            "쿠폰이 중복 생성될 수 있으니 WING에서 먼저 확인하세요.",
        ),
        (
            "{other}",
            "입력한 값이 이 쿠폰의 쿠폰명 또는 ID({pk})와 다릅니다. 재전송하면 쿠팡에 "
            "쿠폰이 중복 생성될 수 있으니 WING에서 먼저 확인하세요.",
        ),
    ],
)
def test_resend_create_refuses_a_confirmation_that_does_not_name_the_coupon(
    sandbox, make_coupon, merchandiser, run, confirm, message
):
    coupon = _held(sandbox, make_coupon, merchandiser, run)
    if confirm == "{other}":
        confirm = str(coupon.pk + 1)
    sent, jobs = HttpExchange.objects.count(), Job.objects.count()

    with pytest.raises(ValidationError) as caught:
        coupang_coupon_resend_create(coupon=coupon, user=merchandiser, confirm=confirm)

    assert caught.value.message_dict == {"confirm": [message.format(pk=coupon.pk)]}
    coupon.refresh_from_db()
    assert coupon.local_status == "NEEDS_RECONCILE"
    assert coupon.create_attempted_at is not None  # the create record is kept
    assert (HttpExchange.objects.count(), Job.objects.count()) == (sent, jobs)
    assert remote_coupons(sandbox) == {}


@pytest.mark.parametrize("confirm", ["  가을 맞이 다운로드 쿠폰 ", "{pk}", "#{pk}"])
def test_resend_create_takes_the_title_or_the_id(sandbox, make_coupon, merchandiser, run, confirm):
    coupon = _held(sandbox, make_coupon, merchandiser, run)

    job = run(
        coupang_coupon_resend_create,
        coupon=coupon,
        user=merchandiser,
        confirm=confirm.format(pk=coupon.pk),
    )

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert list(remote_coupons(sandbox)) == [coupon.coupon_id]


def test_resend_create_of_a_coupon_not_held_is_refused_whatever_the_confirmation(
    sandbox, make_coupon, merchandiser
):
    coupon = make_coupon()
    with pytest.raises(DomainError) as caught:
        coupang_coupon_resend_create(coupon=coupon, user=merchandiser, confirm=coupon.title)
    assert caught.value.code == "NOT_RECONCILING"
    assert HttpExchange.objects.count() == 0


def test_dropped_items_response_is_reconciled_automatically(
    sandbox, make_coupon, merchandiser, run
):
    sandbox.inject("coupang", "drop_after_apply", path_contains=ITEMS_PATH, method="PUT")
    coupon = make_coupon()

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert list(remote_coupons(sandbox)) == [coupon.coupon_id]
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == ITEMS
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    [put] = HttpExchange.objects.filter(method="PUT")  # reconciled by reading, not re-sent
    assert put.status_code is None and "연결이 끊김" in put.error  # dropped, but applied
    assert job.attempts == 2
    reads = HttpExchange.objects.filter(
        job=job, method="GET", path=f"{CREATE_PATH}/{coupon.coupon_id}"
    )
    assert reads.count() >= 2  # the reconciliation read(s) and the final read back
    assert (
        len(
            [
                t
                for t in sandbox.snapshot("coupang")["transactions"].values()
                if t["type"] == "COUPON_ITEM_PUBLISH"
            ]
        )
        == 1
    )


def test_a_429_is_waited_out(
    sandbox, make_coupon, merchandiser, django_capture_on_commit_callbacks
):
    sandbox.inject("coupang", "429", path_contains=CREATE_PATH, method="POST", retry_after="1")
    coupon = make_coupon()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            job = coupang_coupon_push(coupon=coupon, user=merchandiser)
        refused_at = timezone.now()
        job = job_attempt(job.pk)[0]
        # Retry-After: 1, as the job row records it: the next attempt is due a second later...
        assert (job.status, job.attempts) == ("PENDING", 1)
        assert job.next_attempt_at == refused_at + timedelta(seconds=1)
        clock.shift(0.5)
        assert job_attempt(job.pk)[0].attempts == 1  # ...and not before
        clock.shift(0.5)
        job = job_attempt(job.pk)[0]
    assert (job.status, job.attempts) == ("SUCCEEDED", 2)
    assert len(remote_coupons(sandbox)) == 1
    assert list(
        HttpExchange.objects.filter(job=job, method="POST")
        .order_by("id")
        .values_list("status_code", flat=True)
    ) == [429, 200]


def test_the_real_rate_limit_is_waited_out_too(sandbox, make_coupon, merchandiser, run):
    sandbox.configure("coupang", rate_limit_rps=3, retry_after="1")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    assert job.status == "SUCCEEDED", job.last_error
    assert HttpExchange.objects.filter(job=job, status_code=429).exists()
    assert len(remote_coupons(sandbox)) == 1


def test_a_timeout_on_a_read_is_retried(sandbox, make_coupon, merchandiser, run, settings):
    settings.MARKETPLACE_HTTP_TIMEOUT = 0.5
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    sandbox.inject(
        "coupang",
        "timeout",
        path_contains=f"/coupons/{coupon.coupon_id}",
        method="GET",
        seconds=1.0,
    )
    job = run(coupang_coupon_refresh, coupon=coupon, user=merchandiser)
    assert (job.status, job.attempts) == ("SUCCEEDED", 2)
    first = HttpExchange.objects.filter(job=job).order_by("id").first()
    assert first.status_code is None
    assert "응답 시간 초과" in first.error


def test_after_the_last_attempt_the_job_is_dead_with_its_reason(
    sandbox, make_coupon, merchandiser, run
):
    sandbox.inject("coupang", "5xx", times=10, path_contains=CREATE_PATH, method="POST")
    coupon = make_coupon()
    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("DEAD", 4)
    assert job.last_error == "4회 시도 후 중단: Service Unavailable"
    assert (coupon.local_status, coupon.last_error) == (
        "FAILED",
        "4회 시도 후 중단: Service Unavailable",
    )
    assert coupon.create_attempted_at is None
    assert remote_coupons(sandbox) == {}


# --- replace items --------------------------------------------------------------------------------
def test_replace_items_expires_the_old_coupon_and_creates_a_linked_new_one(
    sandbox, make_coupon, merchandiser, run
):
    old = make_coupon()
    run(coupang_coupon_push, coupon=old, user=merchandiser)
    old.refresh_from_db()
    new_items = [3000000101, 3000000102, 3000000199]

    job = run(
        coupang_coupon_replace_items, coupon=old, vendor_item_ids=new_items, user=merchandiser
    )

    old.refresh_from_db()
    new = CoupangCoupon.objects.get(replaces=old)
    assert job.status == "SUCCEEDED", job.last_error
    assert job.target_id == str(new.pk)
    assert job.result == {
        "couponId": new.coupon_id,
        "couponStatus": "STANDBY",
        "replaced": old.coupon_id,
    }
    assert (old.local_status, old.remote_status) == ("EXPIRED", "EXPIRED")
    assert (new.local_status, new.title) == ("PUSHED", old.title)
    remote = remote_coupons(sandbox)
    assert remote[old.coupon_id]["expired"] is True
    assert remote[new.coupon_id]["items"] == new_items
    assert (
        sorted(
            CoupangCouponItem.objects.filter(active=True).values_list("vendor_item_id", flat=True)
        )
        == new_items
    )
    assert [p.discount for p in new.policies.all()] == [1000, 2000, 3000]


def test_a_worker_that_died_mid_create_is_taken_over_without_sending_the_create_again(
    sandbox, make_coupon, merchandiser, settings, django_capture_on_commit_callbacks
):
    from backoffice.jobs.services import jobs_sweep

    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=False):
        job = coupang_coupon_push(coupon=coupon, user=merchandiser)
    # The worker claimed the job, recorded the create attempt, sent it, and died before the answer.
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(
        status="RUNNING", attempts=1, locked_at=long_ago, locked_by="host:4242:dead"
    )
    CoupangCoupon.objects.filter(pk=coupon.pk).update(create_attempted_at=long_ago)

    assert jobs_sweep() == [job.pk]

    job.refresh_from_db()
    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 2)
    assert coupon.local_status == "NEEDS_RECONCILE"
    assert HttpExchange.objects.count() == 0  # nothing sent again
    assert remote_coupons(sandbox) == {}


def test_an_items_request_that_never_arrived_is_sent_again_after_reading_the_coupon(
    sandbox, make_coupon, merchandiser, run, settings
):
    settings.COUPANG_POLL_MAX = 6
    sandbox.inject("coupang", "5xx", status=502, path_contains=ITEMS_PATH, method="PUT")
    coupon = make_coupon()

    job = run(coupang_coupon_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert list(
        HttpExchange.objects.filter(method="PUT")
        .order_by("id")
        .values_list("status_code", flat=True)
    ) == [502, 200]
    assert (
        HttpExchange.objects.filter(
            job=job, method="GET", path=f"{CREATE_PATH}/{coupon.coupon_id}"
        ).count()
        == 6 + 1
    )
    assert remote_coupons(sandbox)[coupon.coupon_id]["items"] == ITEMS


def test_a_dropped_expire_is_reconciled_by_reading_the_coupon(
    sandbox, make_coupon, merchandiser, run
):
    coupon = make_coupon()
    run(coupang_coupon_push, coupon=coupon, user=merchandiser)
    sandbox.inject("coupang", "drop_after_apply", path_contains="/coupons/expire", method="POST")

    job = run(coupang_coupon_expire, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert (coupon.local_status, coupon.remote_status) == ("EXPIRED", "EXPIRED")
    assert HttpExchange.objects.filter(job=job, method="POST").count() == 1  # not sent twice
    assert [t["type"] for t in sandbox.snapshot("coupang")["transactions"].values()] == [
        "COUPON_ITEM_PUBLISH",
        "COUPON_EXPIRE",
    ]
