"""Coupang instant-discount coupons pushed through the job engine to the sandbox on loopback."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.jobs.models import Job
from marketplaces.coupang import instant, sandbox_instant
from marketplaces.coupang.instant import (
    coupang_instant_add_items,
    coupang_instant_create,
    coupang_instant_expire,
    coupang_instant_poll,
    coupang_instant_push,
)
from marketplaces.coupang.models import CoupangInstantCoupon
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db
BASE = "/v2/providers/fms/apis/api"
VENDOR = "A00012345"
CREATE_PATH = f"{BASE}/v2/vendors/{VENDOR}/coupon"
LIST_PATH = f"{BASE}/v2/vendors/{VENDOR}/coupons"


def items_path(coupon_id):
    return f"{BASE}/v1/vendors/{VENDOR}/coupons/{coupon_id}/items"


def instant_kwargs(**overrides):
    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    kwargs = {
        "name": "겨울 즉시할인 10%",
        "type": "RATE",
        "discount": 10,
        "max_discount_price": 5000,
        "start_at": start,
        "end_at": start + timedelta(days=7),
        "wow_exclusive": False,
        "vendor_item_ids": [7000000001, 7000000002, 7000000003],
    }
    kwargs.update(overrides)
    return kwargs


@pytest.fixture
def make_instant(merchandiser):
    def make(**overrides):
        return coupang_instant_create(user=merchandiser, **instant_kwargs(**overrides))

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service that enqueues a job, let it run after commit, return the job refreshed."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = service(**kwargs)
        job.refresh_from_db()
        return job

    return call


def remote(sandbox):
    return sandbox.snapshot("coupang").get("instant", {}).get("coupons", {})


def received(sandbox, method=None, path=None):
    return [
        r
        for r in sandbox.requests("coupang")
        if (method is None or r["method"] == method) and (path is None or r["path"] == path)
    ]


def test_create_12000_options_in_two_calls_poll_read_back_and_expire(
    sandbox, make_instant, merchandiser, run
):
    """Done when: create → add 12,000 options in two calls → poll → read back → expire."""
    ids = list(range(8000000001, 8000012001))
    coupon = make_instant(vendor_item_ids=ids)
    assert coupon.items.count() == 12000

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert job.attempts == 1
    assert job.result == {"couponId": coupon.coupon_id, "status": "STANDBY", "items": 12000}
    assert (job.progress_done, job.progress_total) == (12000, 12000)
    assert list(remote(sandbox)) == [coupon.coupon_id]
    stored = remote(sandbox)[coupon.coupon_id]
    assert stored["items"] == ids
    assert (stored["name"], stored["type"], stored["discount"], stored["maxDiscountPrice"]) == (
        "겨울 즉시할인 10%",
        "RATE",
        10,
        5000,
    )
    assert stored["startAt"] == timezone.localtime(coupon.start_at).strftime("%Y-%m-%d %H:%M:%S")
    assert stored["contractId"] == 15 and stored["wowExclusive"] is False
    # Two add-items calls: 10,000 then 2,000, each polled to DONE before the next went out.
    adds = received(sandbox, "POST", items_path(coupon.coupon_id))
    assert [len(r["body"]["vendorItems"]) for r in adds] == [10000, 2000]
    assert [v for r in adds for v in r["body"]["vendorItems"]] == ids
    ours = HttpExchange.objects.filter(job=job).order_by("id")
    posts = [x for x in ours if x.path == items_path(coupon.coupon_id)]
    first_id = json.loads(posts[0].response_body)["data"]["content"]["requestedId"]
    between = ours.filter(id__gt=posts[0].id, id__lt=posts[1].id, method="GET")
    assert between.last().path == f"{BASE}/v1/vendors/{VENDOR}/requested/{first_id}"
    assert json.loads(between.last().response_body)["data"]["content"]["status"] == "DONE"
    # The create was polled (its requestedId), and the coupon read back last.
    assert [x.method for x in ours[:3]] == ["GET", "POST", "GET"]  # contracts, create, requested
    assert ours.last().path == CREATE_PATH and ours.last().query == f"couponId={coupon.coupon_id}"
    assert (coupon.local_status, coupon.remote_status, coupon.last_error) == (
        "PUSHED",
        "STANDBY",
        "",
    )
    assert coupon.create_attempted_at is None and coupon.create_requested_id == ""
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    assert coupon.items.filter(requested_id=first_id).count() == 10000
    assert coupon.remote_payload["couponId"] == coupon.coupon_id

    expired = run(coupang_instant_expire, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert expired.status == "SUCCEEDED", expired.last_error
    assert (coupon.local_status, coupon.remote_status) == ("EXPIRED", "EXPIRED")
    [put] = received(sandbox, "PUT")
    assert (put["path"], put["query"]) == (
        f"{BASE}/v1/vendors/{VENDOR}/coupons/{coupon.coupon_id}",
        "action=expire",
    )
    assert remote(sandbox)[coupon.coupon_id]["expired"] is True


def test_options_added_later_go_in_their_own_job(sandbox, make_instant, merchandiser, run):
    coupon = make_instant()
    run(coupang_instant_push, coupon=coupon, user=merchandiser)

    job = run(
        coupang_instant_add_items,
        coupon=coupon,
        vendor_item_ids=[7000000010, 7000000011],
        user=merchandiser,
    )

    coupon.refresh_from_db()
    assert (job.operation, job.status) == ("add_items", "SUCCEEDED"), job.last_error
    assert remote(sandbox)[coupon.coupon_id]["items"] == [
        7000000001,
        7000000002,
        7000000003,
        7000000010,
        7000000011,
    ]
    adds = received(sandbox, "POST", items_path(coupon.coupon_id))
    assert [r["body"]["vendorItems"] for r in adds] == [
        [7000000001, 7000000002, 7000000003],
        [7000000010, 7000000011],
    ]
    assert coupon.local_status == "PUSHED"


def test_options_coupang_refuses_are_named_and_the_others_kept(
    sandbox, make_instant, merchandiser, run
):
    sandbox.configure("coupang", instant_fail_items={"7000000002": "판매 중지된 옵션입니다."})
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    message = "옵션 1개를 쿠팡에 등록하지 못했습니다: 7000000002 (판매 중지된 옵션입니다.)"
    assert job.last_error == message
    assert (coupon.local_status, coupon.last_error) == ("PUSHED", message)
    assert dict(coupon.items.values_list("vendor_item_id", "status")) == {
        7000000001: "DONE",
        7000000002: "FAILED",
        7000000003: "DONE",
    }
    assert remote(sandbox)[coupon.coupon_id]["items"] == [7000000001, 7000000003]


def test_coupangs_refusal_fails_the_job_with_its_message(sandbox, make_instant, merchandiser, run):
    coupon = make_instant(contract_id=999)

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == f"contractId=999 (으)로 계약이 판매자={VENDOR} 에 속하지 않습니다."
    assert (coupon.local_status, coupon.coupon_id, coupon.create_attempted_at) == (
        "FAILED",
        None,
        None,
    )
    assert remote(sandbox) == {}


def test_poll_settles_what_is_in_flight_and_reads_back(
    sandbox, make_instant, merchandiser, run, settings
):
    settings.COUPANG_POLL_MAX = 1  # the push gives up waiting: the request stays in flight
    sandbox.configure("coupang", settle_seconds=30)
    coupon = make_instant()
    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)
    coupon.refresh_from_db()
    assert job.status == "DEAD" and coupon.create_requested_id and coupon.coupon_id is None
    assert len(received(sandbox, "POST", CREATE_PATH)) == 1

    sandbox.settle("coupang")
    sandbox.configure("coupang", settle_seconds=0.1)
    settings.COUPANG_POLL_MAX = 40
    polled = run(coupang_instant_poll, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert polled.status == "SUCCEEDED", polled.last_error
    assert coupon.coupon_id == next(iter(remote(sandbox)))
    assert coupon.remote_status == "STANDBY"
    assert len(received(sandbox, "POST", CREATE_PATH)) == 1  # poll sends no write
    # The options are still to send: a push carries on from the coupon it has.
    CoupangInstantCoupon.objects.filter(pk=coupon.pk).update(local_status="FAILED")
    pushed = run(coupang_instant_push, coupon=coupon, user=merchandiser)
    assert pushed.status == "SUCCEEDED", pushed.last_error
    assert len(received(sandbox, "POST", CREATE_PATH)) == 1
    assert remote(sandbox)[coupon.coupon_id]["items"] == [7000000001, 7000000002, 7000000003]


def test_mirrors_list_both_coupang_kinds_of_a_promotion(
    sandbox, make_instant, make_coupon, merchandiser
):
    from backoffice.mirrors import mirrors_of
    from coupons.services import promotion_create
    from tests.factories import promotion_data

    promotion = promotion_create(user=merchandiser, data=promotion_data())
    other = promotion_create(user=merchandiser, data=promotion_data())
    make_instant(promotion=other)
    coupon = make_instant(promotion=promotion)
    download = make_coupon(promotion=promotion)
    mirrors = [m for m in mirrors_of(promotion) if "쿠팡" in m.kind]
    assert [(m.kind, m.label, m.status) for m in mirrors] == [
        ("쿠팡 즉시할인쿠폰", str(coupon), "작성 중"),
        ("쿠팡 다운로드쿠폰", str(download), "작성 중"),
    ]
    assert mirrors[0].url == f"/admin/marketplaces/coupanginstantcoupon/{coupon.pk}/change/"


def test_sandbox_put_coupon_is_listed(sandbox):
    coupon_id = sandbox_instant.put_coupon(sandbox.state, name="뒤에서")
    client = instant.InstantCouponClient()
    assert [c.coupon_id for c in client.list_instant("STANDBY")] == [coupon_id]
    assert Job.objects.count() == 0
