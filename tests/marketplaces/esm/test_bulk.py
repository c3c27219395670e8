"""Bulk push: many goods as ONE sync job, with progress and an outcome per goods."""

from datetime import date

import pytest

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import services as esm
from marketplaces.esm.models import EsmSponsorship
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

FIRST_GOODS = 2_000_000_000


def bulk_rows(n: int, **overrides) -> list[EsmSponsorship]:
    """n valid rows straight into the table (their one-row rules hold: the constraints say so)."""
    fields = dict(
        gmkt_is_use=True,
        gmkt_amount=1_000,
        gmkt_max_amount=20_000,
        gmkt_field=6,
        gmkt_start_date=date(2026, 12, 1),
        gmkt_end_date=date(2026, 12, 31),
        iac_is_use=True,
        iac_start_date=date(2026, 12, 1),
        iac_end_date=date(2026, 12, 31),
    )
    fields.update(overrides)
    EsmSponsorship.objects.bulk_create(
        [EsmSponsorship(goods_no=str(FIRST_GOODS + i), **fields) for i in range(n)]
    )
    return list(EsmSponsorship.objects.order_by("goods_no"))


def run_bulk(rows, user, capture):
    with capture(execute=True):
        job = esm.esm_sponsorships_push_bulk(sponsorships=rows, user=user)
    job.refresh_from_db()
    return job


def test_bulk_push_of_1000_goods_is_one_job_with_1000_outcomes(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(1_000)
    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)

    assert Job.objects.count() == 1
    assert (job.status, job.attempts, job.target_type) == ("SUCCEEDED", 1, "esm.sponsorship_bulk")
    assert (job.progress_done, job.progress_total) == (1_000, 1_000)
    assert (job.result["total"], job.result["succeeded"], job.result["failed"]) == (1_000, 1_000, 0)
    outcomes = job.result["outcomes"]
    assert len(outcomes) == 1_000
    assert {o["goodsNo"] for o in outcomes} == {r.goods_no for r in rows}
    assert {(o["status"], o["operation"]) for o in outcomes} == {("OK", "POST")}
    assert len(sandbox.snapshot("esm")["sponsorships"]) == 1_000
    synced = EsmSponsorship.objects.filter(local_state="SYNCED", remote_state="REGISTERED")
    assert synced.count() == 1_000
    assert HttpExchange.objects.filter(job=job).count() == 2_000  # a price read and a POST each


def test_bulk_outcomes_keep_each_goods_refusal_and_pushing_again_modifies(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(6)
    foreign, cheap = rows[1].goods_no, rows[4].goods_no
    sandbox.configure("esm", foreign_goods=[foreign], error_casing="pascal")
    sandbox_esm.set_price(sandbox.state, cheap, 1_000)  # 80 % = 800 < 1,000

    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)
    assert (job.status, job.result["succeeded"], job.result["failed"]) == ("SUCCEEDED", 4, 2)
    by_goods = {o["goodsNo"]: o for o in job.result["outcomes"]}
    assert by_goods[foreign]["status"] == "FAILED"
    assert by_goods[foreign]["message"] == "[1000] 해당 판매자의 상품이 아닙니다"
    assert by_goods[cheap]["status"] == "FAILED" and "800원" in by_goods[cheap]["message"]
    assert EsmSponsorship.objects.get(goods_no=foreign).local_state == "FAILED"
    assert sandbox_esm.stored(sandbox.state, cheap) is None

    sandbox.configure("esm", foreign_goods=[])
    sandbox_esm.set_price(sandbox.state, cheap, 10_000)
    job = run_bulk(
        EsmSponsorship.objects.order_by("goods_no"),
        merchandiser,
        django_capture_on_commit_callbacks,
    )
    ops = {o["goodsNo"]: o["operation"] for o in job.result["outcomes"]}
    assert job.result["succeeded"] == 6
    assert ops[foreign] == "POST" and ops[rows[0].goods_no] == "PUT"


def test_bulk_retries_only_the_goods_that_failed_for_a_retryable_reason(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(5)
    sandbox.inject("esm", "5xx", times=1, method="POST", path_contains=rows[2].goods_no, status=503)
    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)
    assert (job.status, job.attempts, job.result["succeeded"]) == ("SUCCEEDED", 2, 5)
    posts = HttpExchange.objects.filter(job=job, method="POST")
    assert posts.count() == 6  # 5 + the one goods sent again
    assert posts.filter(status_code=503).count() == 1
    assert len(sandbox.snapshot("esm")["sponsorships"]) == 5


def test_retired_api_stops_the_bulk_job_once_with_the_plain_message(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(3)
    sandbox.inject("esm", "retired", times=100, path_contains="/customer-benefit/sponsorship")
    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "ESM has retired the sponsorship API" in job.last_error
    assert {o["status"] for o in job.result["outcomes"]} == {"FAILED"}
    assert all("ESM has retired" in o["message"] for o in job.result["outcomes"])
    assert HttpExchange.objects.filter(job=job, method="POST").count() == 1
    assert set(EsmSponsorship.objects.values_list("local_state", flat=True)) == {"FAILED"}
