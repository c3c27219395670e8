"""ESM seller discounts (판매자할인) end to end against the sandbox: register, modify, release and
read on Gmarket and Auction; every rule refused locally with nothing sent; the 70 % rule against
the price read (which site, how much, when); pull showing a change made on ESM; faults giving no
duplicate write and no stranded job."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backoffice.jobs.models import Job
from coupons.errors import DomainError
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import seller_discounts as sd
from marketplaces.esm.client import EsmClient
from marketplaces.esm.models import EsmSellerDiscount
from marketplaces.models import HttpExchange
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

GOODS = "2158387297"
PRICE_PATH = f"/item/v1/goods/{GOODS}/price"
DISCOUNT_PATH = f"/item/v1/goods/{GOODS}/seller-discounts"


def values(**overrides) -> dict:
    """Gmarket 1,000 KRW off (+ 500), Auction 10 % off, December."""
    data = {
        "is_use": True,
        "gmkt_type": 1,
        "gmkt_price_or_rate1": 1_000,
        "gmkt_price_or_rate2": 500,
        "gmkt_start_date": date(2026, 12, 1),
        "gmkt_end_date": date(2026, 12, 31),
        "iac_type": 2,
        "iac_price_or_rate1": 10,
        "iac_price_or_rate2": None,
        "iac_start_date": date(2026, 12, 5),
        "iac_end_date": date(2027, 1, 10),
    }
    data.update(overrides)
    return data


@pytest.fixture
def make(sandbox, merchandiser):
    sandbox_esm.set_price(sandbox.state, GOODS, 20_000, 18_000)

    def make(goods_no=GOODS, **overrides):
        return sd.esm_seller_discount_create(
            user=merchandiser, goods_no=goods_no, **values(**overrides)
        )

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service that enqueues a job; the job runs inline after commit. Returns the job."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = service(**kwargs)
        job.refresh_from_db()
        return job

    return run


def discount_calls():
    return list(
        HttpExchange.objects.filter(path=DISCOUNT_PATH)
        .order_by("id")
        .values_list("method", "status_code")
    )


def test_register_modify_release_and_read_on_both_sites(make, run, sandbox, merchandiser):
    discount = make()
    assert (discount.local_state, discount.remote_state) == ("DRAFT", "NOT_REGISTERED")
    assert (discount.price_gmkt, discount.price_iac) == (20_000, 18_000)  # read on save

    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 1, "POST")
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) == {
        "isUse": True,
        "gmkt": {
            "type": 1,
            "priceOrRate1": 1_000,
            "priceOrRate2": 500,
            "startDate": "2026-12-01",
            "endDate": "2026-12-31",
        },
        "iac": {
            "type": 2,
            "priceOrRate1": 10,
            "priceOrRate2": None,
            "startDate": "2026-12-05",
            "endDate": "2027-01-10",
        },
    }
    discount.refresh_from_db()
    assert (discount.local_state, discount.remote_state) == ("SYNCED", "REGISTERED")

    # modify: Gmarket off, Auction a fixed 3,000 KRW — POST again, the same call
    discount = sd.esm_seller_discount_update(
        discount=discount,
        user=merchandiser,
        gmkt_type=0,
        gmkt_price_or_rate1=None,
        gmkt_price_or_rate2=None,
        gmkt_start_date=None,
        gmkt_end_date=None,
        iac_type=1,
        iac_price_or_rate1=3_000,
    )
    assert discount.local_state == "DRAFT"
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert job.status == "SUCCEEDED", job.last_error
    stored = sandbox_esm.stored_discount(sandbox.state, GOODS)
    assert stored["gmkt"]["type"] == 0
    assert (stored["iac"]["type"], stored["iac"]["priceOrRate1"]) == (1, 3_000)

    # read: what ESM holds, parsed for both sites
    remote = EsmClient().read_seller_discount(GOODS)
    assert remote == sd.esm_seller_discount_body(discount)
    assert (remote.iac.type, remote.iac.price_or_rate1, remote.iac.end_date) == (
        1,
        3_000,
        date(2027, 1, 10),
    )
    assert remote.gmkt.type == 0

    job = run(sd.esm_seller_discount_release, discount=discount, user=merchandiser)
    assert job.status == "SUCCEEDED"
    discount.refresh_from_db()
    assert (discount.local_state, discount.remote_state) == ("RELEASED", "NOT_REGISTERED")
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None
    assert EsmClient().read_seller_discount(GOODS).registered is False  # ESM's 1000 refusal
    assert discount_calls() == [
        ("POST", 200),
        ("POST", 200),
        ("GET", 200),
        ("DELETE", 200),
        ("GET", 400),
    ]


@pytest.mark.parametrize("shape", ["wrapped", "bare"])
def test_read_tolerates_the_body_bare_and_dates_with_a_time(
    make, run, sandbox, merchandiser, shape
):
    discount = make()
    run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    sandbox.configure("esm", discount_read_shape=shape, discount_dates_with_time=True)
    remote = EsmClient().read_seller_discount(GOODS)
    assert remote == sd.esm_seller_discount_body(discount)
    assert remote.gmkt.start_date == date(2026, 12, 1)


def test_read_into_ours_takes_esms_values(make, run, sandbox, merchandiser):
    discount = make()
    run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    remote = sandbox_esm.stored_discount(sandbox.state, GOODS)
    remote["iac"]["priceOrRate1"] = 25
    remote["gmkt"]["endDate"] = "2027-01-15"
    sandbox_esm.store_discount(sandbox.state, GOODS, remote)

    job = run(sd.esm_seller_discount_read, discount=discount, user=merchandiser)
    assert job.status == "SUCCEEDED", job.last_error
    assert [d["field"] for d in job.result["adopted"]] == ["gmkt.endDate", "iac.priceOrRate1"]
    discount.refresh_from_db()
    assert (discount.iac_price_or_rate1, discount.gmkt_end_date) == (25, date(2027, 1, 15))
    assert discount.local_state == "SYNCED"
    assert sd.esm_seller_discount_differences(discount) == []


def test_pull_shows_a_difference_made_on_esm(make, run, sandbox, merchandiser):
    discount = make()
    run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    job = run(sd.esm_seller_discount_pull, discount=discount, user=merchandiser)
    assert (job.status, job.result["differences"]) == ("SUCCEEDED", [])

    # A seller edits in ESM Plus: Gmarket's amount and Auction's type change there.
    remote = sandbox_esm.stored_discount(sandbox.state, GOODS)
    remote["gmkt"]["priceOrRate1"] = 2_000
    remote["iac"] = {
        "type": 0,
        "priceOrRate1": None,
        "priceOrRate2": None,
        "startDate": None,
        "endDate": None,
    }
    sandbox_esm.store_discount(sandbox.state, GOODS, remote)

    job = run(sd.esm_seller_discount_pull, discount=discount, user=merchandiser)
    assert job.status == "SUCCEEDED"
    assert [(d["field"], d["local"], d["remote"]) for d in job.result["differences"]] == [
        ("gmkt.priceOrRate1", 1_000, 2_000),
        ("iac.type", 2, 0),
        ("iac.priceOrRate1", 10, None),
        ("iac.startDate", "2026-12-05", None),
        ("iac.endDate", "2027-01-10", None),
    ]
    discount.refresh_from_db()
    assert discount.local_state == "DRAFT"
    assert discount.remote_payload["sellerDiscount"]["gmkt"]["priceOrRate1"] == 2_000
    assert discount.gmkt_price_or_rate1 == 1_000  # ours are not overwritten by a pull
    assert len(sd.esm_seller_discount_differences(discount)) == 5

    # Removed on ESM behind our back: pull says not registered.
    sandbox_esm.store_discount(sandbox.state, GOODS, None)
    job = run(sd.esm_seller_discount_pull, discount=discount, user=merchandiser)
    assert (job.status, job.result["registered"]) == ("SUCCEEDED", False)
    discount.refresh_from_db()
    assert discount.remote_state == "NOT_REGISTERED"


# --- rules: refused locally, nothing sent -----------------------------------------------------
@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"gmkt_price_or_rate1": 90}, "gmkt_price_or_rate1", "G마켓 할인금액은 100원 이상"),
        ({"gmkt_price_or_rate2": 95}, "gmkt_price_or_rate2", "G마켓 할인금액은 100원 이상"),
        ({"gmkt_price_or_rate1": 1_005}, "gmkt_price_or_rate1", "10원 단위"),
        (
            {"iac_type": 1, "iac_price_or_rate1": 1_234},
            "iac_price_or_rate1",
            "옥션 할인금액은 10원",
        ),
        ({"iac_price_or_rate1": 0}, "iac_price_or_rate1", "옥션 할인율은 1~70%"),
        ({"iac_price_or_rate1": 71}, "iac_price_or_rate1", "옥션 할인율은 1~70%"),
        (
            {"iac_price_or_rate1": 40, "iac_price_or_rate2": 31},
            "iac_price_or_rate2",
            "옥션 할인율 1과 2의 합 71%",
        ),
        ({"gmkt_end_date": date(2026, 11, 30)}, "gmkt_end_date", "G마켓 할인 종료일은"),
        ({"iac_start_date": date(2027, 2, 1)}, "iac_end_date", "옥션 할인 종료일은"),
        ({"gmkt_price_or_rate1": None}, "gmkt_price_or_rate1", "G마켓 할인값 1을 입력"),
        ({"iac_start_date": None}, "iac_start_date", "옥션 할인 시작일을 입력"),
        ({"iac_type": 0}, "iac_price_or_rate1", "'할인 없음'이면"),
        ({"gmkt_type": 3}, "gmkt_type", "0(없음), 1(정액), 2(정률)"),
        ({"goods_no": "0123"}, "goods_no", "0으로 시작하지 않는 숫자"),
        (
            {
                "gmkt_type": 0,
                "gmkt_price_or_rate1": None,
                "gmkt_price_or_rate2": None,
                "iac_type": 0,
                "iac_price_or_rate1": None,
            },
            "__all__",
            "하나 이상에 할인 방식",
        ),
    ],
)
def test_each_rule_is_refused_locally_with_nothing_sent(make, sandbox, overrides, field, words):
    goods_no = overrides.pop("goods_no", GOODS)
    with pytest.raises(ValidationError) as caught:
        make(goods_no=goods_no, **overrides)
    assert field in caught.value.message_dict
    assert any(words in m for m in caught.value.message_dict[field])
    assert not EsmSellerDiscount.objects.exists()
    assert HttpExchange.objects.count() == 0  # not even the price read
    assert sandbox.requests("esm") == []


@pytest.mark.parametrize(
    "overrides, field, site, price, ceiling, total",
    [
        # Gmarket 20,000 → 14,000; 13,600 + 500 = 14,100 is over
        (
            {"gmkt_price_or_rate1": 13_600},
            "gmkt_price_or_rate1",
            "G마켓",
            "20,000",
            "14,000",
            "14,100",
        ),
        # Auction 18,000 → 12,600 (Gmarket's 20,000 would have allowed it)
        (
            {"iac_type": 1, "iac_price_or_rate1": 12_610},
            "iac_price_or_rate1",
            "옥션",
            "18,000",
            "12,600",
            "12,610",
        ),
    ],
)
def test_70_percent_rule_uses_the_site_price_read_and_says_which_and_when(
    make, sandbox, overrides, field, site, price, ceiling, total
):
    with pytest.raises(ValidationError) as caught:
        make(**overrides)
    (message,) = caught.value.message_dict[field]
    assert f"{site} 할인금액 {total}원이 {site} 판매가 {price}원(" in message
    assert f"조회)의 70%인 {ceiling}원을 넘습니다." in message
    assert list(caught.value.message_dict) == [field]
    assert not EsmSellerDiscount.objects.exists()
    # only the price was read; nothing was written to ESM
    assert list(HttpExchange.objects.values_list("method", "path")) == [("GET", PRICE_PATH)]
    assert [r["path"] for r in sandbox.requests("esm")] == [PRICE_PATH]


def test_exactly_70_percent_is_allowed_and_rates_need_no_price(make, sandbox):
    discount = make(gmkt_price_or_rate1=13_500)  # 13,500 + 500 = 14,000 = 70 % of 20,000
    assert discount.ceiling_of("gmkt") == 14_000
    rate_only = make(
        goods_no="2158387298",
        gmkt_type=2,
        gmkt_price_or_rate1=70,
        gmkt_price_or_rate2=None,
    )
    assert rate_only.price_read_at is None  # no fixed amount: no price to read
    assert HttpExchange.objects.filter(path__endswith="2158387298/price").count() == 0


def test_the_price_rule_is_checked_again_at_push_and_nothing_is_sent(
    make, run, sandbox, merchandiser
):
    discount = make(gmkt_price_or_rate1=9_000)  # 9,500 of 20,000: fine when saved
    sandbox_esm.set_price(sandbox.state, GOODS, 10_000, 18_000)  # the Gmarket price fell

    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "G마켓 판매가 10,000원" in job.last_error and "7,000원" in job.last_error
    discount.refresh_from_db()
    assert (discount.local_state, discount.last_error) == ("FAILED", job.last_error)
    assert discount.price_gmkt == 10_000
    assert discount_calls() == []
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"gmkt_type": 1, "gmkt_price_or_rate1": 1_005},
        {"gmkt_type": 1, "gmkt_price_or_rate1": 90},
        {"gmkt_type": 2, "gmkt_price_or_rate1": 71},
        {"gmkt_type": 2, "gmkt_price_or_rate1": 40, "gmkt_price_or_rate2": 31},
        {"gmkt_type": 0, "gmkt_price_or_rate1": 10},
        {"gmkt_type": 1, "gmkt_price_or_rate1": 1_000, "gmkt_start_date": None},
        {"gmkt_type": 1, "gmkt_price_or_rate1": 1_000, "gmkt_end_date": date(2025, 1, 1)},
        {"gmkt_type": 5, "gmkt_price_or_rate1": 1_000},
        {"gmkt_type": 0, "iac_type": 0},
    ],
)
def test_the_table_refuses_what_the_rules_refuse(fields):
    row = {
        "goods_no": GOODS,
        "gmkt_start_date": date(2026, 12, 1),
        "gmkt_end_date": date(2026, 12, 31),
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        EsmSellerDiscount.objects.create(**row)


def test_release_of_a_discount_esm_does_not_hold_is_refused_locally(make, merchandiser):
    with pytest.raises(DomainError) as caught:
        sd.esm_seller_discount_release(discount=make(), user=merchandiser)
    assert caught.value.code == "NOT_REGISTERED"
    assert discount_calls() == [] and not Job.objects.exists()


# --- faults: no duplicate write, no stranded job ---------------------------------------------
def test_two_5xx_then_success_writes_once(make, run, sandbox, merchandiser):
    discount = make()
    sandbox.inject("esm", "5xx", times=2, method="POST", status=503)
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("SUCCEEDED", 3)
    assert discount_calls() == [("POST", 503), ("POST", 503), ("POST", 200)]
    assert sandbox_esm.discount_writes(sandbox.state, GOODS) == 1


def test_429_waits_and_sends_once(make, run, sandbox, merchandiser):
    discount = make()
    sandbox.inject("esm", "429", times=1, method="POST", retry_after="0")
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("SUCCEEDED", 2)
    assert discount_calls() == [("POST", 429), ("POST", 200)]
    assert sandbox_esm.discount_writes(sandbox.state, GOODS) == 1


@pytest.mark.parametrize("fault", ["drop_after_apply", "5xx_applied"])
def test_a_lost_answer_after_apply_is_confirmed_by_a_read_not_sent_again(
    make, run, sandbox, merchandiser, fault
):
    discount = make()
    if fault == "5xx_applied":
        sandbox.inject("esm", "5xx", times=1, method="POST", status=500, apply=True)
    else:
        sandbox.inject("esm", fault, times=1, method="POST")

    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 2, "NONE")
    assert [m for m, _ in discount_calls()] == ["POST", "GET"]
    assert sandbox_esm.discount_writes(sandbox.state, GOODS) == 1
    discount.refresh_from_db()
    assert (discount.local_state, discount.remote_state) == ("SYNCED", "REGISTERED")
    assert not Job.objects.filter(status__in=Job.OPEN_STATUSES).exists()


def test_a_timeout_is_looked_at_then_sent_again_and_esm_holds_one_discount(
    make, run, sandbox, merchandiser
):
    """The timed-out POST is still asleep in the sandbox when the retry looks: nothing there yet,
    so the retry sends again. POST is ESM's upsert, so the late one leaves the same discount."""
    discount = make()
    sandbox.inject("esm", "timeout", times=1, method="POST", seconds=3.5)

    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 2, "POST")
    assert discount_calls() == [("POST", None), ("GET", 400), ("POST", 200)]
    wait_for(lambda: sandbox_esm.discount_writes(sandbox.state, GOODS) == 2)
    assert list(sandbox.snapshot("esm")["seller_discounts"]) == [GOODS]
    assert (
        sandbox_esm.stored_discount(sandbox.state, GOODS)
        == (sd.esm_seller_discount_body(discount).to_json()["sellerDiscount"])
    )
    discount.refresh_from_db()
    assert (discount.local_state, discount.remote_state) == ("SYNCED", "REGISTERED")
    assert not Job.objects.filter(status__in=Job.OPEN_STATUSES).exists()


