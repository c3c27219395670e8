"""Faults on every instant-coupon write (5xx, 429, timeout, a response dropped after the change
was applied): never a second coupon, never an option twice, never a job left open."""

import pytest

from backoffice.jobs.models import Job
from marketplaces.coupang.instant import coupang_instant_expire, coupang_instant_push
from marketplaces.coupang.models import CoupangInstantCoupon
from tests.marketplaces.coupang import test_instant_push as push

pytestmark = pytest.mark.django_db
make_instant = push.make_instant
run = push.run
remote, received = push.remote, push.received
CREATE_PATH, BASE, VENDOR = push.CREATE_PATH, push.BASE, push.VENDOR
IDS = [7000000001, 7000000002, 7000000003]


def nothing_open():
    return not Job.objects.filter(status__in=Job.OPEN_STATUSES).exists()


def creates(sandbox):
    return received(sandbox, "POST", CREATE_PATH)


def assert_one_coupon_with_its_options(sandbox, coupon):
    coupon.refresh_from_db()
    assert list(remote(sandbox)) == [coupon.coupon_id]
    assert remote(sandbox)[coupon.coupon_id]["items"] == IDS  # each once
    assert (coupon.local_status, coupon.last_error) == ("PUSHED", "")
    assert set(coupon.items.values_list("status", flat=True)) == {"DONE"}
    assert coupon.create_attempted_at is None and coupon.items_requested_at is None
    assert nothing_open()


@pytest.mark.parametrize("status", [503, 500, 502, 504])
def test_a_5xx_on_create_gives_one_coupon(sandbox, make_instant, merchandiser, run, status):
    """503 says nothing was done: sent again. 500/502/504 leave it unknown: looked up first (it
    was not created, so it is sent again after the list never showed it)."""
    sandbox.inject("coupang", "5xx", status=status, path_contains=CREATE_PATH, method="POST")
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert len(creates(sandbox)) == 2
    assert_one_coupon_with_its_options(sandbox, coupon)


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "5xx", "status": 500, "apply": True},
        {"fault": "drop_after_apply"},
        {"fault": "timeout", "seconds": 1.5},
    ],
    ids=["500 after applying", "dropped after applying", "timeout after applying"],
)
def test_a_lost_create_that_was_applied_is_found_in_the_list_and_not_sent_again(
    sandbox, make_instant, merchandiser, run, settings, fault
):
    settings.MARKETPLACE_HTTP_TIMEOUT = 1.0
    sandbox.inject("coupang", path_contains=CREATE_PATH, method="POST", **fault)
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert len(creates(sandbox)) == 1  # looked up by name and period, never sent again
    listed = [r for r in received(sandbox, "GET") if r["path"] == push.LIST_PATH]
    assert listed and all("status=" in r["query"] for r in listed)
    assert_one_coupon_with_its_options(sandbox, coupon)


def test_a_429_on_create_is_waited_out(sandbox, make_instant, merchandiser, run):
    sandbox.inject("coupang", "429", path_contains=CREATE_PATH, method="POST", retry_after="0.1")
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert len(creates(sandbox)) == 2
    assert_one_coupon_with_its_options(sandbox, coupon)


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "drop_after_apply"},
        {"fault": "5xx", "status": 500, "apply": True},
        {"fault": "5xx", "status": 503},
        {"fault": "429", "retry_after": "0.1"},
        {"fault": "timeout", "seconds": 1.3},
    ],
    ids=["dropped", "500 after applying", "503", "429", "timeout"],
)
def test_a_fault_on_adding_options_gives_each_option_once(
    sandbox, make_instant, merchandiser, run, settings, fault
):
    settings.MARKETPLACE_HTTP_TIMEOUT = 1.0
    sandbox.inject("coupang", path_contains="/items", method="POST", **fault)
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert len(creates(sandbox)) == 1
    adds = [r for r in received(sandbox, "POST") if r["path"].endswith("/items")]
    assert [r["body"]["vendorItems"] for r in adds] == [IDS, IDS]  # the same call, sent again
    assert_one_coupon_with_its_options(sandbox, coupon)


def test_a_5xx_while_polling_is_retried(sandbox, make_instant, merchandiser, run):
    sandbox.inject("coupang", "5xx", status=502, path_contains="/requested/", method="GET")
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert len(creates(sandbox)) == 1
    assert_one_coupon_with_its_options(sandbox, coupon)


@pytest.mark.parametrize(
    "fault",
    [{"fault": "drop_after_apply"}, {"fault": "5xx", "status": 503}],
    ids=["dropped", "503"],
)
def test_a_fault_on_expire_is_reconciled_by_reading_the_coupon(
    sandbox, make_instant, merchandiser, run, fault
):
    coupon = make_instant()
    run(coupang_instant_push, coupon=coupon, user=merchandiser)
    sandbox.inject("coupang", path_contains="/coupons/", method="PUT", **fault)

    job = run(coupang_instant_expire, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert job.status == "SUCCEEDED", job.last_error
    assert (coupon.local_status, coupon.remote_status) == ("EXPIRED", "EXPIRED")
    assert remote(sandbox)[coupon.coupon_id]["expired"] is True
    assert nothing_open()


def test_after_the_last_attempt_the_job_is_dead_and_the_coupon_says_why(
    sandbox, make_instant, merchandiser, run
):
    sandbox.inject("coupang", "5xx", status=503, times=4, path_contains=CREATE_PATH, method="POST")
    coupon = make_instant()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    coupon.refresh_from_db()
    assert (job.status, job.attempts) == ("DEAD", 4)
    assert job.last_error == "4회 시도 후 중단: Service Unavailable"
    assert (coupon.local_status, coupon.last_error) == ("FAILED", job.last_error)
    assert coupon.create_attempted_at is None  # 503: certainly not created
    assert remote(sandbox) == {} and nothing_open()
    # It may be pushed again, and then makes one coupon.
    again = run(coupang_instant_push, coupon=coupon, user=merchandiser)
    assert again.status == "SUCCEEDED", again.last_error
    assert_one_coupon_with_its_options(sandbox, coupon)


def test_a_worker_that_died_after_sending_the_create_is_taken_over_without_a_second_coupon(
    sandbox, make_instant, merchandiser, run, settings
):
    """The create was sent and applied, the worker died before recording anything: the next
    runner finds `create_attempted_at` set and looks the coupon up instead of sending again."""
    from django.utils import timezone

    from marketplaces.coupang.client import InstantCouponClient
    from marketplaces.coupang.instant import _create_request

    coupon = make_instant()
    client = InstantCouponClient()
    request = _create_request(coupon, client)
    client.create_instant(request)  # what the dead worker sent
    CoupangInstantCoupon.objects.filter(pk=coupon.pk).update(
        create_attempted_at=timezone.now(), create_request=request.as_request()
    )
    coupon.refresh_from_db()

    job = run(coupang_instant_push, coupon=coupon, user=merchandiser)

    assert (job.status, job.attempts) == ("SUCCEEDED", 1), job.last_error
    assert len(creates(sandbox)) == 1
    assert_one_coupon_with_its_options(sandbox, coupon)
