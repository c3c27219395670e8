"""The reconcile lists the vendor's instant coupons by status (every page) and records what exists
on Coupang but not here, and what differs."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice.errors import Conflict
from backoffice.jobs.models import Job
from marketplaces.coupang import sandbox_instant
from marketplaces.coupang.instant import coupang_instant_push, coupang_instant_reconcile
from marketplaces.coupang.models import CoupangInstantFinding
from marketplaces.coupang.tasks import instant_reconcile
from tests.marketplaces.coupang import test_instant_push as push

pytestmark = pytest.mark.django_db
make_instant = push.make_instant
run = push.run
LIST_PATH = push.LIST_PATH


def findings():
    return {
        (f.kind, f.remote_coupon_id): (f.name, f.remote_status, f.differences, f.coupon_id)
        for f in CoupangInstantFinding.objects.all()
    }


def test_a_coupon_made_behind_our_back_and_one_changed_there_are_found(
    sandbox, make_instant, merchandiser, run
):
    ours = make_instant()
    run(coupang_instant_push, coupon=ours, user=merchandiser)
    same = make_instant(name="바뀌지 않는 쿠폰", vendor_item_ids=[7100000001])
    run(coupang_instant_push, coupon=same, user=merchandiser)
    ours.refresh_from_db()
    behind = sandbox_instant.put_coupon(
        sandbox.state, name="WING에서 만든 쿠폰", type="PRICE", discount=1000, status="APPLIED"
    )
    new_end = timezone.localtime(ours.end_at) + timedelta(days=3)
    sandbox_instant.update_coupon(
        sandbox.state, ours.coupon_id, name="WING에서 바꾼 이름", discount=15, endAt=new_end
    )

    job = run(coupang_instant_reconcile, user=merchandiser)

    assert job.status == "SUCCEEDED", job.last_error
    assert job.result == {"listed": 3, "remoteOnly": 1, "differs": 1}
    assert findings() == {
        ("REMOTE_ONLY", behind): ("WING에서 만든 쿠폰", "APPLIED", {}, None),
        ("DIFFERS", ours.coupon_id): (
            "WING에서 바꾼 이름",
            "STANDBY",
            {
                "name": ["겨울 즉시할인 10%", "WING에서 바꾼 이름"],
                "discount": [10, 15],
                "endAt": [
                    timezone.localtime(ours.end_at).strftime("%Y-%m-%d %H:%M:%S"),
                    new_end.strftime("%Y-%m-%d %H:%M:%S"),
                ],
            },
            ours.pk,
        ),
    }
    # Every status was asked for; reconcile sends no write.
    asked = {r["query"].split("&")[0] for r in push.received(sandbox, "GET", LIST_PATH)}
    assert asked == {f"status={s}" for s in ("STANDBY", "APPLIED", "PAUSED", "EXPIRED", "DETACHED")}
    assert [r for r in sandbox.requests("coupang") if r["method"] != "GET"][-1]["path"].endswith(
        "/items"
    )  # the last write was the second push's options


def test_a_status_changed_there_differs_and_a_second_run_replaces_the_findings(
    sandbox, make_instant, merchandiser, run
):
    ours = make_instant()
    run(coupang_instant_push, coupon=ours, user=merchandiser)
    ours.refresh_from_db()
    sandbox_instant.update_coupon(sandbox.state, ours.coupon_id, status="PAUSED")

    run(coupang_instant_reconcile, user=merchandiser)
    assert findings() == {
        ("DIFFERS", ours.coupon_id): (
            ours.name,
            "PAUSED",
            {"status": ["PUSHED", "PAUSED"]},
            ours.pk,
        )
    }
    ours.refresh_from_db()
    assert ours.remote_status == "PAUSED"  # the remote truth is kept on the row

    sandbox_instant.update_coupon(sandbox.state, ours.coupon_id, status="")
    run(coupang_instant_reconcile, user=merchandiser)
    assert findings() == {}


@pytest.mark.parametrize("pagination", [True, False], ids=["with pagination", "without"])
def test_every_page_is_read(sandbox, merchandiser, run, pagination):
    sandbox.configure("coupang", instant_pagination=pagination)
    made = {sandbox_instant.put_coupon(sandbox.state, name=f"쿠폰 {n}") for n in range(230)}

    job = run(coupang_instant_reconcile, user=merchandiser)

    assert job.status == "SUCCEEDED", job.last_error
    assert {f.remote_coupon_id for f in CoupangInstantFinding.objects.all()} == made
    pages = [
        r["query"]
        for r in push.received(sandbox, "GET", LIST_PATH)
        if r["query"].startswith("status=STANDBY")
    ]
    assert pages == [f"status=STANDBY&page={p}&size=100&sort=desc" for p in (1, 2, 3)]


def test_the_command_runs_it_to_the_end_and_prints_the_findings(sandbox):
    behind = sandbox_instant.put_coupon(sandbox.state, name="명령으로 찾은 쿠폰")
    out = StringIO()

    call_command("coupang_instant_reconcile", stdout=out)

    job = Job.objects.get(operation="reconcile")
    assert job.status == "SUCCEEDED"
    assert out.getvalue().splitlines() == [
        f"job #{job.pk}: 1 listed, 1 only on Coupang, 0 differ",
        f"  REMOTE_ONLY {behind} 명령으로 찾은 쿠폰",
    ]


def test_the_periodic_task_queues_one_reconcile_at_a_time(
    sandbox, django_capture_on_commit_callbacks
):
    first = instant_reconcile()  # not dispatched: its on_commit never runs in this test
    assert Job.objects.get().pk == first
    assert instant_reconcile() is None  # the first is still open
    with pytest.raises(Conflict):
        coupang_instant_reconcile()