def test_a_lost_answer_before_apply_sends_after_looking(make, run, sandbox, merchandiser):
    discount = make()
    sandbox.inject("esm", "5xx", times=1, method="POST", status=502)  # nothing applied
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 2, "POST")
    # outcome unknown: look first (nothing registered: ESM's 1000 refusal), then register
    assert discount_calls() == [("POST", 502), ("GET", 400), ("POST", 200)]
    assert sandbox_esm.discount_writes(sandbox.state, GOODS) == 1


def test_a_lost_release_answer_counts_as_released(make, run, sandbox, merchandiser):
    discount = make()
    run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    sandbox.inject("esm", "drop_after_apply", times=1, method="DELETE")
    job = run(sd.esm_seller_discount_release, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert discount_calls() == [("POST", 200), ("DELETE", None), ("DELETE", 400), ("GET", 400)]
    discount.refresh_from_db()
    assert (discount.local_state, discount.remote_state) == ("RELEASED", "NOT_REGISTERED")


def test_faults_that_never_end_leave_a_dead_job_and_a_failed_row(make, run, sandbox, merchandiser):
    discount = make()
    sandbox.inject("esm", "5xx", times=100, method="POST", status=503)
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("DEAD", 4)
    discount.refresh_from_db()
    assert discount.local_state == "FAILED" and "4회 시도 후 중단" in discount.last_error
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None


@pytest.mark.parametrize("casing", ["camel", "pascal"])
def test_esm_refusal_reaches_the_job_and_the_row(make, run, sandbox, merchandiser, casing):
    discount = make(gmkt_type=2, gmkt_price_or_rate1=5, gmkt_price_or_rate2=None)
    sandbox.configure("esm", error_casing=casing, foreign_goods=[GOODS])
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == "[1000] 해당 판매자의 상품이 아닙니다"
    discount.refresh_from_db()
    assert (discount.local_state, discount.last_error) == ("FAILED", job.last_error)


def test_bad_token_is_reported_as_a_credentials_problem(make, run, sandbox, merchandiser):
    discount = make(gmkt_type=2, gmkt_price_or_rate1=5, gmkt_price_or_rate2=None)
    sandbox.configure("esm", master_id="another-master")
    job = run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "credentials" in job.last_error
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None


def test_a_second_push_while_one_is_open_is_a_conflict(
    make, merchandiser, django_capture_on_commit_callbacks
):
    from coupons.errors import Conflict

    discount = make()
    with django_capture_on_commit_callbacks(execute=False):
        sd.esm_seller_discount_push(discount=discount, user=merchandiser)
        with pytest.raises(Conflict):
            sd.esm_seller_discount_push(discount=discount, user=merchandiser)
    assert Job.objects.filter(target_type="esm.seller_discount").count() == 1


def test_the_sponsorship_still_works_beside_it(make, run, sandbox, merchandiser):
    """The sponsorship and the seller discount of one goods live side by side on ESM."""
    from marketplaces.esm import services as esm

    discount = make()
    sponsorship = esm.esm_sponsorship_create(
        user=merchandiser,
        goods_no=GOODS,
        gmkt_is_use=False,
        iac_is_use=True,
        iac_start_date=date(2026, 12, 1),
        iac_end_date=date(2026, 12, 31),
    )
    run(sd.esm_seller_discount_push, discount=discount, user=merchandiser)
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert job.status == "SUCCEEDED"
    assert sandbox_esm.stored(sandbox.state, GOODS)["auction"]["isUse"] is True
    assert sandbox_esm.stored_discount(sandbox.state, GOODS)["gmkt"]["type"] == 1

    sandbox.inject("esm", "retired", times=100, path_contains="/customer-benefit/sponsorship")
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "ESM has retired the sponsorship API" in job.last_error
    # the seller-discount API is not the retired one
    job = run(sd.esm_seller_discount_pull, discount=discount, user=merchandiser)
    assert (job.status, job.result["differences"]) == ("SUCCEEDED", [])


def test_the_70_percent_refusal_reads_in_english_from_the_language_switch(make, sandbox):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        make(gmkt_price_or_rate1=13_600)
    (message,) = caught.value.message_dict["gmkt_price_or_rate1"]
    assert message.startswith(
        "The Gmarket discount of 14,100 KRW is above 14,000 KRW, 70% of the Gmarket sale price "
        "of 20,000 KRW (read "
    )
