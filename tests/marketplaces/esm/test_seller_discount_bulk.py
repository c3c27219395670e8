"""Bulk push of seller discounts: many goods as ONE job, with progress and an outcome per goods
(the refused ones named with their reason), retrying only the goods not yet settled."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import seller_discounts as sd
from marketplaces.esm.models import EsmSellerDiscount
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

FIRST_GOODS = 5_000_000_000


def bulk_rows(n: int, **overrides) -> list[EsmSellerDiscount]:
    """n valid rows straight into the table (the constraints hold their one-row rules)."""
    fields = dict(
        is_use=True,
        gmkt_type=1,
        gmkt_price_or_rate1=1_000,
        gmkt_start_date=date(2026, 12, 1),
        gmkt_end_date=date(2026, 12, 31),
        iac_type=2,
        iac_price_or_rate1=5,
        iac_start_date=date(2026, 12, 1),
        iac_end_date=date(2026, 12, 31),
    )
    fields.update(overrides)
    EsmSellerDiscount.objects.bulk_create(
        [EsmSellerDiscount(goods_no=str(FIRST_GOODS + i), **fields) for i in range(n)]
    )
    return list(EsmSellerDiscount.objects.order_by("goods_no"))


def run_bulk(rows, user, capture):
    with capture(execute=True):
        job = sd.esm_seller_discounts_push_bulk(discounts=rows, user=user)
    job.refresh_from_db()
    return job


def test_1000_goods_are_one_job_with_1000_outcomes_some_refused_and_named(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(1_000)
    foreign = [rows[10].goods_no, rows[500].goods_no]
    cheap = [rows[3].goods_no, rows[999].goods_no]
    sandbox.configure("esm", foreign_goods=foreign)
    for goods_no in cheap:
        sandbox_esm.set_price(sandbox.state, goods_no, 1_200)  # 70 % = 840 < 1,000

    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)

    assert Job.objects.count() == 1
    assert (job.status, job.attempts, job.target_type) == (
        "SUCCEEDED",
        1,
        "esm.seller_discount_bulk",
    )
    assert (job.progress_done, job.progress_total) == (1_000, 1_000)
    assert (job.result["total"], job.result["succeeded"], job.result["failed"]) == (1_000, 996, 4)
    outcomes = job.result["outcomes"]
    assert [o["goodsNo"] for o in outcomes] == [r.goods_no for r in rows]
    failed = {o["goodsNo"]: o["message"] for o in outcomes if o["status"] == "FAILED"}
    assert sorted(failed) == sorted(foreign + cheap)
    for goods_no in foreign:
        assert failed[goods_no] == "[1000] 해당 판매자의 상품이 아닙니다"
    for goods_no in cheap:
        assert "G마켓 판매가 1,200원" in failed[goods_no] and "840원" in failed[goods_no]
    assert {o["operation"] for o in outcomes if o["status"] == "OK"} == {"POST"}

    stored = sandbox.snapshot("esm")["seller_discounts"]
    assert len(stored) == 996 and not set(stored) & set(foreign + cheap)
    assert EsmSellerDiscount.objects.filter(local_state="SYNCED").count() == 996
    assert set(
        EsmSellerDiscount.objects.filter(local_state="FAILED").values_list("goods_no", flat=True)
    ) == set(foreign + cheap)
    # a price read each (ESM refuses another seller's goods already there), and a POST for
    # each goods but those four: nothing was sent for the two the 70 % rule refused locally
    assert HttpExchange.objects.filter(job=job, path__endswith="/price").count() == 1_000
    posts = HttpExchange.objects.filter(job=job, method="POST")
    assert posts.count() == 996
    assert not posts.filter(path__in=[f"/item/v1/goods/{g}/seller-discounts" for g in cheap])


def test_only_goods_that_failed_for_a_retryable_reason_are_sent_again(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(5, gmkt_type=2, gmkt_price_or_rate1=10)  # rates: no price reads
    sandbox.inject("esm", "5xx", times=1, method="POST", path_contains=rows[2].goods_no)
    sandbox.inject(
        "esm", "drop_after_apply", times=1, method="POST", path_contains=rows[4].goods_no
    )

    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)

    assert (job.status, job.attempts, job.result["succeeded"]) == ("SUCCEEDED", 2, 5)
    ops = {o["goodsNo"]: o["operation"] for o in job.result["outcomes"]}
    assert ops[rows[2].goods_no] == "POST" and ops[rows[4].goods_no] == "NONE"
    assert HttpExchange.objects.filter(job=job, method="POST").count() == 6  # 5 + the 503 one
    for row in rows:
        assert sandbox_esm.discount_writes(sandbox.state, row.goods_no) == 1
    assert not Job.objects.filter(status__in=Job.OPEN_STATUSES).exists()


def test_bad_keys_stop_the_job_and_every_goods_gets_the_reason(
    sandbox, merchandiser, django_capture_on_commit_callbacks
):
    rows = bulk_rows(3, gmkt_type=2, gmkt_price_or_rate1=10)
    sandbox.configure("esm", master_id="another-master")
    job = run_bulk(rows, merchandiser, django_capture_on_commit_callbacks)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "credentials" in job.last_error
    assert {o["status"] for o in job.result["outcomes"]} == {"FAILED"}
    assert len(job.result["outcomes"]) == 3
    assert set(EsmSellerDiscount.objects.values_list("local_state", flat=True)) == {"FAILED"}
    assert HttpExchange.objects.filter(job=job).count() == 1


def test_a_row_breaking_a_rule_queues_nothing_and_is_named(sandbox, merchandiser):
    rows = bulk_rows(3)
    rows[1].gmkt_price_or_rate1 = 1_005  # as if changed in memory: the rule refuses it
    with pytest.raises(ValidationError) as caught:
        sd.esm_seller_discounts_push_bulk(discounts=rows, user=merchandiser)
    assert caught.value.messages == [f"{rows[1].goods_no}: G마켓 할인금액은 10원 단위여야 합니다."]
    assert not Job.objects.exists()
    assert sandbox.requests("esm") == []
